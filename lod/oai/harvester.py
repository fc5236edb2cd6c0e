"""Harvesting an OAI-PMH repository into the store, incrementally.

Pages are fetched, kept in a temporary folder and ingested with lod.ingest.ingest in batches, so harvested
records go through the same readers, mappings and journal as any file (deleted headers withdraw records).
What a source has given is remembered in `harvest.json` in the store folder, per (URL, format, set): the
latest datestamp seen, which the next harvest asks `from` (inclusive: the boundary records come again,
and an unchanged record changes nothing), and, while a harvest runs, the resumption token of the next
page, so that a harvest cut short resumes where it stopped. A token the repository no longer accepts
starts the cut harvest again from its own `from`.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from lxml import etree

from lod.ingest import IngestReport, ingest, withdraw
from lod.readers.marc import SAFE_XML
from lod.store import Store
from lod.uris import Minter

log = logging.getLogger(__name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
NS = {"o": OAI_NS}
STATE_FILE = "harvest.json"
BATCH = 500  # records ingested at a time: each ingest call ends with a flush and a count of the store
RETRIES = 4
MAX_WAIT = 60.0  # seconds a Retry-After may ask for
USER_AGENT = "lod-vn-harvester/0.1 (OAI-PMH 2.0)"


class HarvestError(RuntimeError):
    """The repository answered with an error (other than "no records match"), or could not be reached."""


class Unreachable(HarvestError):
    """The repository did not answer at all (after retries)."""


@dataclass
class HarvestReport:
    url: str
    library: str
    prefix: str
    set: str | None = None
    since: str | None = None  # the `from` asked (None: everything)
    until: str | None = None
    method: str = "list"
    resumed: bool = False  # continued a harvest that was cut short
    restarted: bool = False  # the saved token was refused: harvested again from the cut harvest's `from`
    requests: int = 0
    pages: int = 0
    headers: int = 0
    deleted: int = 0
    read: int = 0
    converted: int = 0
    failed: int = 0
    latest: str | None = None  # the latest datestamp seen
    seconds: float = 0.0
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def add(self, result: IngestReport) -> None:
        self.read += result.read
        self.converted += result.converted
        self.failed += result.failed
        self.errors += result.errors[: max(0, 100 - len(self.errors))]


@dataclass(frozen=True)
class Page:
    """One response, read: its error code, headers (identifier, datestamp, deleted) and resumption token."""

    body: bytes
    error: str | None
    message: str
    headers: list[tuple[str, str, bool]]
    token: str | None

    @classmethod
    def read(cls, body: bytes) -> Page:
        try:
            root = etree.fromstring(body, etree.XMLParser(**SAFE_XML))
        except etree.XMLSyntaxError as error:
            raise HarvestError(f"the response is not well-formed XML: {error}") from None
        if root.tag != f"{{{OAI_NS}}}OAI-PMH":
            raise HarvestError(f"the response is not OAI-PMH (root element {root.tag})")
        error = root.find("o:error", NS)
        # ListIdentifiers gives bare headers, ListRecords and GetRecord headers inside records
        headers = [(h.findtext("o:identifier", "", NS).strip(), h.findtext("o:datestamp", "", NS).strip(),
                    h.get("status") == "deleted")
                   for where in ("o:*/o:header", "o:*/o:record/o:header") for h in root.iterfind(where, NS)]
        token = root.findtext("o:*/o:resumptionToken", None, NS)
        return cls(body, error.get("code") if error is not None else None,
                   (error.text or "").strip() if error is not None else "", headers, (token or "").strip() or None)


class Client:
    """OAI-PMH requests over HTTP: GET, retrying a busy (503, Retry-After) or unreachable repository."""

    def __init__(self, url: str, http: httpx.Client | None = None, pause: Callable[[float], None] = time.sleep):
        self.url = url
        self._http = http or httpx.Client(timeout=60.0, follow_redirects=True, headers={"User-Agent": USER_AGENT})
        self._pause = pause
        self.requests = 0

    def get(self, **args: str) -> Page:
        for attempt in range(RETRIES):
            self.requests += 1
            try:
                response = self._http.get(self.url, params=args)
            except httpx.TransportError as error:
                if attempt == RETRIES - 1:
                    raise Unreachable(f"{self.url} cannot be reached: {error}") from error
                self._pause(2.0**attempt)
                continue
            if response.status_code == 503 and attempt < RETRIES - 1:
                self._pause(_retry_after(response.headers.get("retry-after"), 2.0**attempt))
                continue
            if response.status_code != 200:
                raise HarvestError(f"{self.url} answered HTTP {response.status_code} to {args}")
            return Page.read(response.content)
        raise HarvestError(f"{self.url} stayed busy")


def _retry_after(value: str | None, default: float) -> float:
    try:
        return min(float(value), MAX_WAIT) if value else default
    except ValueError:
        return default


# --- what a source has given -------------------------------------------------------------------------


def source_key(url: str, prefix: str, set_spec: str | None) -> str:
    return " ".join((url, prefix, set_spec or ""))


def read_state(folder: Path) -> dict:
    path = folder / STATE_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save_state(folder: Path, key: str, value: dict) -> None:
    state = read_state(folder)
    state[key] = value
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (STATE_FILE + ".partial")
    partial.write_text(json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8")
    partial.replace(folder / STATE_FILE)  # atomic: a harvest killed here leaves the old state whole


# --- harvesting --------------------------------------------------------------------------------------


@dataclass
class Harvest:
    """One harvest's settings (what the command line says)."""

    url: str
    library: str
    prefix: str = "oai_dc"
    set: str | None = None
    since: str | None = None  # an explicit `from`: overrides what is remembered
    until: str | None = None
    method: str = "list"  # list: ListRecords; get: ListIdentifiers, then GetRecord for each record
    full: bool = False  # forget the remembered datestamp and harvest everything
    batch: int = BATCH  # records ingested at a time; the resumption point is saved after each batch


