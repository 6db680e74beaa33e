"""Editing and deleting topics and problems in the pool."""

from __future__ import annotations

import pytest

from synthstudio.store import Pool


def test_update_row_changes_only_the_given_columns(pool: Pool) -> None:
    pool.add_rows("topics", [{"topic": "Tides", "field": "science", "extract": ""}])
    tid = pool.list_rows("topics")[0]["id"]
    assert pool.update_row("topics", tid, {"topic": "Ocean tides", "extract": "The moon"})
    row = pool.list_rows("topics")[0]
    assert (row["topic"], row["field"], row["extract"]) == ("Ocean tides", "science",
                                                            "The moon")
    assert not pool.update_row("topics", tid + 99, {"topic": "x"})
    assert not pool.update_row("topics", tid, {})


def test_update_row_checks_table_and_columns(pool: Pool) -> None:
    pool.add_rows("problems", [{"key": "k", "problem": "2+2?", "answer": "4", "kind": "math"}])
    pid = pool.list_rows("problems")[0]["id"]
    with pytest.raises(ValueError):
        pool.update_row("seeds", pid, {"instruction": "x"})
    with pytest.raises(ValueError):
        pool.update_row("problems", pid, {"id = 0; --": "x"})
    with pytest.raises(ValueError):
        pool.update_row("problems", pid, {"source": "me"})
    assert pool.update_row("problems", pid, {"answer": "four"})
    assert pool.list_rows("problems")[0]["answer"] == "four"


def test_delete_row(pool: Pool) -> None:
    pool.add_rows("problems", [{"key": "a", "problem": "p1", "answer": "1", "kind": ""},
                               {"key": "b", "problem": "p2", "answer": "2", "kind": ""}])
    first, second = (r["id"] for r in pool.list_rows("problems"))
    assert pool.delete_row("problems", first)
    assert not pool.delete_row("problems", first)
    assert [r["id"] for r in pool.list_rows("problems")] == [second]
    with pytest.raises(ValueError):
        pool.delete_row("candidates", second)


def test_add_rows_returns_ids_and_checks_columns(pool):
    import pytest

    ids = pool.add_rows("topics", [{"topic": "A"}, {"topic": "B", "field": "x"}])
    assert [r["id"] for r in pool.list_rows("topics")] == ids
    with pytest.raises(ValueError, match="no such column"):
        pool.add_rows("topics", [{"topic": "C", "source; DROP TABLE seeds": 1}])
    assert len(pool.list_rows("topics")) == 2
