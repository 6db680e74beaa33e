"""What a person waits for on a 1,000,000-item pool: key to screen, and start to first screen.

Usage: ``python benchmarks/bench_keys.py [--n 1000000] [--db PATH] [--presses 100]
[--starts 3]`` (``--starts 0`` measures the keys alone)

* **Key to screen** (through Pilot, in this process): ``a`` (accept), ``r`` (reject) and
  ``u`` (un-accept, in the Pool pane) pressed one after another, and a word typed into the
  Pool pane's search box; each time is from the key reaching the app until the screen
  has redrawn in the new state (the next candidate in focus, the item gone from its list,
  the typed letter in the box). The decisions are pressed twice over: at a person's pace
  (the next key 0.25 s after the screen showed the last one's result: a glance at the
  next candidate, which the studio uses to draw its Scores page ahead), then each the
  moment the screen changed (``no pause``: faster than any person decides, and without
  the pauses in which the pool thread and the drawing ahead do their work). Both count
  against the target. ``Down`` in the queue is the baseline measured in the
  same run; every line prints its p99 against the 50 ms target, and its ratio to the
  baseline. The time until a search's results are on screen (after the 150 ms pause the
  box waits for the typing to stop) is printed too, and a pane switch (``1``, ``2``,
  ``4``, a key every 0.2 s, until the pane's list has the focus on screen; no target),
  and the CPU the studio's process used over each key press (all its threads,
  ``process_time``): on a shared machine it moves far less than the wall time, so it
  is the figure to compare between runs.
* **Start to first screen**: ``synthstudio --db POOL`` run in a pseudo-terminal, as a
  person types it, from the process start until the panes are on screen, and until the
  counts, the queue and the accepted list are filled in. The studio runs as installed:
  with its bytecode cached (pip compiles it at install; here a cache under a temp folder,
  warmed by one start that is not counted). With PYTHONDONTWRITEBYTECODE set and no
  cache (as on the CI machine, whose environment sets it) every start compiles every
  module; that import time is printed too.

The pool is built once with ``benchmarks/make_pool.py`` into ``benchmarks/data/``; every
status this benchmark changes is put back at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.make_pool import ensure_pool  # noqa: E402
from benchmarks.studio_probe import (  # noqa: E402
    NoBackend,
    info,
    key_to_screen,
    line,
    moved,
    pct,
    until,
)

KEY_P99_TARGET_MS = 50.0
#: seconds between one decision's result on screen and the next key, as a person who
#: glances at the next candidate before deciding (a fast one)
PACE_S = 0.25
START_TARGET_S = 2.0
SEARCH_WORD = "climate"


def statuses(pool: Any, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    if not ids:
        return {}
    rows = pool.query(f"SELECT id, status, reason, decided_at FROM candidates "
                      f"WHERE id IN ({','.join(map(str, ids))})")
    return {r["id"]: (r["status"], r["reason"], r["decided_at"]) for r in rows}


def restore(pool: Any, before: dict[int, tuple[Any, ...]]) -> None:
    with pool.transaction() as conn:
        conn.executemany("UPDATE candidates SET status = ?, reason = ?, decided_at = ? "
                         "WHERE id = ?", [(*v, k) for k, v in before.items()])


#: CPU seconds of the process per key press, by what was pressed
CPU: dict[str, list[float]] = {}


async def press(app: Any, key: str, done: Any, what: str) -> float:
    """:func:`key_to_screen`, noting the process's CPU over the same span under ``what``."""
    start = time.process_time()
    wall = await key_to_screen(app, key, done)
    CPU.setdefault(what, []).append(time.process_time() - start)
    return wall


def cpu_line(what: str) -> str:
    ms = [t * 1000 for t in CPU.get(what, [])]
    return f"CPU {pct(ms, 50):.1f} / {pct(ms, 99):.1f} ms" if ms else ""


def report(what: str, times: list[float], base: float) -> bool:
    ms = [t * 1000 for t in times]
    info(f"  {what}: median / worst", f"{pct(ms, 50):.1f} / {max(ms):.1f} ms "
         f"(median {pct(ms, 50) / base:.2f}x Down); median / p99 {cpu_line(what)}")
    return line(f"{what}, p99 of {len(ms)} key to screen", pct(ms, 99), KEY_P99_TARGET_MS,
                "ms")


