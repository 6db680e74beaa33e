"""The SQLite pool: seeds, candidates, instances, runs and judge scores."""

from synthstudio.store.pool import Pool, default_db_path

__all__ = ["Pool", "default_db_path"]
