"""Time to a clear message when the model server is silent or not running.

Usage: ``uv run python benchmarks/bench_silent_server.py``

What a person feels: the whole ``synthstudio generate --count 2`` command, from start to
exit, with default settings, against

1. a socket on 127.0.0.1 that accepts connections and never answers (OpenAI backend and
   Ollama backend), and
2. a closed port (both backends).

The baseline is ``synthstudio pool stats`` on an empty pool, run the same way in the same
process: start-up cost. Each case prints its wall time, the ratio to the baseline and the
first line of stderr. Before this change the silent case took 600 s per attempt (5
attempts x 3 steps) and the closed port 51 s.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], home: Path) -> tuple[float, int, str]:
    env = dict(os.environ, SYNTHSTUDIO_DB=str(home / "pool.db"),
               SYNTHSTUDIO_CONFIG=str(home / "config.toml"))
    env.pop("OLLAMA_HOST", None)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "synthstudio", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    took = time.perf_counter() - t0
    first = (res.stderr.strip().splitlines() or [""])[0]
    return took, res.returncode, first


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as silent:
        home = Path(tmp)
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        silent_url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed_url = f"http://127.0.0.1:{s.getsockname()[1]}"
        base = min(run(["pool", "stats"], home)[0] for _ in range(3))
        print(f"baseline `pool stats`: {base:.2f} s (start-up)")
        cases = [
            ("openai, silent server", ["--backend", "openai", "--base-url", silent_url]),
            ("ollama, silent server", ["--backend", "ollama", "--host", silent_url]),
            ("openai, closed port", ["--backend", "openai", "--base-url", closed_url]),
            ("ollama, closed port", ["--backend", "ollama", "--host", closed_url]),
        ]
        for name, extra in cases:
            took, code, first = run(["generate", "--count", "2", "--model", "m",
                                     "--no-pull", *extra], home)
            print(f"{name:24s} {took:6.2f} s  x{took / base:4.1f} of baseline  exit {code}"
                  f"  {first[:110]}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
