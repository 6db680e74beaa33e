"""``synthstudio judge`` against stand-in Ollama and vLLM servers, and the embedded model."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from synthstudio.cli import main
from synthstudio.config.settings import JudgeSettings
from synthstudio.judge.judge_pass import judge_pass
from synthstudio.judge.rater import Judge
from synthstudio.judge.rubric import SCHEMA, load_rubric
from synthstudio.records import Candidate, Instance, RunOptions
from synthstudio.store import Pool
from tests.judge_standins import MODEL, JudgeOllama, JudgeOpenAI


def fill(db, n=6, status="proposed", run_id=None, start=0) -> list[int]:
    with Pool(db) as pool:
        return [pool.add_candidate(Candidate(
            "self-instruct", f"Task {i} (rate {i % 6})", [Instance("", f"answer {i}")],
            status=status, run_id=run_id)) for i in range(start, start + n)]


def scores(db) -> dict[int, dict]:
    with Pool(db) as pool:
        rows = pool.query("SELECT * FROM judge_scores ORDER BY candidate_id")
    return {r["candidate_id"]: r for r in rows}


def dead_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_judge_rates_with_ollama_and_resumes_without_rerating(tmp_path, capsys):
    db = tmp_path / "p.db"
    ids = fill(db)
    with JudgeOllama() as ol:
        args = ["judge", "--backend", "ollama", "--host", ol.url, "--model", MODEL,
                "--db", str(db)]
        assert main([*args, "--limit", "4"]) == 0
        assert ol.judged == 4
        assert main(args) == 0
        assert ol.judged == 6  # only the two left
        assert main(args) == 0
        assert ol.judged == 6  # nothing left to rate
        # requests run concurrently: the first to arrive need not be the first item's
        body = next(b for b in ol.chat_bodies()
                    if "Task 0 (rate 0)" in b["messages"][0]["content"])
    out = capsys.readouterr().out
    assert "Rated 4 of 4" in out and "0 still without a score" in out
    got = scores(db)
    assert sorted(got) == ids
    for i, cid in enumerate(ids):
        r = got[cid]
        assert r["score"] == i % 6 and r["reason"].startswith("Rated")
        assert json.loads(r["raw"])["score"] == i % 6
        assert (r["model"], r["backend"]) == (MODEL, "ollama")
        assert r["rubric_version"] == load_rubric().version
        opts = json.loads(r["options"])
        assert opts["structured"] is True and opts["temperature"] == 0.0
        assert opts["stats"]["eval_tokens"] >= 1
    assert body["format"] == SCHEMA and body["options"]["temperature"] == 0.0


def test_judge_on_a_vllm_server_with_response_format(tmp_path, capsys):
    db = tmp_path / "p.db"
    ids = fill(db, 5)
    with JudgeOpenAI() as oa:
        assert main(["judge", "--backend", "openai", "--base-url", oa.url, "--model", MODEL,
                     "--concurrency", "3", "--db", str(db)]) == 0
        body = oa.chat_bodies()[0]
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA
    got = scores(db)
    assert [got[c]["score"] for c in ids] == [0, 1, 2, 3, 4]
    assert {r["backend"] for r in got.values()} == {"openai"}
    assert "Rated 5 of 5" in capsys.readouterr().out


def test_plain_text_replies_are_parsed(tmp_path):
    db = tmp_path / "p.db"
    ids = fill(db, 3)
    with JudgeOllama(style="text") as ol:
        assert main(["judge", "--backend", "ollama", "--host", ol.url, "--model", MODEL,
                     "--no-structured", "--db", str(db)]) == 0
        assert "format" not in ol.chat_bodies()[0]
    got = scores(db)
    assert [got[c]["score"] for c in ids] == [0, 1, 2]
    assert got[ids[1]]["reason"] == "The stand-in read the item and rated it 1."


def test_unparseable_replies_are_kept_unscored_and_retried_on_rescore(tmp_path, capsys):
    db = tmp_path / "p.db"
    ids = fill(db, 3)
    with JudgeOllama(style="garbage") as ol:
        args = ["judge", "--backend", "ollama", "--host", ol.url, "--model", MODEL,
                "--db", str(db)]
        assert main(args) == 0
        assert "3 unscored" in capsys.readouterr().out
        got = scores(db)
        assert all(got[c]["score"] is None and got[c]["raw"] == "I would rather not say."
                   for c in ids)
        assert "no score" in json.loads(got[ids[0]]["options"])["problem"]
        assert main(args) == 0 and ol.judged == 3  # unscored counts as rated
        ol.style = "json"
        assert main([*args, "--rescore"]) == 0 and ol.judged == 6
    assert [scores(db)[c]["score"] for c in ids] == [0, 1, 2]


def test_status_and_run_choose_the_items(tmp_path):
    db = tmp_path / "p.db"
    with Pool(db) as pool:
        run = pool.start_run("self-instruct", "ollama", "m", RunOptions(), {}, 3)
    proposed = fill(db, 2)
    accepted = fill(db, 2, status="accepted", start=2)
    rejected = fill(db, 2, status="rejected", start=4)
    in_run = fill(db, 1, run_id=run, start=6)
    with JudgeOllama() as ol:
        base = ["judge", "--backend", "ollama", "--host", ol.url, "--model", MODEL,
                "--db", str(db)]
        assert main([*base, "--status", "accepted"]) == 0
        assert sorted(scores(db)) == accepted
        assert main([*base, "--source", f"run:{run}"]) == 0
        assert sorted(scores(db)) == sorted(accepted + in_run)
        assert main(base) == 0  # default: proposed and accepted
        assert sorted(scores(db)) == sorted(accepted + in_run + proposed)
        assert main([*base, "--status", "all"]) == 0
        assert sorted(scores(db)) == sorted(accepted + in_run + proposed + rejected)


def test_bad_options_are_one_sentence(tmp_path, capsys):
    assert main(["judge", "--source", "run:last", "--db", str(tmp_path / "p.db")]) == 1
    assert "--source" in capsys.readouterr().err
    assert main(["judge", "--concurrency", "0", "--db", str(tmp_path / "p.db")]) == 1
    assert "--concurrency" in capsys.readouterr().err


def test_a_judge_server_that_is_down_stops_the_pass_with_a_sentence(tmp_path, capsys):
    db = tmp_path / "p.db"
    ids = fill(db, 4)
    with JudgeOpenAI() as oa:
        assert main(["judge", "--backend", "openai", "--base-url", oa.url, "--model", MODEL,
                     "--limit", "2", "--db", str(db)]) == 0
    capsys.readouterr()
    url = f"http://127.0.0.1:{dead_port()}/v1"
    assert main(["judge", "--backend", "openai", "--base-url", url, "--model", MODEL,
                 "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "No OpenAI-compatible server answers" in err and "Traceback" not in err
    assert "run the command again to continue" in err
    assert sorted(scores(db)) == ids[:2]  # nothing lost
    assert main(["judge", "--backend", "ollama", "--host", f"127.0.0.1:{dead_port()}",
                 "--model", MODEL, "--db", str(db)]) == 1
    assert "Ollama is not running" in capsys.readouterr().err


async def test_a_pass_keeps_many_requests_in_flight(tmp_path):
    db = tmp_path / "p.db"
    ids = fill(db, 24)
    from synthstudio.backends.ollama import OllamaBackend

    with JudgeOllama(delay=0.15) as ol, Pool(db) as pool:
        backend = OllamaBackend(ol.url, MODEL)
        seen: list[int] = []
        judge = Judge(backend, JudgeSettings(), load_rubric())
        summary = await judge_pass(pool, judge, concurrency=8,
                                   on_score=lambda s: seen.append(s.candidate_id))
        await backend.aclose()
        assert ol.most_in_flight >= 4
    assert summary.finished and summary.rated == summary.scored == 24
    assert sorted(seen) == ids


async def test_a_stopped_pass_stores_nothing_half_heard(tmp_path):
    db = tmp_path / "p.db"
    fill(db, 10)
    from synthstudio.backends.ollama import OllamaBackend

    with JudgeOllama(delay=0.3) as ol, Pool(db) as pool:
        backend = OllamaBackend(ol.url, MODEL)
        stop = asyncio.Event()
        judge = Judge(backend, JudgeSettings(), load_rubric())
        task = asyncio.ensure_future(judge_pass(pool, judge, concurrency=2, stop=stop))
        await asyncio.sleep(0.45)
        stop.set()
        summary = await asyncio.wait_for(task, 10)
        await backend.aclose()
        stored = pool.query("SELECT count(*) AS n FROM judge_scores")[0]["n"]
    assert summary.stopped and summary.rated == stored < 10


def test_judge_through_the_embedded_model(tmp_path, capsys):
    """The real path through llama.cpp: its scores mean nothing, but each is stored."""
    db = tmp_path / "p.db"
    ids = fill(db, 2)
    assert main(["judge", "--backend", "embedded", "--db", str(db)]) == 0
    got = scores(db)
    assert sorted(got) == ids
    for r in got.values():
        assert r["backend"] == "embedded" and "SmolLM2" in r["model"]
        assert r["raw"] and json.loads(r["options"])["structured"] is True
        assert r["score"] is None or 0 <= r["score"] <= 5
    assert "Rated 2 of 2" in capsys.readouterr().out


async def test_items_outside_the_pool_are_rated_without_storing(pool):
    from synthstudio.judge.judge_pass import rate_all
    from tests.fakes import ScriptedBackend

    backend = ScriptedBackend(replies=['{"score": 5, "reason": "Right."}', "nonsense"],
                              default="Score: 2")
    items = [Candidate("self-instruct", f"Line {n}", [Instance("", "x")], id=n)
             for n in (1, 2, 3)]
    got = []
    summary = await rate_all(Judge(backend, JudgeSettings(), load_rubric()), items,
                             total=3, concurrency=1, on_score=got.append)
    assert [(s.candidate_id, s.score) for s in got] == [(1, 5.0), (2, None), (3, 2.0)]
    assert (summary.rated, summary.scored, summary.unscored) == (3, 2, 1)
    assert pool.query("SELECT count(*) AS n FROM judge_scores")[0]["n"] == 0


@pytest.mark.parametrize("standin", [JudgeOllama, JudgeOpenAI])
def test_one_connection_serves_a_whole_sequential_pass(tmp_path, standin):
    """Each reply is read to its end, so the connection goes back to the pool: a new
    connection per request costs more than a judge's short reply on a fast server."""
    db = tmp_path / "p.db"
    fill(db, 6)
    with standin() as server:
        flag = "--host" if standin is JudgeOllama else "--base-url"
        backend = "ollama" if standin is JudgeOllama else "openai"
        assert main(["judge", "--backend", backend, flag, server.url, "--model", MODEL,
                     "--concurrency", "1", "--db", str(db)]) == 0
        assert server.judged == 6
        assert server.connections <= 2  # the Ollama client may probe /api/version first


