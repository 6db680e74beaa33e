"""Model output and imported seeds are data: stored verbatim, never sent raw to a terminal.

The Self-Instruct stand-in salts every reply (instructions, classification, instances,
error messages, even the model's name) with terminal escape sequences: clear screen,
an OSC window title, an OSC 8 hyperlink, a carriage return, a C1 CSI (U+009B), a bell
and a bidi override. The pool must hold them exactly as sent; the real output bytes of
``generate``, ``pool list|show|stats`` (``--json`` too) and ``seeds import|list`` must
hold none of them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from synthstudio.store import Pool
from tests.crash_harness import ROOT, Generate, SelfInstructStandin, cli_env

pytestmark = pytest.mark.timeout(240)

EVIL = ("\x1b[2J\x1b]0;pwned\x07\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
        "\r\x9b31m\u202eevil\u202c\x07")
#: what may never reach a terminal: C0 controls but newline and tab (ESC, CR, BEL...), DEL,
#: C1 controls (U+009B is CSI) and bidi overrides
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
EVIL_MODEL = "standin\x1b]0;title\x07:1b"


def salt(step: str, text: str) -> str:
    if step == "instructions":
        # after the first word, so the instruction still starts with a letter
        first, _, rest = text.strip().partition(" ")
        return f" {first} {EVIL} {rest}"
    if step == "classify":
        return f"No {EVIL}"
    return text.replace("Output: ", f"Output: {EVIL} ").replace("Input: ", f"Input: {EVIL}")


def assert_inert(name: str, data: bytes) -> None:
    text = data.decode("utf-8")  # strict: a stray byte such as a raw 0x9b fails here
    bad = FORBIDDEN.search(text)
    assert bad is None, f"{name}: raw {bad.group(0)!r} in output:\n{text!r}"
    assert b"\x1b" not in data and b"\r" not in data


#: runs several commands in one interpreter (real ``main``, real stdout/stderr bytes),
#: with a marker line between them, to save interpreter start-ups
DRIVER = """
import sys
sys.modules["pandas"] = None  # as in crash_harness.WARM: start-up time only
from synthstudio.cli import main
for i, argv in enumerate(sys.argv[1].split("\\x1f")):
    for stream in (sys.stdout, sys.stderr):
        stream.write(f"@@@ {i}\\n")
        stream.flush()
    code = main(argv.split("\\x1e"))
    print(f"@@@ exit {code}", flush=True)
"""


def run_commands(*commands: list[str]) -> tuple[list[bytes], list[bytes], list[int]]:
    """Each command's stdout and stderr bytes and exit code."""
    arg = "\x1f".join("\x1e".join(c) for c in commands)
    res = subprocess.run([sys.executable, "-c", DRIVER, arg], cwd=ROOT, env=cli_env(),
                         capture_output=True, timeout=180)
    assert res.returncode == 0, res.stderr.decode(errors="replace")
    outs = res.stdout.split(b"@@@ ")[1:]
    errs = res.stderr.split(b"@@@ ")[1:]
    codes = [int(chunk.split()[1]) for chunk in outs if chunk.startswith(b"exit ")]
    outs = [chunk for chunk in outs if not chunk.startswith(b"exit ")]
    return outs, errs, codes


def test_escapes_are_stored_verbatim_and_shown_inert(tmp_path: Path) -> None:
    db = tmp_path / "pool.db"
    failing_db = tmp_path / "failing.db"
    with SelfInstructStandin(chunk_delay=0, rejects=False, decorate=salt,
                             model=EVIL_MODEL) as ol, \
            SelfInstructStandin(chunk_delay=0, model=EVIL_MODEL) as bad:
        ol.inject("instances", ol.fault("error", 500, f"runner {EVIL} crashed"))
        bad.inject("instructions", bad.fault("error", 400, f"invalid {EVIL} option"))
        good = Generate(db, ol.url, count=3, warm=True)
        failing = Generate(failing_db, bad.url, count=1, warm=True)
        good.go()
        failing.go()
        rc, rc_failing = good.finish(180), failing.finish(180)
        sent = [b["messages"] for b in ol.chat_bodies()]
    assert rc == 0, good.stderr.decode(errors="replace")
    assert rc_failing == 1
    assert_inert("generate stdout", good.stdout)
    assert_inert("generate stderr", good.stderr)
    assert_inert("failing generate stdout", failing.stdout)
    assert_inert("failing generate stderr", failing.stderr)
    assert "␛[2J" in good.stdout.decode()  # visible, harmless
    assert failing.stderr.decode().startswith("error: Ollama rejected the request (HTTP 400)")
    assert sent

    # stored verbatim
    with Pool(db) as pool:
        accepted = pool.candidates(status="accepted")
        assert len(accepted) >= 3
        c = accepted[0]
        assert EVIL.replace("\r", " ") in c.instruction  # whitespace in a task is folded
        assert EVIL in c.raw_output and "\r" in c.raw_output
        assert any(EVIL in i.output for i in c.instances)
        assert c.provenance["model"] == EVIL_MODEL
        cid = c.id

    evil_seeds = tmp_path / "evil_seeds.jsonl"
    seed = {"id": "evil", "name": f"evil{EVIL}", "instruction": f"Summarize {EVIL} this.",
            "instances": [{"input": f"in {EVIL}", "output": f"out {EVIL}"}],
            "is_classification": False}
    evil_seeds.write_text(json.dumps(seed) + "\n" + f"{EVIL} not json\n", encoding="utf-8")
    d = ["--db", str(db)]
    commands = [
        ["seeds", "import", str(evil_seeds), "--skip-bad", *d],
        ["seeds", "list", *d],
        ["seeds", "list", "--search", "pwned", *d],
        ["pool", "list", *d],
        ["pool", "show", str(cid), *d],
        ["pool", "show", str(cid), "--json", *d],
        ["pool", "stats", *d],
        ["pool", "stats", "--json", *d],
    ]
    outs, errs, codes = run_commands(*commands)
    assert codes == [0] * len(commands), (codes, errs)
    for cmd, out, err in zip(commands, outs, errs, strict=True):
        assert_inert(" ".join(cmd[:3]) + " stdout", out)
        assert_inert(" ".join(cmd[:3]) + " stderr", err)
    assert "Summarize ␛[2J" in outs[2].decode()
    assert "␛[2J" in outs[4].decode()
    shown = json.loads(outs[5].split(b"\n", 1)[1])  # JSON escapes them; the data is intact
    assert shown["instruction"] == c.instruction and shown["raw_output"] == c.raw_output
    assert shown["provenance"]["model"] == EVIL_MODEL
    with Pool(db) as pool:
        [stored] = pool.list_seeds("pwned")
        assert stored.instruction == f"Summarize {EVIL} this."
        assert stored.instances[0].output == f"out {EVIL}"
