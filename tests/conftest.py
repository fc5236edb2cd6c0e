"""Shared test tools: a free port, and a real uvicorn server on 127.0.0.1 in a background thread."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(app, port: int) -> Iterator[str]:
    """Serve `app` on 127.0.0.1:`port` until the block ends; yields the server's root URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve() -> Callable[..., AbstractContextManager[str]]:
    """`with serve(app, port) as root:` runs a real server for the block."""
    return running


@pytest.fixture(scope="session")
def free_port() -> Callable[[], int]:
    """`free_port()` gives a port nothing listens on (yet)."""
    return _free_port


@contextmanager
def serving(build: Callable[[Path, str], None], folder: Path, **settings) -> Iterator[str]:
    """Make a store in `folder` with `build(folder, base)`, under the base it is then served at, and serve
    it until the block ends; yields the server's root URL."""
    from lod.config import Settings
    from lod.web.app import create_app

    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    build(folder, base)
    with running(create_app(Settings(store=folder, base_uri=base, **settings)), port) as root:
        yield root


@pytest.fixture(scope="session")
def serve_built() -> Callable[..., AbstractContextManager[str]]:
    """`with serve_built(build, folder) as root:` builds a store and serves it for the block."""
    return serving


# --- the remote-store mode of the suite ------------------------------------------------------------
# With LOD_TEST_STORE=remote, every store a test opens keeps its RDF on an `oxigraph serve` of its own
# on 127.0.0.1 (one server per store folder, started on first use), so that the same end-to-end tests
# show the platform working over a remote SPARQL 1.1 server. `make test` runs them in both modes.

_servers: dict[str, tuple[subprocess.Popen, str]] = {}


def _oxigraph_server(folder: Path) -> str:
    key = str(folder.resolve())
    if key not in _servers:
        command = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        port = _free_port()
        folder.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen([command, "serve", "--location", str(folder / "remote-rdf"),
                                    "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    process.kill()
                    raise RuntimeError("oxigraph serve did not start") from None
                time.sleep(0.05)
        _servers[key] = (process, url)
    return _servers[key][1]


@pytest.fixture(scope="session", autouse=True)
def store_mode() -> Iterator[str]:
    mode = os.environ.get("LOD_TEST_STORE", "embedded")
    if mode != "remote":
        yield mode
        return
    from lod import store as store_module

    original = store_module.Store.__init__

    def remote_init(self, path=None, read_only=False, remote=None):
        if remote is None and path is not None:
            remote = _oxigraph_server(Path(path))
        original(self, path, read_only, remote)

    store_module.Store.__init__ = remote_init
    try:
        yield mode
    finally:
        store_module.Store.__init__ = original
        for process, _ in _servers.values():
            process.terminate()
        for process, _ in _servers.values():
            process.wait(10)
