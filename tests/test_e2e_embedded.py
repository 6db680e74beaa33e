"""End to end through the real embedded model (SmolLM2-135M via llama.cpp), offline."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from synthstudio.backends import embedded
from synthstudio.cli import main
from synthstudio.store import Pool


@pytest.fixture(autouse=True)
def fresh_engine():
    """A model loaded anew, as in a new ``synthstudio`` process: an engine an earlier test
    used (the doctor's) answers the same seeded requests differently, since llama.cpp
    reuses what it cached of its last prompt, and the tiny model then took twice as many
    steps to make an item (60 s instead of 30 in CI)."""
    embedded._ENGINES.clear()
    yield


def _check_pool(db, want):
    with Pool(db) as pool:
        accepted = pool.candidates(status="accepted")
        assert len(accepted) >= want
        for c in accepted:
            assert c.instruction and c.instances
            prov = c.provenance
            assert prov["backend"] == "embedded" and "SmolLM2" in prov["model"]
            assert [r["step"] for r in prov["requests"]] == [
                "instructions", "classify", "instances"]
            first = prov["requests"][0]
            assert first["prompt"][0]["content"].rstrip().endswith("9.")
            assert first["raw"] and first["stats"]["eval_tokens"] > 0
            assert first["stats"]["eval_duration_s"] > 0
            assert {"temperature", "seed"} <= set(prov["options"])
            assert {s.name for s in c.scores} >= {"words", "blacklist", "rouge_l", "instances"}
            assert c.created_at and c.decided_at
        return pool.counts()


def test_generate_auto_accept_with_embedded_model(tmp_path, capsys):
    db = tmp_path / "e2e.db"
    code = main(["generate", "--recipe", "self-instruct", "--count", "1", "--auto-accept",
                 "--backend", "embedded", "--seed", "1", "--db", str(db)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "accepted #" in out
    counts = _check_pool(db, 1)
    assert main(["pool", "stats", "--json", "--db", str(db)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["counts"] == counts and stats["counts"]["accepted"] >= 1


@pytest.mark.slow
def test_generate_count_five_in_a_subprocess(tmp_path):
    db = tmp_path / "five.db"
    out = subprocess.run([sys.executable, "-m", "synthstudio", "generate", "--count", "5",
                          "--auto-accept", "--backend", "embedded", "--db", str(db)],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    _check_pool(db, 5)
