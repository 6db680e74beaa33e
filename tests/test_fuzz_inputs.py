"""Bad input never escapes as anything but the project's own error, and huge input is
handled in bounded memory."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from synthstudio.config.settings import load_settings
from synthstudio.datasets.seeds import import_seed_file
from synthstudio.errors import SynthError
from synthstudio.store import Pool

#: text with what broke readers before: lone surrogates, line separators a str.splitlines()
#: splits on, C1 controls and bidi overrides
odd_text = st.text() | st.lists(
    st.sampled_from(["\ud800", "\udfff", "\u2028", "\u2029", "\x85", "\x9b", "\u202e",
                     "\ufeff", "a", " ", "\n", "中"]), max_size=8).map("".join)
#: numbers json refuses to turn into int (over 4,300 digits) or that overflow a float
huge_numbers = st.sampled_from(["9" * 5000, "1e999", "-1e999", "1" + "0" * 400])
#: nesting deeper than the decoder's recursion limit
deep = st.integers(1_000, 100_000).map(lambda n: "[" * n)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | odd_text,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["id", "name", "instruction", "instances", "input",
                                       "output", "is_classification", "x"]), children,
                      max_size=6),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(json_values.map(json.dumps) | st.text(max_size=60) | deep
                     | huge_numbers.map(lambda n: '{"instruction": ' + n + "}"), max_size=6))
@example(lines=["["])  # a list that never closes
@example(lines=["[", "null", "null"])
@example(lines=["[", '{"instruction": "Say hi.", "instances": [{"input": "", '
                '"output": "hi"}]},', "x"])  # a good task, then the list breaks
def test_seed_importer_only_raises_its_own_error(tmp_path, lines):
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    with Pool(tmp_path / "fuzz.db") as pool:
        before = pool.count_seeds()
        try:
            import_seed_file(pool, path)
        except SynthError as err:
            assert "fuzz.jsonl" in str(err)
            assert pool.count_seeds() == before  # nothing half-imported
        try:
            import_seed_file(pool, path, skip_bad=True)  # never raises for a bad line...
        except SynthError as err:
            # ...but a JSON list that breaks its own structure cannot be read past: one
            # sentence naming the file, and nothing half-imported
            text = path.read_text(encoding="utf-8", errors="surrogatepass")
            assert text.lstrip("\ufeff \t\r\n").startswith("[")
            assert "fuzz.jsonl" in str(err) and pool.count_seeds() == before


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


_record_keys = st.sampled_from(["instruction", "input", "output", "conversations", "messages",
                                "instances", "from", "value", "role", "content", "system"])
dataset_values = st.recursive(
    st.none() | st.booleans() | st.integers() | odd_text,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(_record_keys, children, max_size=5), max_leaves=14)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(dataset_values.map(json.dumps) | deep | huge_numbers
                        | st.text(max_size=40), max_size=5),
       array=st.booleans(), bom=st.booleans())
def test_import_and_check_only_raise_their_own_error(tmp_path, records, array, bom):
    """Whatever a dataset file holds, ``import`` and ``check`` give verdicts or one of
    synthstudio's errors naming the file, and a refused import leaves the pool as it was."""
    from synthstudio.datasets.check import check_file
    from synthstudio.datasets.importer import import_file

    body = ("[" + ",\n".join(records) + "]") if array else "\n".join(records)
    path = tmp_path / ("fuzz.json" if array else "fuzz.jsonl")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"")
                     + body.encode("utf-8", errors="surrogatepass"))
    with Pool(tmp_path / "fuzz.db") as pool:
        for skip_bad in (False, True):
            before = pool.counts()
            try:
                import_file(pool, path, skip_bad=skip_bad, workers=1)
            except SynthError as err:
                assert str(path) in str(err)
                assert pool.counts() == before
        try:
            summary = check_file(path, tmp_path / "v.jsonl", workers=1)
        except SynthError as err:
            assert str(path) in str(err)
        else:
            verdicts = (tmp_path / "v.jsonl").read_text(encoding="utf-8").splitlines()
            assert len(verdicts) == summary.read


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