def harvest(job: Harvest, store: Store, minter: Minter, state_folder: Path, client: Client | None = None,
            on_page: Callable[[HarvestReport], None] | None = None) -> HarvestReport:
    """Harvest one source into the store for library `job.library`; see the module's note."""
    if job.method not in ("list", "get"):
        raise ValueError(f"method must be list or get, not {job.method!r}")
    started = time.perf_counter()
    client = client or Client(job.url)
    key = source_key(job.url, job.prefix, job.set)
    remembered = read_state(state_folder).get(key, {})
    verb = "ListRecords" if job.method == "list" else "ListIdentifiers"
    pending = None if (job.since or job.full) else remembered.get("pending")
    if pending and pending.get("verb", verb) != verb:
        pending = None  # a token belongs to the list it came from: with the other method, start anew
    report = HarvestReport(job.url, job.library, job.prefix, job.set, job.since, job.until, job.method)
    if pending:
        report.resumed = True
        report.since, report.until, report.latest = pending["from"], pending["until"], pending["latest"]
    elif not (job.since or job.full):
        report.since = _granular(remembered.get("latest"), _granularity(client))
    first = {"verb": verb, "metadataPrefix": job.prefix, "from": report.since, "until": report.until,
             "set": job.set}
    first = {k: v for k, v in first.items() if v}
    args = {"verb": verb, "resumptionToken": pending["token"]} if pending else first
    with tempfile.TemporaryDirectory(prefix="lod-harvest-") as folder:
        batch = _Batch(Path(folder), job, store, minter, client, report)
        for page in _pages(client, args, first, report):
            batch.add(page)
            if page.token is None or batch.full:
                batch.ingest()
                if page.token is not None:
                    pending = {"verb": verb, "token": page.token, "from": report.since, "until": report.until,
                               "latest": report.latest}
                    _save_state(state_folder, key, {**remembered, "url": job.url, "library": job.library,
                                                    "pending": pending})
            if on_page:
                on_page(report)
        batch.ingest()
    latest = max(filter(None, (report.latest, remembered.get("latest"))), default=None)
    _save_state(state_folder, key, {"url": job.url, "library": job.library, "prefix": job.prefix, "set": job.set,
                                    "latest": latest, "pending": None, "harvested": _now()})
    report.requests = client.requests
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _pages(client: Client, args: dict, first: dict, report: HarvestReport) -> Iterator[Page]:
    """The pages of one list, following resumption tokens."""
    while True:
        page = client.get(**args)
        if page.error == "badResumptionToken" and report.resumed and not report.restarted:
            log.warning("the saved resumption token was refused (%s): harvesting again from %s",
                        page.message, report.since or "the start")
            report.restarted = True
            args = first
            continue
        if page.error == "noRecordsMatch":
            return
        if page.error:
            raise HarvestError(f"{client.url} answered {page.error}: {page.message}")
        report.pages += 1
        report.headers += len(page.headers)
        report.deleted += sum(deleted for _, _, deleted in page.headers)
        stamps = [stamp for _, stamp, _ in page.headers if stamp]
        report.latest = max([*stamps, report.latest or ""]) or None
        yield page
        if page.token is None:
            return
        args = {"verb": args["verb"], "resumptionToken": page.token}


