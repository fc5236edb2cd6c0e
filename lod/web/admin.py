"""Writing over HTTP: ingest a library's records and withdraw records, for holders of the write token.

The server owns its store (one writer), so while it serves, writes go through it. Writing is off
unless a token is configured (`LOD_WRITE_TOKEN`); the token is compared in constant time. The public
SPARQL endpoint stays read-only whatever token a request carries.
"""

from __future__ import annotations

import hmac
import tempfile
import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lod.dataset import minter_for
from lod.ingest import ingest, withdraw
from lod.web import PlainError, SettingsDep, StoreDep

router = APIRouter(prefix="/api")
_writing = threading.Lock()  # one write at a time: batches of two requests must not interleave


def require_token(request: Request, settings: SettingsDep) -> None:
    expected = settings.write_token
    if not expected:
        raise PlainError(403, "Writing over HTTP is switched off on this server (no write token is configured).")
    given = request.headers.get("authorization", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8")):
        raise PlainError(401, "A valid write token is needed: send it as `Authorization: Bearer TOKEN`.",
                         {"WWW-Authenticate": 'Bearer realm="lod"'})


Writer = Annotated[None, Depends(require_token)]


@router.post("/libraries/{isil}/records")
async def ingest_records(isil: str, request: Request, store: StoreDep, settings: SettingsDep, _: Writer,
                         format: str = "auto") -> JSONResponse:
    """Ingest the record file in the request body (ISO 2709, MARCXML, OAI-PMH or Dublin Core XML)."""
    if format not in ("auto", "marc", "marcxml", "dc"):
        raise PlainError(400, "format must be auto, marc, marcxml or dc")
    body = await _body(request, settings.max_upload)
    with tempfile.TemporaryDirectory(prefix="lod-upload-") as folder:
        path = Path(folder) / "records"
        path.write_bytes(body)
        report = await _in_thread(request, lambda: ingest([path], isil, store, _minter(store, settings), format))
    for error in report.errors:
        error["file"] = "(request body)"
    for skipped in report.skipped:
        skipped["file"] = "(request body)"
    return JSONResponse(report.as_dict(), status_code=200 if report.read else 422)


@router.delete("/libraries/{isil}/records/{record_id:path}")
async def withdraw_record(isil: str, record_id: str, request: Request, store: StoreDep, settings: SettingsDep,
                          _: Writer) -> JSONResponse:
    removed, missing = await _in_thread(request, lambda: withdraw(store, _minter(store, settings), isil,
                                                                    [record_id]))
    if missing:
        raise PlainError(404, f"{isil} has no record {record_id} in this store")
    return JSONResponse({"withdrawn": removed, "library": isil, "record": record_id})


def _minter(store, settings):
    # URIs are minted under the store's own base; an empty store takes the served one.
    return minter_for(store, settings.base_uri)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PlainError(413, f"The request body is larger than this server accepts ({limit} bytes).")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PlainError(413, f"The request body is larger than this server accepts ({limit} bytes).")
        chunks.append(chunk)
    if not size:
        raise PlainError(400, "Send the records in the request body.")
    return b"".join(chunks)


async def _in_thread(request: Request, work):
    """Run a write in a worker thread, one at a time, then tell the app's parts that the store changed."""
    def guarded():
        with _writing:
            return work()

    result = await run_in_threadpool(guarded)
    for hook in request.app.state.on_change:
        await run_in_threadpool(hook)
    return result
