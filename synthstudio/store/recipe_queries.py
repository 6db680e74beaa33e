"""What the recipes, the studio and the commands ask of the pool beyond whole items:
coverage of the textbook grid, texts for near-duplicate checks, samples per problem,
and the counts behind ``pool stats``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from synthstudio.records import ACCEPTED, PROPOSED, ItemStatus, TextbookText
from synthstudio.store.connection import PoolBase

TEXTBOOK = "textbook"
REASONING = "reasoning"
#: (topic id, audience, style) as stored in a textbook item's meta (None where missing)
CoverageKey = tuple[int | None, str | None, str | None]


def _int_or_none(value: object) -> int | None:
    try:
        return None if value is None else int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


class RecipeQueries(PoolBase):
    """Aggregates and narrow reads over the candidates."""

    def textbook_coverage(self) -> Counter[CoverageKey]:
        """Accepted and proposed textbook texts per (topic id, audience, style)."""
        out: Counter[CoverageKey] = Counter()
        for r in self.query(
                "SELECT json_extract(meta, '$.topic_id') AS topic_id, "
                "json_extract(meta, '$.audience') AS audience, "
                "json_extract(meta, '$.style') AS style, count(*) AS n FROM candidates "
                "WHERE recipe = ? AND status IN (?, ?) GROUP BY 1, 2, 3",
                [TEXTBOOK, ACCEPTED, PROPOSED]):
            out[(_int_or_none(r["topic_id"]), r["audience"], r["style"])] += int(r["n"])
        return out

    def textbook_texts(self) -> Iterator[tuple[int, str]]:
        """(id, text) of every accepted or proposed textbook item, in id order."""
        last = 0
        while True:
            rows = self.query("SELECT id, text FROM candidates WHERE recipe = ? AND "
                              "status IN (?, ?) AND id > ? ORDER BY id LIMIT 5000",
                              [TEXTBOOK, ACCEPTED, PROPOSED, last])
            if not rows:
                return
            for r in rows:
                yield int(r["id"]), str(r["text"] or "")
            last = rows[-1]["id"]

    def same_topic(self, topic_id: int, style: str) -> list[TextbookText]:
        """The accepted and proposed texts of one topic and style, newest first."""
        return [TextbookText(int(r["id"]), ItemStatus(r["status"]), str(r["audience"]),
                             str(r["text"] or ""))
                for r in self.query(
                    "SELECT id, status, text, json_extract(meta, '$.audience') AS audience "
                    "FROM candidates WHERE recipe = ? AND status IN (?, ?) "
                    "AND json_extract(meta, '$.topic_id') = ? "
                    "AND json_extract(meta, '$.style') = ? ORDER BY id DESC",
                    [TEXTBOOK, ACCEPTED, PROPOSED, topic_id, style])]

    def problem_samples(self) -> dict[int, tuple[int, int]]:
        """Problem id -> (samples, samples with the correct answer) of the reasoning
        recipe, whatever their status."""
        out: dict[int, tuple[int, int]] = {}
        for r in self.query(
                "SELECT json_extract(meta, '$.problem_id') AS pid, count(*) AS n, "
                "sum(CASE WHEN json_extract(meta, '$.correct') THEN 1 ELSE 0 END) AS ok "
                "FROM candidates WHERE recipe = ? GROUP BY 1", [REASONING]):
            pid = _int_or_none(r["pid"])
            if pid is not None:
                n, ok = out.get(pid, (0, 0))
                out[pid] = (n + int(r["n"]), ok + int(r["ok"] or 0))
        return out

    # -- pool stats -------------------------------------------------------------------

    def counts_by_recipe(self) -> dict[str, dict[str, int]]:
        """Recipe -> status -> candidates (every status listed for each recipe present)."""
        out: dict[str, dict[str, int]] = {}
        for r in self.query("SELECT recipe, status, count(*) AS n FROM candidates "
                            "GROUP BY recipe, status ORDER BY recipe"):
            out.setdefault(r["recipe"], dict.fromkeys(ItemStatus, 0))[r["status"]] = r["n"]
        return {rec: {str(k): v for k, v in counts.items()} for rec, counts in out.items()}

    def count_accepted_instances(self) -> int:
        return int(self.query(
            "SELECT count(*) AS n FROM instances i JOIN candidates c ON c.id = i.candidate_id "
            "WHERE c.status = ?", [ACCEPTED])[0]["n"])

    def count_runs(self) -> int:
        return int(self.query("SELECT count(*) AS n FROM runs")[0]["n"])

    def is_empty(self) -> bool:
        """No seeds, no runs and no candidates: a pool never used."""
        return not any(self.query(f"SELECT 1 FROM {table} LIMIT 1")
                       for table in ("seeds", "runs", "candidates"))
