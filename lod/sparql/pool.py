"""A small pool of query worker processes, each with the store open read-only.

A query runs in a worker; when it passes its time limit the worker is killed (SIGKILL, so the CPU
really stops) and a fresh one takes its place. A read-only store is a snapshot taken when it is
opened, so the pool watches the store's write-ahead log and manifest, and when they change it replaces
each worker, as it becomes free, by one that opens the store anew.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pickle
import sys
import time
from dataclasses import asdict
from pathlib import Path

from lod.sparql.execute import Job, Policy, Reply, refusal
from lod.sparql.worker import HEADER

log = logging.getLogger(__name__)
PROJECT = Path(__file__).resolve().parents[2]
START_LIMIT = 60.0  # seconds a new worker may take to open the store
RECHECK = 1.0  # seconds between two looks at the store's files


class WorkerFailed(RuntimeError):
    """A worker could not start (no store there, or the store cannot be opened)."""


class Worker:
    """One worker process and its two pipes."""

    def __init__(self, process: asyncio.subprocess.Process, generation: int, isolated: bool):
        self.process = process
        self.generation = generation
        self.isolated = isolated

    @property
    def pid(self) -> int:
        return self.process.pid

    @classmethod
    async def start(cls, config: dict, generation: int) -> Worker:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "lod.sparql.worker", json.dumps(config),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env)
        worker = cls(process, generation, False)
        try:
            hello = await asyncio.wait_for(worker._receive(), START_LIMIT)
        except (TimeoutError, asyncio.IncompleteReadError) as error:
            await worker.kill()
            raise WorkerFailed(f"a query worker did not start ({type(error).__name__})") from None
        if not hello.get("ready"):
            await worker.kill()
            raise WorkerFailed(f"a query worker could not open the store: {hello.get('error')}")
        worker.isolated = hello["isolated"]
        return worker

    async def call(self, job: Job) -> Reply:
        data = _pickle(job)
        self.process.stdin.write(HEADER.pack(len(data)) + data)
        await self.process.stdin.drain()
        return await self._receive()

    async def _receive(self):
        (size,) = HEADER.unpack(await self.process.stdout.readexactly(HEADER.size))
        return pickle.loads(await self.process.stdout.readexactly(size))

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        await self.process.wait()


def _pickle(message) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def store_fingerprint(store: Path) -> tuple:
    """What changes when the store is written: its write-ahead logs, manifest and CURRENT pointer."""
    try:
        entries = list(os.scandir(store / "oxigraph"))
    except OSError:
        return ()
    return tuple(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in entries
                        if e.name.endswith(".log") or e.name.startswith(("MANIFEST", "CURRENT"))))


class QueryPool:
    """`size` workers over the store at `store`; `run` answers a job within `time_limit` seconds."""

    def __init__(self, store: Path, policy: Policy, size: int = 2, time_limit: float = 10.0,
                 isolate: bool = True):
        self.store = Path(store)
        self.size = max(1, size)
        self.time_limit = time_limit
        self.config = {"store": str(self.store), "policy": asdict(policy),
                       "isolate": isolate and not policy.allowed_services}
        self._idle: asyncio.Queue[Worker] | None = None
        self._workers: set[Worker] = set()
        self._tasks: set[asyncio.Task] = set()
        self._generation = 0
        self._fingerprint: tuple = ()
        self._checked = 0.0
        self._stopping = False

    def pids(self) -> list[int]:
        """The process ids of the live workers (for monitoring, and tests)."""
        return sorted(w.pid for w in self._workers)

    @property
    def isolated(self) -> bool:
        return bool(self._workers) and all(w.isolated for w in self._workers)

    async def start(self) -> None:
        if self._idle is not None:
            return
        self._idle = asyncio.Queue()
        self._fingerprint = store_fingerprint(self.store)
        self._checked = time.monotonic()
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        for worker in workers:
            self._idle.put_nowait(worker)

    async def stop(self) -> None:
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*(w.kill() for w in list(self._workers)), return_exceptions=True)
        self._workers.clear()

    async def run(self, job: Job) -> Reply:
        try:
            await self.start()
        except WorkerFailed as error:
            self._idle = None
            return refusal(500, str(error))
        self._notice_changes()
        try:
            worker = await asyncio.wait_for(self._idle.get(), self.time_limit)
        except TimeoutError:
            return refusal(503, f"Every query worker stayed busy for {self.time_limit:g} s: try again shortly.")
        try:
            if worker.generation != self._generation:  # the store changed since this worker opened it
                await self._retire(worker)
                worker = await self._spawn()
        except WorkerFailed as error:
            self._replace()
            return refusal(500, str(error))
        return await self._call(worker, job)

    async def _call(self, worker: Worker, job: Job) -> Reply:
        started = time.monotonic()
        try:
            reply = await asyncio.wait_for(worker.call(job), self.time_limit)
        except TimeoutError:
            await self._retire(worker)
            self._replace()
            log.warning("query stopped after %.1f s (worker %d killed)", time.monotonic() - started, worker.pid)
            return refusal(503, f"The query ran past this endpoint's time limit of {self.time_limit:g} s and was "
                                f"stopped. Make it cheaper (more specific patterns, LIMIT) or use the data dumps.")
        except (asyncio.IncompleteReadError, ConnectionError):
            await self._retire(worker)
            self._replace()
            return refusal(500, "The query worker stopped unexpectedly; the query was not answered.")
        except BaseException:  # cancelled mid-query: the worker's pipe is in an unknown state
            await self._retire(worker)
            self._replace()
            raise
        self._idle.put_nowait(worker)
        return reply

    def store_changed(self) -> None:
        """Told by the server right after it wrote the store: every worker opens it anew before its next query."""
        self._generation += 1
        self._fingerprint = store_fingerprint(self.store)

    def _notice_changes(self) -> None:
        now = time.monotonic()
        if now - self._checked < RECHECK:
            return
        self._checked = now
        fingerprint = store_fingerprint(self.store)
        if fingerprint != self._fingerprint:
            self._fingerprint = fingerprint
            self._generation += 1

    async def _spawn(self) -> Worker:
        worker = await Worker.start(self.config, self._generation)
        if self._stopping:
            await worker.kill()
            raise WorkerFailed("the pool is stopping")
        self._workers.add(worker)
        return worker

    async def _retire(self, worker: Worker) -> None:
        self._workers.discard(worker)
        await worker.kill()

    def _replace(self) -> None:
        """Start a worker in the background to take a retired one's place."""
        if self._stopping:
            return
        task = asyncio.get_running_loop().create_task(self._replacement())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replacement(self) -> None:
        delay = 0.5
        while not self._stopping:
            try:
                self._idle.put_nowait(await self._spawn())
                return
            except WorkerFailed as error:
                log.warning("%s; trying again in %.1f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
