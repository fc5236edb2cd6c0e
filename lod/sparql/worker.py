"""A query worker process: opens the store read-only and answers jobs, one at a time.

Started by the pool (`python -m lod.sparql.worker`) with its settings as JSON in argv. It talks over
two pipes: jobs come in on stdin and replies go out on the original stdout, each a pickled object
after a 4-byte length; anything printed goes to stderr. A worker is killed (SIGKILL) when a query
passes its time limit: that is the only way to stop pyoxigraph, and what makes the CPU really stop.

When no SERVICE endpoint is allowed, the worker first moves into a network namespace of its own
(where the kernel lets it): then even a query that got past the guard cannot reach any host.
"""

from __future__ import annotations

import ctypes
import json
import os
import pickle
import struct
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO

HEADER = struct.Struct("!I")
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
OPEN_ATTEMPTS = 50  # opening while the writer compacts can fail for a moment: try again


def read_frame(stream: BinaryIO):
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    return pickle.loads(stream.read(size))


def write_frame(stream: BinaryIO, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def isolate_network() -> bool:
    """Leave the host's network for an empty namespace; False when the kernel does not allow it."""
    libc = ctypes.CDLL(None, use_errno=True)
    for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return True
    return False


def open_store(path: Path):
    from lod.store import Store

    for attempt in range(OPEN_ATTEMPTS):
        try:
            return Store(path, read_only=True)
        except (OSError, RuntimeError):
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.1)
    raise AssertionError("unreachable")


def watch_parent(parent: int) -> None:
    """Exit when the server that started this worker is gone, even in the middle of a query."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def main(config: dict) -> None:
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints must not mix with replies
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    from lod.sparql.execute import Policy, execute, refusal

    policy = Policy(**config["policy"])
    try:
        store = open_store(Path(config["store"]))
    except (OSError, RuntimeError) as error:
        write_frame(replies, {"ready": False, "error": str(error)})
        return
    isolated = isolate_network() if config["isolate"] else False  # before the first job is read
    write_frame(replies, {"ready": True, "isolated": isolated, "pid": os.getpid()})
    jobs = sys.stdin.buffer
    while (job := read_frame(jobs)) is not None:
        try:
            reply = execute(store, job, policy)
        except Exception as error:  # noqa: BLE001 - the worker answers every job and lives on
            reply = refusal(500, f"The query failed: {type(error).__name__}: {error}")
        write_frame(replies, reply)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
