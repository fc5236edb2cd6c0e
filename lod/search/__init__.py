"""Full-text search, suggest and reconciliation over the store, on a tantivy index that follows the
store's journal (see sync.py). Vietnamese is searched folded: "ha noi" finds "Hà Nội"."""

from lod.search.index import IndexLocked, SearchIndex, index_path
from lod.search.query import Filters, Hit, Results, search
from lod.search.suggest import Suggestion, suggest
from lod.search.sync import SyncReport, rebuild, sync, update_index

__all__ = ["Filters", "Hit", "IndexLocked", "Results", "SearchIndex", "Suggestion", "SyncReport", "index_path",
           "rebuild", "search", "suggest", "sync", "update_index"]
