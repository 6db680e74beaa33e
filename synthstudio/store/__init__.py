"""The SQLite pool: seeds, candidates, instances and runs."""

from synthstudio.store.pool import Pool, default_db_path

__all__ = ["Pool", "default_db_path"]
