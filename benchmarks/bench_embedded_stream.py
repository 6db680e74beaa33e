"""Does streaming through EmbeddedBackend cost decode speed?

Runs the same prompt at temperature 0 (so the same tokens) two ways, alternating, on one
loaded model:

* raw: ``xllamacpp.Server.handle_chat_completions`` with a callback that only records
  the time; the rate is llama.cpp's own ``predicted_n / predicted_ms``;
* stream: ``EmbeddedBackend.stream_chat`` consumed by an asyncio loop; the rate is the
  tokens seen by the consumer over the time from its first to its last delta, scaled
  by n/(n-1) like the backend does.

Prints the medians and the ratio stream/raw (target >= 0.95).
Usage: ``uv run python benchmarks/bench_embedded_stream.py [--tokens 128] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from synthstudio.backends.base import ChatRequest, ContentDelta, Final, GenOptions, Message
from synthstudio.backends.embedded import EmbeddedBackend
from synthstudio.backends.openai_compat import build_body

PROMPT = "Write a long story about a lighthouse keeper and a storm."


def raw_run(server: Any, body: dict[str, Any]) -> tuple[float, float, int]:
    """(llama.cpp tokens/s, callback-observed tokens/s, deltas)."""
    stamps: list[float] = []
    timings: dict[str, Any] = {}

    def cb(chunk: dict[str, Any]) -> bool:
        for ch in chunk.get("choices") or ():
            if (ch.get("delta") or {}).get("content"):
                stamps.append(time.perf_counter())
        if "timings" in chunk:
            timings.update(chunk["timings"])
        return False

    server.handle_chat_completions(body, cb)
    n = len(stamps)
    seen = (n - 1) / (stamps[-1] - stamps[0]) if n > 1 else 0.0
    return timings["predicted_n"] / timings["predicted_ms"] * 1000, seen, n


async def stream_run(b: EmbeddedBackend, req: ChatRequest) -> tuple[float, float, int]:
    """(consumer-observed tokens/s, Final's tokens/s, deltas)."""
    stamps: list[float] = []
    final: Final | None = None
    async for chunk in b.stream_chat(req):
        if isinstance(chunk, ContentDelta):
            stamps.append(time.perf_counter())
        elif isinstance(chunk, Final):
            final = chunk
    n = len(stamps)
    seen = (n - 1) / (stamps[-1] - stamps[0]) if n > 1 else 0.0
    return seen, (final.tokens_per_second or 0.0) if final else 0.0, n


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    b = EmbeddedBackend(threads=args.threads)
    engine = await b.engine()
    req = ChatRequest([Message("user", PROMPT)],
                      GenOptions(temperature=0, num_predict=args.tokens, seed=1))
    body = build_body(req, "")
    await asyncio.to_thread(raw_run, engine.server, body)  # warm up (and fill the cache)
    raw_rates, raw_seen, st_seen, st_final = [], [], [], []
    n_raw = n_st = 0
    for _ in range(args.rounds):
        r, s, n_raw = await asyncio.to_thread(raw_run, engine.server, body)
        raw_rates.append(r)
        raw_seen.append(s)
        s2, f2, n_st = await stream_run(b, req)
        st_seen.append(s2)
        st_final.append(f2)
    med = statistics.median
    print(f"model {b.model}, {b.threads} thread(s), {args.rounds} rounds, "
          f"{n_raw} raw deltas / {n_st} streamed deltas (max {args.tokens})")
    print(f"raw xllamacpp decode (llama.cpp timings):   {med(raw_rates):7.1f} tokens/s")
    print(f"raw callback-observed:                      {med(raw_seen):7.1f} tokens/s")
    print(f"EmbeddedBackend stream, consumer-observed:  {med(st_seen):7.1f} tokens/s")
    print(f"EmbeddedBackend stream, Final (timings):    {med(st_final):7.1f} tokens/s")
    print(f"ratio stream-observed / raw decode:         {med(st_seen) / med(raw_rates):7.3f}")
    print(f"ratio stream-observed / raw observed:       {med(st_seen) / med(raw_seen):7.3f}")


if __name__ == "__main__":
    asyncio.run(main())
