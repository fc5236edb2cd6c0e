"""The web app's shared parts: what routes depend on (the store, the settings, base rewriting, the
templates), and the few response helpers every router uses.

`create_app` (lod/web/app.py) puts one of each on `app.state`; routes ask for them as `Annotated`
dependencies, so a test or another app can build its own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from lod.config import Settings
from lod.formats import Format
from lod.rebase import Rebase
from lod.store import Store

SITE_NAME = "Dữ liệu mở liên kết thư viện Việt Nam"


class PlainError(Exception):
    """An error answered as plain text (SPARQL clients and crawlers read the body, not an HTML page)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# Shared state for the routers. `async` because they only read attributes: a plain `def` dependency
# would cost a hop to the thread pool on every request.
async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_rebase(request: Request) -> Rebase:
    return request.app.state.rebase


async def get_templates(request: Request) -> Environment:
    return request.app.state.templates


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
RebaseDep = Annotated[Rebase, Depends(get_rebase)]
TemplatesDep = Annotated[Environment, Depends(get_templates)]


def not_acceptable(offered: list[Format], headers: dict[str, str] | None = None) -> PlainError:
    listing = "\n".join(f"  {f.media_type} (.{f.name})" for f in offered)
    return PlainError(406, f"None of the formats your Accept header names is offered here. Offered:\n{listing}",
                      headers)


def page_text(templates: Environment, name: str, **context) -> str:
    """A page from site/templates; `context` is prepared view data (dicts, lists, strings)."""
    return templates.get_template(name).render(site_name=SITE_NAME, **context)


def render(templates: Environment, name: str, status: int = 200, headers: dict[str, str] | None = None,
           **context) -> HTMLResponse:
    return HTMLResponse(page_text(templates, name, **context), status_code=status, headers=headers)
