"""Do synthstudio's exports load under the Hugging Face ``datasets`` versions people pin?

Usage: ``python benchmarks/datasets_versions.py [--versions 2.16.0 3.0.0 4.0.0]``

Not a speed figure: a compatibility table. LLaMA-Factory pins ``datasets<=4.0.0`` and
older training scripts sit on 2.x, where a field whose JSON type changes from row to row
(a score that is a number in one row and text in the next) stops Arrow from loading the
file. This script fills a pool with every kind of item (generated self-instruct,
reasoning and textbook items whose filter results hold every kind of value, plus the
imported labelled defect examples of ``tests/data/defects``), exports every format with
and without ``--with-provenance``, makes one virtual environment per ``datasets``
version (with ``uv``, cached in ``benchmarks/data/datasets-venvs``), and loads each file
there with ``load_dataset("json", ...)``. It prints one line per version and file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthstudio.datasets.importer import import_file  # noqa: E402
from synthstudio.records import ACCEPTED, Candidate, FilterResult, Instance  # noqa: E402
from synthstudio.store import Pool  # noqa: E402

FORMATS = ["alpaca", "sharegpt", "messages", "self-instruct", "textbook"]
# the newest releases of each line that still install beside their own era's pyarrow
PINS = {"2.16.0": ["pyarrow<16", "numpy<2", "fsspec<=2023.10.0"]}
LOADER = """
import glob, sys, datasets
bad = 0
for f in sorted(glob.glob(sys.argv[1] + "/*.jsonl")):
    try:
        d = datasets.load_dataset("json", data_files=f, split="train", cache_dir=sys.argv[2])
        print(f"  ok    {f.rsplit('/', 1)[1]:<28} {len(d):>5} rows  {', '.join(d.features)}")
    except Exception as e:
        bad += 1
        print(f"  FAIL  {f.rsplit('/', 1)[1]:<28} {type(e).__name__}: {e}"[:300])
sys.exit(1 if bad else 0)
"""


def fill(pool: Pool) -> None:
    mixed = [FilterResult("words", True, 12, "4..150"),
             FilterResult("blacklist", True, "none", "no match"),
             FilterResult("rouge_l", True, 0.31, 0.7, "", {"nearest": [["a task", 0.31]]}),
             FilterResult("bad_start", False, None, None, "empty"),
             FilterResult("flagged", True, True, False)]
    prov = {"model": "m", "backend": "ollama", "options": {"temperature": 0.7, "seed": 1}}
    pool.add_candidate(Candidate(recipe="self-instruct", instruction="List three fruits.",
                                 instances=[Instance("", "Apple, pear, plum.")],
                                 status=ACCEPTED, scores=mixed, provenance=prov))
    pool.add_candidate(Candidate(recipe="reasoning", instruction="2+2?", thinking="two and two",
                                 answer="4", status=ACCEPTED, provenance=prov,
                                 scores=[FilterResult("accuracy", True, "4", "4"),
                                         FilterResult("length", True, 120.5, 4000)]))
    for i, audience in enumerate(["young children", "researchers"]):
        pool.add_candidate(Candidate(
            recipe="textbook", text=f"Plants make their food from light ({i}).",
            status=ACCEPTED, provenance=prov,
            meta={"audience": audience, "style": "textbook", "topic": "Photosynthesis"},
            scores=[FilterResult("minhash", True, 0.1 * i, 0.8),
                    FilterResult("words", i == 0, i, "100..")]))
    for path in sorted((ROOT / "tests" / "data" / "defects").glob("*.jsonl")):
        import_file(pool, path, status=ACCEPTED, skip_bad=True)
    for c in pool.candidates(status="proposed"):
        pool.set_status(c.id or 0, ACCEPTED)


def venv(version: str, home: Path) -> Path:
    python = home / version / "bin" / "python"
    if python.exists():
        return python
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    subprocess.run([uv, "venv", "-q", str(home / version), "--python", sys.executable],
                   check=True)
    subprocess.run([uv, "pip", "install", "-q", "--python", str(python),
                    f"datasets=={version}", *PINS.get(version, [])], check=True)
    return python


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--versions", nargs="+", default=["2.16.0", "3.0.0", "4.0.0"])
    args = ap.parse_args(argv)
    home = ROOT / "benchmarks" / "data" / "datasets-venvs"
    exe = str(Path(sys.executable).with_name("synthstudio"))
    failed = 0
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db, out = tmp / "pool.db", tmp / "out"
        out.mkdir()
        pool = Pool(db)
        fill(pool)
        pool.close()
        for fmt in FORMATS:
            for prov in ([], ["--with-provenance"]):
                name = f"{fmt}{'-provenance' if prov else ''}.jsonl"
                subprocess.run([exe, "export", "--db", str(db), "-f", fmt, "-o",
                                str(out / name), *prov], check=True, capture_output=True,
                               env={**os.environ, "SYNTHSTUDIO_CONFIG": str(tmp / "none.toml")})
        lines = sum(1 for f in out.iterdir() for _ in f.open(encoding="utf-8"))
        print(f"{len(FORMATS) * 2} files, {lines:,} lines exported", flush=True)
        for version in args.versions:
            print(f"datasets {version}:", flush=True)
            python = venv(version, home)
            done = subprocess.run([str(python), "-c", LOADER, str(out), str(tmp / version)])
            failed += done.returncode != 0
    print(json.dumps({"versions": args.versions, "failed": failed}))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
