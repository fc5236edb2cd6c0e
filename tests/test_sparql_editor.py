"""The query editor: YASGUI served by the site itself, configured for this endpoint, with examples that
fit the data; checked in headless Chromium, which runs an example through the real endpoint."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from lod.sparql.examples import EXAMPLES
from tests.html_page import page
from tests.test_web import ingest_sample_records

ROOT = Path(__file__).resolve().parents[1]
YASGUI = ROOT / "site" / "vendor" / "node_modules" / "@zazuko" / "yasgui" / "build" / "yasgui.min.js"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory, serve_built):
    """The bundled sample records of every library, ingested and served; yields the root URL."""
    with serve_built(ingest_sample_records, tmp_path_factory.mktemp("editor-samples")) as root:
        yield root


def needs_yasgui():
    if not YASGUI.is_file():
        pytest.skip(f"YASGUI is not installed at {YASGUI.parent}: `make test` installs it (npm ci in site/vendor)")


def test_editor_page(sample_site):
    response = httpx.get(sample_site + "sparql", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp  # the page reaches no other host
    parsed = page(response.text)
    assert "/static/yasgui/yasgui.min.js" in parsed.sources and "/static/sparql-editor.js" in parsed.sources
    assert "/static/yasgui/yasgui.min.css" in parsed.styles
    assert [e["name"] for e in json.loads(parsed.blocks["sparql-examples"])] == [e["name"] for e in EXAMPLES]
    assert f'data-endpoint="{sample_site}sparql"' in response.text
    assert '<textarea id="query" name="query"' in response.text  # the form that works without scripts


def test_yasgui_is_served_from_the_site(sample_site):
    needs_yasgui()
    script = httpx.get(sample_site + "static/yasgui/yasgui.min.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert script.content == YASGUI.read_bytes()
    assert httpx.get(sample_site + "static/yasgui/yasgui.min.css").status_code == 200
    editor = httpx.get(sample_site + "static/sparql-editor.js").text
    assert "prefixCcApi: null" in editor and "endpointCatalogueOptions" in editor


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_examples_fit_the_sample_data(sample_site, example):
    response = httpx.post(sample_site + "sparql", data={"query": example["query"]}, headers={"Accept": JSON},
                          timeout=30)
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    assert rows, example["name"]
    if example["name"] == "libraries":
        assert {r["name"]["value"] for r in rows} >= {"Thư viện Quốc gia Việt Nam"}
        assert all(int(r["records"]["value"]) > 0 for r in rows)
    if example["name"] == "shared-works":
        assert all(int(r["libraries"]["value"]) > 1 for r in rows)


def test_an_example_runs_in_a_real_browser(sample_site, tmp_path):
    """Chromium loads the page, YASGUI starts under the page's CSP, runs the linked example against the
    endpoint and shows its results."""
    needs_yasgui()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no headless Chromium on this machine (apt-get install chromium)")
    done = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=15000",
         f"--user-data-dir={tmp_path}", "--dump-dom", sample_site + "sparql#example=libraries"],
        capture_output=True, text=True, timeout=120)
    dom = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'class="yasgui' in dom and "CodeMirror" in dom  # the editor really started
    assert re.search(r'<form class="sparql sparql-fallback"[^>]*hidden', dom)
    table = dom[dom.index("yasr"):]
    assert "Thư viện Quốc gia Việt Nam" in table and "Thư viện tỉnh Vĩnh Phúc" in table