async def keys(path: Path, presses: int) -> bool:
    from synthstudio.config.settings import Settings
    from synthstudio.store import Pool
    from synthstudio.tui.app import SynthStudio

    pool = Pool(path)
    touched = [r["id"] for r in pool.query(
        "SELECT id FROM candidates WHERE status = 'proposed' ORDER BY id LIMIT ?",
        [4 * presses + 10])]
    touched += [r["id"] for r in pool.query(
        "SELECT id FROM candidates WHERE status = 'accepted' ORDER BY id DESC LIMIT ?",
        [2 * presses + 10])]
    before = statuses(pool, touched)
    app = SynthStudio(pool=pool, settings=Settings(), backend=NoBackend())  # type: ignore[arg-type]
    ok = True
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            gen, pane = app.generation, app.pool_pane
            await until(lambda: app.tally.known and len(gen.listing.records) > 0
                        and len(pane.listing.records) > 0)
            await pilot.pause()
            info("queue / accepted list shown", f"{len(gen.listing.records)} / "
                 f"{len(pane.listing.records)} items")

            down = []
            for i in range(presses):
                key = "down" if i % 2 == 0 else "up"
                at = gen.listing.highlighted
                down.append(await press(
                    app, key, moved(app, at), "down"))
            base = pct([t * 1000 for t in down], 50)
            info("Down / Up in the queue (baseline): median / p99",
                 f"{base:.1f} / {pct([t * 1000 for t in down], 99):.1f} ms; "
                 f"{cpu_line('down')}")

            for pace, how in ((PACE_S, ""), (0.0, ", no pause")):
                # at a person's pace (the target), then each key the moment the screen
                # shows the last one's result (harder than any person: printed too)
                await key_to_screen(app, "2", lambda: gen.listing.has_focus)
                for key, what in (("a", "accept"), ("r", "reject")):
                    times = []
                    for _ in range(presses):
                        await asyncio.sleep(pace)
                        c = app.focus_candidate
                        assert c is not None
                        times.append(await press(
                            app, key, lambda c=c: app.focus_candidate is not c
                            and str(c.id) not in gen.listing.records, what + how))
                    ok &= report(what + how, times, base)

                await key_to_screen(app, "4", lambda: pane.listing.has_focus)
                times = []
                for _ in range(presses):
                    await until(lambda: app.focus_candidate is not None
                                and app.focus_candidate.status == "accepted")
                    await asyncio.sleep(pace)
                    c = app.focus_candidate
                    times.append(await press(
                        app, "u", lambda c=c: str(c.id) not in pane.listing.records
                        and str(c.id) in gen.listing.records, "un-accept (Pool pane)" + how))
                ok &= report("un-accept (Pool pane)" + how, times, base)

            box = app.query_one("#pool-search")
            await key_to_screen(app, "slash", lambda: box.has_focus)
            typed, shown = [], []
            for _ in range(max(1, presses // len(SEARCH_WORD))):
                for i, ch in enumerate(SEARCH_WORD):
                    want = SEARCH_WORD[:i + 1]
                    typed.append(await press(
                        app, ch, lambda want=want: box.value == want,  # type: ignore[attr-defined]
                        "search: a letter typed or erased"))
                start = time.perf_counter()
                await until(lambda: pane.search == SEARCH_WORD)
                await pilot.pause()
                shown.append(time.perf_counter() - start)
                for i in range(len(SEARCH_WORD)):
                    want = SEARCH_WORD[:len(SEARCH_WORD) - i - 1]
                    typed.append(await press(
                        app, "backspace", lambda want=want: box.value == want,  # type: ignore[attr-defined]
                        "search: a letter typed or erased"))
                await until(lambda: pane.search == "")
            ok &= report("search: a letter typed or erased", typed, base)
            info(f"  search {SEARCH_WORD!r}: last key to results on screen, median",
                 f"{pct([t * 1000 for t in shown], 50):.0f} ms (150 ms of it the pause "
                 f"for typing)")
            await key_to_screen(app, "escape", lambda: not box.has_focus)
            # pane switches, at a person's pace (no target: printed against Down)
            seeds = app.query_one("#seed-list")
            switches: dict[str, list[float]] = {"1": [], "2": [], "4": []}
            for _ in range(max(3, presses // 10)):
                for key, widget in (("1", seeds), ("2", gen.listing),
                                    ("4", pane.listing), ("2", gen.listing)):
                    switches[key].append(await key_to_screen(
                        app, key, lambda w=widget: w.has_focus) * 1000)
                    await asyncio.sleep(0.2)
            for key, name in (("1", "Seeds"), ("2", "queue"), ("4", "Pool")):
                ms = switches[key]
                info(f"pane switch: {key} ({name}), median / worst of {len(ms)}",
                     f"{pct(ms, 50):.1f} / {max(ms):.1f} ms ({pct(ms, 50) / base:.1f}x Down)")
            app.exit()
        await asyncio.to_thread(app.settle)
    finally:
        restore(pool, before)
        pool.close()
    return ok


# -- start to first screen, in a pseudo-terminal ----------------------------------------


#: bytecode as an installed synthstudio has it (see the module's docstring)
PYCACHE = tempfile.mkdtemp(prefix="synthstudio-pyc-")


def installed_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": PYCACHE, **extra}


def start_in_terminal(path: Path, timeout: float = 60.0) -> tuple[float, float]:
    """Seconds from spawning ``synthstudio --db PATH`` to the panes, and to the counts."""
    exe = Path(sys.executable).with_name("synthstudio")
    cmd = [str(exe), "--db", str(path), "--backend", "openai", "--base-url",
           "http://127.0.0.1:9/v1"]  # no model there: the studio says so and goes on
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    env = installed_env(TERM="xterm-256color", SYNTHSTUDIO_CONFIG="/nonexistent.toml")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env,
                            close_fds=True, start_new_session=True)
    os.close(slave)
    seen = b""
    panes = counts = 0.0
    try:
        while time.perf_counter() - start < timeout and not counts:
            ready, _, _ = select.select([master], [], [], 0.01)
            if not ready:
                continue
            try:
                seen += os.read(master, 1 << 16)
            except OSError:
                break
            text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen).decode("utf-8", "replace")
            if not panes and "4 Pool" in text and "2 Generation" in text:
                panes = time.perf_counter() - start
            if panes and re.search(r"✓ ?[\d,]+ accepted", text):
                counts = time.perf_counter() - start
    finally:
        os.write(master, b"q")
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    if not panes:
        raise RuntimeError("the studio did not show its panes in time")
    return panes, counts


def import_time(cached: bool = True) -> float:
    code = ("import time; t = time.perf_counter(); import synthstudio.cli, "
            "synthstudio.tui.app; print(time.perf_counter() - t)")
    env = installed_env() if cached else {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, env=env)
    return float(out.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--presses", type=int, default=100)
    ap.add_argument("--starts", type=int, default=3)
    args = ap.parse_args(argv)
    path = args.db or ROOT / "benchmarks" / "data" / f"pool_{args.n}.db"
    ensure_pool(path, args.n)
    load = os.getloadavg()[0]
    info("machine", f"{os.cpu_count()} cores, load average {load:.2f} at the start"
         + (" (busy: other processes share the cores)" if load > 1 else ""))
    ok = True

    if args.starts > 0:  # --starts 0: the keys alone
        info("import synthstudio.cli + the studio app, no bytecode cache",
             f"{import_time(cached=False):.2f} s")
        start_in_terminal(path)  # warms the bytecode cache, as an install does
        info("import synthstudio.cli + the studio app, as installed", f"{import_time():.2f} s")
        starts = [start_in_terminal(path) for _ in range(args.starts)]
        panes = sorted(s[0] for s in starts)[len(starts) // 2]
        filled = sorted(s[1] for s in starts)[len(starts) // 2]
        ok &= line(f"start to first screen (median of {len(starts)}, pty)", panes,
                   START_TARGET_S, "s")
        info("  start to counts, queue and list filled in (median)", f"{filled:.2f} s")

    ok &= asyncio.run(keys(path, args.presses))
    print("all targets met" if ok else "some targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