async def test_a_kept_alive_connection_the_server_closed_is_retried_at_once():
    """llama.cpp's server now and then drops a kept-alive connection: the next request on
    it fails before any response, and is sent again on a new connection."""
    from synthstudio.backends.base import ChatRequest, Message
    from synthstudio.backends.collect import collect
    from synthstudio.backends.openai_compat import OpenAIBackend

    class Dropping(JudgeOpenAI):
        def _send(self, h, reply):  # type: ignore[no-untyped-def]
            if getattr(h, "served", False):  # a second request on this connection
                h.close_connection = True
                return
            h.served = True
            super()._send(h, reply)

    with Dropping() as server:
        backend = OpenAIBackend(server.url, model=MODEL)
        for n in range(3):
            comp = await collect(backend, ChatRequest([Message("user", f"Item (rate {n})")]))
            assert json.loads(comp.content)["score"] == n
        await backend.aclose()
        assert server.connections >= 3


def test_source_file_rates_only_what_was_imported_from_it(tmp_path):
    """The importer records ``provenance.source.file`` (the resolved path) on each item."""
    db, data = tmp_path / "p.db", tmp_path / "alpaca.jsonl"
    data.write_text("{}\n", encoding="utf-8")
    with Pool(db) as pool:
        mine = [pool.add_candidate(Candidate(
            "self-instruct", f"Imported {i} (rate 4)", [Instance("", "o")],
            provenance={"backend": "import", "source": {"file": str(data.resolve()),
                                                         "line": i + 1}}))
            for i in range(2)]
    other = fill(db, 2)
    with JudgeOllama() as ol:
        assert main(["judge", "--backend", "ollama", "--host", ol.url, "--model", MODEL,
                     "--source", str(data), "--db", str(db)]) == 0
    assert sorted(scores(db)) == mine and not set(other) & set(scores(db))