class _Batch:
    """Pages (or GetRecord responses) waiting in a folder to be ingested together."""

    def __init__(self, folder: Path, job: Harvest, store: Store, minter: Minter, client: Client,
                 report: HarvestReport):
        self.folder, self.job, self.store, self.minter, self.client, self.report = (
            folder, job, store, minter, client, report)
        self.files: list[Path] = []
        self.withdrawn: list[str] = []
        self.records = 0

    @property
    def full(self) -> bool:
        return self.records >= self.job.batch

    def add(self, page: Page) -> None:
        if self.job.method == "list":
            self._write(page.body)
        else:
            for identifier, _, deleted in page.headers:
                if deleted:
                    self.withdrawn.append(identifier)
                else:
                    self._get_record(identifier)
        self.records += len(page.headers)

    def _get_record(self, identifier: str) -> None:
        """Fetch one record; one the repository lists but will not give is a failed record, not a failed harvest."""
        try:
            record = self.client.get(verb="GetRecord", identifier=identifier, metadataPrefix=self.job.prefix)
            if record.error:
                raise HarvestError(f"GetRecord answered {record.error}: {record.message}")
        except Unreachable:
            raise
        except HarvestError as error:
            self.report.failed += 1
            self.report.errors.append({"file": self.job.url, "record": 0, "id": identifier, "reason": str(error)})
            return
        self._write(record.body)

    def _write(self, body: bytes) -> None:
        path = self.folder / f"{len(self.files) + 1:08d}.xml"  # read in this order: a later copy wins
        path.write_bytes(body)
        self.files.append(path)

    def ingest(self) -> None:
        if self.files:
            self.report.add(ingest(self.files, self.job.library, self.store, self.minter))
        if self.withdrawn:
            withdraw(self.store, self.minter, self.job.library, self.withdrawn)
        for path in self.files:
            path.unlink()
        self.files, self.withdrawn, self.records = [], [], 0


def _granularity(client: Client) -> str:
    """The repository's datestamp granularity; a repository that cannot say is asked by day (all must take it)."""
    try:
        page = client.get(verb="Identify")
    except HarvestError as error:
        log.warning("Identify failed (%s): asking by day", error)
        return "YYYY-MM-DD"
    root = etree.fromstring(page.body, etree.XMLParser(**SAFE_XML))
    return (root.findtext("o:Identify/o:granularity", "", NS) or "YYYY-MM-DD").strip()


def _granular(stamp: str | None, granularity: str) -> str | None:
    if not stamp:
        return None
    return stamp if "hh" in granularity and len(stamp) > 10 else stamp[:10]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
