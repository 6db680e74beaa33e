"""Adding, editing and deleting topics and problems in the pool, as typed records."""

from __future__ import annotations

import dataclasses

import pytest

from synthstudio.records import Problem, Topic
from synthstudio.store import Pool


def test_add_topics_returns_ids_and_reads_back_records(pool: Pool) -> None:
    ids = pool.add_topics([Topic(topic="A"), Topic(topic="B", field="x", source="file.jsonl",
                                                    id=999, created_at="long ago")])
    topics = pool.topics()
    assert [t.id for t in topics] == ids and 999 not in ids  # the id is the store's
    assert all(isinstance(t, Topic) for t in topics)
    a, b = topics
    assert (a.topic, a.field, a.extract, a.source) == ("A", "", "", "user")
    assert (b.topic, b.field, b.source) == ("B", "x", "file.jsonl")
    assert b.created_at and b.created_at != "long ago"
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.topic = "changed"  # type: ignore[misc]


def test_update_topic_writes_its_fields(pool: Pool) -> None:
    pool.add_topics([Topic(topic="Tides", field="science")])
    tide = pool.topics()[0]
    assert pool.update_topic(dataclasses.replace(tide, topic="Ocean tides", extract="The moon"))
    row = pool.topics()[0]
    assert (row.topic, row.field, row.extract) == ("Ocean tides", "science", "The moon")
    assert (row.source, row.created_at) == (tide.source, tide.created_at)
    assert not pool.update_topic(dataclasses.replace(tide, id=(tide.id or 0) + 99))
    with pytest.raises(ValueError, match="needs a row with an id"):
        pool.update_topic(Topic(topic="no id"))


def test_update_problem_writes_its_fields_only(pool: Pool) -> None:
    pool.add_problems([Problem(key="k", problem="2+2?", answer="4", kind="math")])
    p = pool.problems()[0]
    assert pool.update_problem(dataclasses.replace(p, answer="four", source="someone else"))
    row = pool.problems()[0]
    assert (row.key, row.problem, row.answer, row.kind) == ("k", "2+2?", "four", "math")
    assert row.source == "user"  # where it came from is not an edit


def test_delete_topic_and_problem(pool: Pool) -> None:
    pool.add_problems([Problem(key="a", problem="p1", answer="1"),
                       Problem(key="b", problem="p2", answer="2")])
    first, second = (p.id or 0 for p in pool.problems())
    assert pool.delete_problem(first)
    assert not pool.delete_problem(first)
    assert [p.id for p in pool.problems()] == [second]
    [tid] = pool.add_topics([Topic(topic="gone soon")])
    assert not pool.delete_topic(second + 1000)
    assert pool.delete_topic(tid) and pool.topics() == []
    assert [p.id for p in pool.problems()] == [second]  # a topic's id is not a problem's