async def test_an_overloaded_judge_server_halves_the_requests_in_flight(pool):
    """The judge's requests share reliab's AIMD limit: a 503 halves it, the item is asked
    again, and the pass still rates everything."""
    from synthstudio.backends.aimd import AdaptiveLimit
    from synthstudio.errors import BackendError
    from synthstudio.judge.judge_pass import rate_all
    from tests.fakes import ScriptedBackend

    busy = BackendError("The server is busy (HTTP 503).", "Wait and retry.", kind="busy")
    backend = ScriptedBackend(replies=[busy, busy], default='{"score": 4, "reason": "Fine."}')
    items = [Candidate("self-instruct", f"Line {n}", [Instance("", "x")], id=n)
             for n in range(1, 9)]
    limiter = AdaptiveLimit(8)
    judge = Judge(backend, JudgeSettings(), load_rubric(), backoff_base_s=0.01,
                  limiter=limiter)
    retries: list[int] = []
    got = []
    summary = await rate_all(judge, items, total=8, concurrency=8, on_score=got.append)
    assert summary.finished and summary.rated == summary.scored == 8
    assert summary.overloads == limiter.overloads == 2
    assert limiter.limit < 8  # halved twice, grown back by at most one since
    assert sorted(s.candidate_id for s in got) == list(range(1, 9))
    assert sorted(s.options["attempts"] for s in got) == [1] * 6 + [2] * 2
    assert len(backend.requests) == 10  # every item once, two of them again
    # a busy server past the retries for it is one sentence, not a hang
    judge = Judge(ScriptedBackend(default=busy), JudgeSettings(), load_rubric(),
                  backoff_base_s=0.001, busy_retries=2)
    with pytest.raises(BackendError) as e:
        await judge.rate(items[0], on_retry=lambda n, err, delay: retries.append(n))
    assert e.value.kind == "busy" and retries == [1, 2]


async def test_a_refused_connection_is_tried_once_more_only(pool):
    from synthstudio.errors import BackendError
    from tests.fakes import ScriptedBackend

    down = BackendError("Ollama is not running at http://127.0.0.1:9.", "Start it.",
                        kind="unreachable")
    backend = ScriptedBackend(default=down)
    judge = Judge(backend, JudgeSettings(), load_rubric(), backoff_base_s=0.001, retries=5)
    with pytest.raises(BackendError):
        await judge.rate(Candidate("self-instruct", "x", [Instance("", "y")], id=1))
    assert len(backend.requests) == 2


def test_the_judges_backend_is_sized_for_its_concurrency():
    from synthstudio.config.settings import Settings
    from synthstudio.judge.server import judge_view

    s = Settings()
    s.concurrency = 2
    s.judge.concurrency = 16
    assert judge_view(s).concurrency == 16
