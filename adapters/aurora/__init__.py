"""Aurora PostgreSQL adapters (asyncpg): master store, migrations."""

from adapters.aurora.errors import unavailable_on_failure
from adapters.aurora.migrate import MigrationError, applied_versions, load_migrations, migrate
from adapters.aurora.pool import open_pool, ping_pool
from adapters.aurora.store import PostgresMasterStore

__all__ = [
    "MigrationError",
    "PostgresMasterStore",
    "applied_versions",
    "load_migrations",
    "migrate",
    "open_pool",
    "ping_pool",
    "unavailable_on_failure",
]
