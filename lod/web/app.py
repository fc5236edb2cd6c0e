"""The app factory: one store (opened here, read-write: the server owns it), one set of settings,
shared with the routers through `Annotated` dependencies (see lod/web/__init__.py)."""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException

from lod.config import Settings
from lod.dataset import stored_base
from lod.publish.version import VersionedCache
from lod.rebase import rebase_for
from lod.store import Store
from lod.web import SITE_NAME, PlainError, admin, feeds, libraries, pages, reconcile, resources, search, sparql, stats
from lod.web import oai as oai_pmh
from lod.web.security import SecurityHeaders

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """The web app over the store `settings` names; raises StoreLocked when another process writes it."""
    store = Store(settings.store, remote=settings.remote)
    # The built-in API docs would load scripts from a CDN; this site documents itself in its own pages.
    app = FastAPI(title=SITE_NAME, docs_url=None, redoc_url=None, openapi_url=None, lifespan=sparql.lifespan)
    app.state.settings = settings
    app.state.store = store
    # Read once: the base only changes when an empty store gets its first records, and only the
    # server may write a served store (a future write route must refresh this).
    app.state.rebase = rebase_for(stored_base(store), _with_slash(settings.base_uri))
    # documents and labels of linked resources, kept for the current store version (lod/publish/version.py)
    app.state.documents = VersionedCache(settings.document_cache, size=lambda rendered: len(rendered.body))
    app.state.labels = VersionedCache(settings.label_cache)
    app.state.templates = Environment(loader=FileSystemLoader(settings.site / "templates"), autoescape=True)
    # What must follow a write through this server (lod/web/admin.py): each part adds its refresh here.
    app.state.on_change = [lambda: _refresh_base(app)]
    app.state.search = search.open_index(store, settings.store, settings.search_catch_up)  # synced with the journal
    app.state.on_change.append(search.follow(store, app.state.search))
    sparql.setup(app, settings)  # the query workers, CORS, the query editor's files
    if app.state.sparql_pool is not None:
        app.state.on_change.append(app.state.sparql_pool.store_changed)
    app.add_exception_handler(PlainError, _plain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.include_router(pages.router)
    app.include_router(sparql.router)
    app.include_router(resources.router)
    app.include_router(search.router)
    app.include_router(reconcile.router)
    app.include_router(oai_pmh.router)
    app.include_router(feeds.router)
    app.include_router(stats.router)
    app.include_router(libraries.router)
    app.include_router(admin.router)
    app.add_middleware(SecurityHeaders)
    # the figures of a large store take minutes to count: begin now rather than at the first visit
    threading.Thread(target=_count_figures, args=(app,), name="figures", daemon=True).start()
    app.mount("/static", StaticFiles(directory=settings.site / "static"), name="static")
    return app


def _count_figures(app: FastAPI) -> None:
    try:
        resources.dataset_figures(app, app.state.store, app.state.settings)
        stats.library_figures(app, app.state.store, app.state.settings)
    except Exception:  # the first visit counts them again and shows what went wrong
        log.warning("counting the dataset's figures failed", exc_info=True)


def _refresh_base(app: FastAPI) -> None:
    """An empty store gets its base with its first records."""
    app.state.rebase = rebase_for(stored_base(app.state.store), _with_slash(app.state.settings.base_uri))


def _with_slash(base: str) -> str:
    return base if base.endswith("/") else base + "/"


async def _plain_error(request: Request, error: PlainError) -> PlainTextResponse:
    return PlainTextResponse(error.message + "\n", status_code=error.status, headers=error.headers)


async def _http_error(request: Request, error: HTTPException) -> PlainTextResponse:
    # Framework errors (unknown path, wrong method) in plain text too, not FastAPI's JSON.
    return PlainTextResponse(f"{error.detail}\n", status_code=error.status_code, headers=error.headers)
