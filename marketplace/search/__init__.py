"""Search: the whoosh index of public records, kept true to the database by the outbox.

This package is the only place that imports whoosh. The rest of the application uses:
`search()` and `more_like()` to ask, `sync()` after commit (the request hook does it),
`rebuild()` and `check()` from `flask search`, and `index_documents()` /
`remove_documents()` as the low-level way in.
"""
from .engine import SearchResults, more_like, search
from .hooks import init_app
from .indexer import check, index_documents, rebuild, remove_documents, sync

__all__ = ["SearchResults", "check", "index_documents", "init_app", "more_like", "rebuild",
           "remove_documents", "search", "sync"]
