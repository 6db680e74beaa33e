"""Bad input never escapes as anything but the project's own error, and huge input is
handled in bounded memory."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthstudio.config import load_settings
from synthstudio.datasets.seeds import import_seed_file
from synthstudio.errors import SynthError
from synthstudio.store import Pool

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["id", "name", "instruction", "instances", "input",
                                       "output", "is_classification", "x"]), children,
                      max_size=6),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(json_values.map(json.dumps) | st.text(max_size=60), max_size=6))
def test_seed_importer_only_raises_its_own_error(tmp_path, lines):
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with Pool(tmp_path / "fuzz.db") as pool:
        before = pool.count_seeds()
        try:
            import_seed_file(pool, path)
        except SynthError as err:
            assert "fuzz.jsonl" in str(err)
            assert pool.count_seeds() == before  # nothing half-imported
        import_seed_file(pool, path, skip_bad=True)  # never raises for a bad line


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_seed_importer_on_random_bytes(tmp_path, data):
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(data)
    with Pool(tmp_path / "b.db") as pool:
        try:
            import_seed_file(pool, path, skip_bad=True)
        except SynthError as err:
            assert "bytes.jsonl" in str(err)


toml_text = st.lists(
    st.sampled_from(["temperature", "backend", "model", "seed", "keys", "[self_instruct]",
                     "rouge_threshold", "blacklist", "think", "=", " = ", "1.5", "-3",
                     '"x"', "[1, 2]", "true", "{}", "\n", "[", "]", '"', "'", "#"]),
    max_size=12).map("".join)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=toml_text | st.text(max_size=80))
def test_config_loader_only_raises_its_own_error(tmp_path, text):
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_settings(path)
    except SynthError as err:
        assert "c.toml" in str(err)


def _big_seed_file(path, megabytes: int) -> int:
    line = json.dumps({"instruction": "Explain the idea of entropy to a curious reader " * 4,
                       "instances": [{"input": "x" * 300, "output": "y" * 600}]}) + "\n"
    n = megabytes * 1_000_000 // len(line.encode())
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(line.replace("entropy", f"entropy {i}"))
    return n


def _import_peak(tmp_path, megabytes):
    src = tmp_path / "big.jsonl"
    n = _big_seed_file(src, megabytes)
    with Pool(tmp_path / "big.db") as pool:
        tracemalloc.start()
        summary = import_seed_file(pool, src)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert summary.imported == n == pool.count_seeds()
    return peak


def test_large_seed_file_bounded_memory(tmp_path):
    peak = _import_peak(tmp_path, 5)
    assert peak < 40_000_000, f"peak {peak / 1e6:.1f} MB for a 5 MB file"


@pytest.mark.slow
def test_fifty_megabyte_seed_file(tmp_path):
    peak = _import_peak(tmp_path, 50)
    assert peak < 60_000_000, f"peak {peak / 1e6:.1f} MB for a 50 MB file"
