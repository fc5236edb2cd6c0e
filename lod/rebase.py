"""Serving a store under another base than the one its URIs were minted under.

URIs are minted at ingest under the base recorded in the store; `lod serve --base-uri` or `lod demo
--port` may publish them under another. Like Trifid's `datasetBaseUrl`, the stored base is rewritten to
the served one on the way out (results, documents) and back on the way in (query text, graph names), so
a store works on any host and port and every link a client is given can be followed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rebase:
    stored: str  # the base the store's URIs were minted under
    served: str  # the base they are published under

    @property
    def active(self) -> bool:
        return self.stored != self.served

    def to_stored(self, text: str) -> str:
        """A query or a URI from a client, as the store knows it."""
        return text.replace(self.served, self.stored) if self.active else text

    def to_served(self, text: str) -> str:
        """A URI from the store, as clients should see it."""
        return text.replace(self.stored, self.served) if self.active else text

    def body_to_served(self, body: bytes) -> bytes:
        """A serialised result or document: every serialisation we emit writes IRIs out in full."""
        if not self.active:
            return body
        return body.replace(self.stored.encode("utf-8"), self.served.encode("utf-8"))


def rebase_for(stored: str | None, served: str) -> Rebase:
    """An empty store has no base of its own yet: it will be minted under the served one."""
    return Rebase(stored or served, served)
