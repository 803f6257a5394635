"""SQLite adapters of the embedded profile: one file, group commit."""

from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.stores import (
    SqliteAnswerStore,
    SqliteMasterStore,
    SqliteScoreStore,
    SqliteSessionStore,
)

__all__ = [
    "SqliteAnswerStore",
    "SqliteDatabase",
    "SqliteMasterStore",
    "SqliteScoreStore",
    "SqliteSessionStore",
]
