"""Does the studio take CPU the embedded model needs? Its tokens/s in the studio vs headless.

Usage: ``python benchmarks/bench_embedded_studio.py [--tokens 2048] [--rounds 1]``

The studio runs one textbook item with the embedded model (SmolLM2-135M through
llama.cpp, temperature 0, ``--tokens`` at most) through Pilot, in this process, with its
stream pane, queue and status bar live; the exact request it sent is then replayed
headless (the backend's stream consumed by a bare asyncio loop, no UI), on the same
loaded model and for as many tokens as the studio decoded (its repetition filter can
end a reply early), so both decode the same tokens. Rounds alternate studio and headless.
Each rate is llama.cpp's own (``Final.tokens_per_second``). Target: studio / headless
at least 0.95.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.studio_probe import info, line, until  # noqa: E402

TARGET = 0.95


class Recording:
    """The embedded backend, keeping each request and each reply's final statistics."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.model = inner.name, inner.model
        self.requests: list[Any] = []
        self.finals: list[Any] = []

    async def stream_chat(self, request: Any) -> Any:
        from synthstudio.backends.base import Final

        self.requests.append(request)
        async for chunk in self.inner.stream_chat(request):
            if isinstance(chunk, Final):
                self.finals.append(chunk)
            yield chunk

    async def list_models(self) -> list[Any]:
        return list(await self.inner.list_models())

    async def aclose(self) -> None:
        return None


async def in_studio(backend: Recording, tokens: int) -> tuple[float, int, float]:
    """(tokens/s, tokens, seconds) of one textbook item generated in the studio."""
    from textual import events

    from synthstudio.config.settings import Settings
    from synthstudio.records import Topic
    from synthstudio.store import Pool
    from synthstudio.tui.app import SynthStudio

    tmp = tempfile.mkdtemp(prefix="bench_embedded_")
    pool = Pool(Path(tmp) / "pool.db")
    pool.add_topics([Topic(topic="How lighthouses guide ships at night", field="history")])
    settings = Settings(recipe="textbook", temperature=0.0, seed=1)
    settings.count = 1
    settings.textbook.max_tokens = tokens
    settings.textbook.reject_truncated = False
    app = SynthStudio(pool=pool, settings=settings, backend=backend,  # type: ignore[arg-type]
                      config_path=Path(tmp) / "c.toml")
    done = len(backend.finals)
    start = time.perf_counter()
    async with app.run_test(size=(160, 48)) as pilot:
        await until(lambda: app.tally.known)
        await pilot.pause()
        app.post_message(events.Key("g", "g"))
        await until(lambda: len(backend.finals) > done, timeout=1200)
        app.post_message(events.Key("x", "x"))
        await until(lambda: not app.running, timeout=60)
        app.exit()
    pool.close()
    final = backend.finals[-1]
    return float(final.tokens_per_second or 0), int(final.eval_tokens or 0), \
        time.perf_counter() - start


async def headless(backend: Recording, request: Any) -> tuple[float, int]:
    done = len(backend.finals)
    async for _ in backend.stream_chat(request):
        pass
    final = backend.finals[done]
    return float(final.tokens_per_second or 0), int(final.eval_tokens or 0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=2048)
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args(argv)
    from synthstudio.backends.embedded import EmbeddedBackend

    load = os.getloadavg()[0]
    info("machine", f"{os.cpu_count()} cores, load average {load:.2f} at the start"
         + (" (busy: other processes share the cores)" if load > 1 else ""))
    backend = Recording(EmbeddedBackend())
    studio_rates, headless_rates = [], []
    for r in range(args.rounds):
        rate, n, secs = asyncio.run(in_studio(backend, args.tokens))
        info(f"round {r + 1}: in the studio", f"{rate:.1f} tokens/s ({n} tokens, {secs:.0f} s "
             f"from start to the item stored)")
        studio_rates.append(rate)
        # the same number of tokens as the studio decoded: its repetition filter can end a
        # reply early, and a shorter context decodes faster
        sent = backend.requests[-1]
        same = dataclasses.replace(sent, options=dataclasses.replace(sent.options,
                                                                     num_predict=n))
        rate, n = asyncio.run(headless(backend, same))
        info(f"round {r + 1}: headless, the same request", f"{rate:.1f} tokens/s ({n} tokens)")
        headless_rates.append(rate)
    ratio = statistics.median(studio_rates) / statistics.median(headless_rates)
    ok = line("embedded tokens/s, studio / headless (median)", ratio, TARGET, "x",
              higher_is_better=True)
    print("all targets met" if ok else "some targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
