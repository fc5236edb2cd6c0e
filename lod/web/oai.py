"""The OAI-PMH endpoint at /oai: GET with a query string or POST with a form, answered by lod/oai/provider.py."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from lod.oai.provider import PAGE_SIZE, Repository, respond
from lod.web import SITE_NAME, RebaseDep, StoreDep

router = APIRouter()

XML = "text/xml; charset=utf-8"
_EMAIL = re.compile(r"\S+@(\S+\.)+\S+")  # the protocol's emailType


@dataclass(frozen=True)
class OaiSettings:
    """Records per list page and the contact the Identify verb gives (tests may override this dependency)."""

    page_size: int = PAGE_SIZE
    admin_email: str | None = None


def oai_settings() -> OaiSettings:
    return OaiSettings(admin_email=os.environ.get("LOD_ADMIN_EMAIL"))


OaiSettingsDep = Annotated[OaiSettings, Depends(oai_settings)]


def _repository(store, rebase, settings: OaiSettings) -> Repository:
    # Identify must name a contact: without one configured, the served host's webmaster is the usual guess.
    host = Repository(store, rebase, SITE_NAME, "").host
    email = settings.admin_email or f"webmaster@{host}"
    if not _EMAIL.fullmatch(email):
        email = "webmaster@localhost.localdomain"
    return Repository(store, rebase, SITE_NAME, email, settings.page_size)


@router.get("/oai")
def oai_get(request: Request, store: StoreDep, rebase: RebaseDep, settings: OaiSettingsDep) -> Response:
    body = respond(_repository(store, rebase, settings), list(request.query_params.multi_items()))
    return Response(body, media_type=XML)


@router.post("/oai")
async def oai_post(request: Request, store: StoreDep, rebase: RebaseDep, settings: OaiSettingsDep) -> Response:
    form = await request.form()
    args = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    body = await run_in_threadpool(respond, _repository(store, rebase, settings), args)
    return Response(body, media_type=XML)
