"""Two processes, one pool: a headless ``generate`` and the studio write the same file.

The test process stands in for the studio: through its own :class:`Pool` it accepts,
rejects and edits the candidates ``generate`` reports, and edits, adds, deletes and
restores seeds, in a tight loop for as long as ``generate --auto-accept`` runs. Neither
side may see "database is locked", and at the end every write of both sides is there.
Also: several processes opening one new pool at the same moment all succeed.
"""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest

from synthstudio.datasets.seeds import ensure_default_seeds
from synthstudio.records import Instance, SeedTask
from synthstudio.store import Pool
from tests.crash_harness import Generate, SelfInstructStandin, check_pool

pytestmark = pytest.mark.timeout(240)


class Studio:
    """The studio's side: random curation writes, remembering what each should leave."""

    def __init__(self, pool: Pool, seed: int = 0) -> None:
        self.pool = pool
        self.rng = random.Random(seed)
        self.status: dict[int, str] = {}
        self.edited: dict[int, tuple[str, list[Instance]]] = {}
        self.seeds: dict[int, str | None] = {}  # id -> instruction, None when deleted
        self.writes = 0

    def curate(self, cid: int) -> None:
        roll = self.rng.random()
        if roll < 0.4:
            self.pool.set_status(cid, "rejected", "user")
            self.status[cid] = "rejected"
        elif roll < 0.7:
            c = self.pool.get_candidate(cid)
            assert c is not None
            c.instruction = f"{c.instruction} (edited {self.writes})"
            c.instances = [*c.instances, Instance("", f"extra output {self.writes}")]
            c.status = "accepted"
            self.pool.update_candidate(c)
            self.status[cid] = "accepted"
            self.edited[cid] = (c.instruction, list(c.instances))
        else:
            self.pool.set_status(cid, "proposed")
            self.status[cid] = "proposed"
        self.writes += 1

    def flip(self) -> None:
        """Change the status of one candidate already curated (keeps the loop writing)."""
        if self.status:
            cid = self.rng.choice(sorted(self.status))
            new = self.rng.choice(["accepted", "rejected", "proposed"])
            self.pool.set_status(cid, new, "user" if new == "rejected" else "")
            self.status[cid] = new
            self.writes += 1

    def edit_seeds(self) -> None:
        roll = self.rng.random()
        live = [i for i, t in self.seeds.items() if t is not None]
        if roll < 0.5 and live:
            seed = self.pool.get_seed(self.rng.choice(live))
            assert seed is not None and seed.id is not None
            seed.instruction = f"Seed edited at write {self.writes}: {seed.instruction[:60]}"
            self.pool.update_seed(seed)
            self.seeds[seed.id] = seed.instruction
        elif roll < 0.8 or not live:
            text = f"Studio seed number {self.writes} about the {self.rng.random():.6f} case."
            sid = self.pool.add_seeds([SeedTask(text, [Instance("", "ok")])])[0]
            self.seeds[sid] = text
        else:
            sid = self.rng.choice(live)
            gone = self.pool.delete_seed(sid)
            assert gone is not None
            if self.rng.random() < 0.5:
                restored = self.pool.restore_seed(gone)
                self.seeds[restored] = gone.instruction
                if restored != sid:
                    self.seeds[sid] = None
            else:
                self.seeds[sid] = None
        self.writes += 1


def test_generate_and_studio_write_one_pool(tmp_path: Path) -> None:
    db = tmp_path / "pool.db"
    pool = Pool(db)  # the studio opened the pool first
    ensure_default_seeds(pool)
    studio = Studio(pool, seed=3)
    studio.seeds = {s.id: s.instruction for s in pool.list_seeds() if s.id is not None}
    curated: set[int] = set()
    with SelfInstructStandin(chunk_delay=0.003, seed=3) as ol:
        g = Generate(db, ol.url, count=8, warm=True)
        g.go()
        while g.proc.poll() is None:
            for cid in sorted(set(g.reported()) - curated):
                studio.curate(cid)
                curated.add(cid)
            studio.flip()
            studio.edit_seeds()
        rc = g.finish()
        reported = g.reported()
        for cid in sorted(set(reported) - curated):  # reported in the last moment
            studio.curate(cid)
    out, err = g.stdout.decode(), g.stderr.decode()
    assert rc == 0, (out, err)
    assert "locked" not in out + err and "Traceback" not in err
    print(f"{len(reported)} items from generate, {studio.writes} studio writes")
    assert len(reported) >= 8 and studio.writes > 50

    # every write of both sides is there
    check = check_pool(db)
    assert check.integrity == "ok" and check.problems == []
    for cid in reported:
        assert check.status[cid] == studio.status.get(cid, "accepted"), cid
    for cid, (instruction, instances) in studio.edited.items():
        c = pool.get_candidate(cid)
        assert c is not None
        assert c.instruction == instruction and c.instances == instances
    assert check.runs[0]["status"] == "finished"
    assert check.runs[0]["counts"]["accepted"] == len(reported)
    for sid, text in studio.seeds.items():
        seed = pool.get_seed(sid)
        assert (seed.instruction if seed else None) == text, sid
    for cid, (instruction, _) in list(studio.edited.items())[:5]:  # full-text index too
        tag = instruction[instruction.rindex("(edited"):]
        assert cid in {c.id for c in pool.candidates(search=tag, with_instances=False)}
    pool.close()


def open_new_pool(db: Path, barrier: threading.Barrier, seeds: list[int],
                  errors: list[BaseException]) -> None:
    barrier.wait()
    try:
        with Pool(db) as pool:
            ensure_default_seeds(pool)
            seeds.append(pool.count_seeds())
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def test_connections_opening_a_new_pool_at_once(tmp_path: Path) -> None:
    """A new pool opened by several connections at the same moment (the studio and a
    headless generate started together): WAL is switched on and the schema made once,
    and nobody fails. Threads with a connection each race in SQLite as processes do."""
    for round_ in range(60):
        db = tmp_path / f"new{round_}.db"
        barrier = threading.Barrier(4)
        errors: list[BaseException] = []
        seeds: list[int] = []
        threads = [threading.Thread(target=open_new_pool, args=(db, barrier, seeds, errors))
                   for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        assert len(seeds) == 4 and len(set(seeds)) == 1  # default seeds loaded once
        assert check_pool(db).integrity == "ok"
