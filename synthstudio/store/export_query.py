"""The export's SQL: it renders export lines inside SQLite (``json_object``), for speed.

Each query yields :data:`Row` tuples in id (then instance) order for one id range, and
must give exactly the dicts that :func:`synthstudio.datasets.export.candidate_rows`
gives for the same item (a property test holds the two to that), except that a meta
value (style, topic, audience of a textbook item) is cut at a NUL character, as SQLite's
text functions do. Strings inside the provenance (model, backend, filter names, values
and details, which can quote model output) are copied as JSON (``->``), so a NUL in
them is kept. A line with provenance joins ``candidate_provenance`` (prompt, raw output,
model); lines without it never read that table.

The export itself asks for a :data:`Batch`: one row per id range, the lines joined by
SQLite (``group_concat``) with their counts by recipe. Rendering and joining run in C in
one step, without the GIL, so Python touches a batch once instead of every line (a line
fetched on its own cost about as much again as rendering it).
:mod:`synthstudio.store.export_reader` runs the queries.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

from synthstudio.store.connection import PoolBase
from synthstudio.store.instance_arrays import ARRAYS_CURRENT, instance_array

#: (candidate id, recipe, the JSON line as UTF-8 bytes, straight from SQLite)
Row = tuple[int, str, bytes]
#: one id range rendered whole: (the lines joined by newlines, or None when there are
#: none; the number of lines; for each recipe of :data:`LEAN_RECIPES` its lines and its
#: items; the other recipes' lines as ``recipe<RS>first`` joined by ``<US>``, or None)
Batch = tuple[Any, ...]

#: whitespace that ``strip`` removes on both sides (Python's and SQLite's ``trim``)
WS = " \t\n\r\f\v"
_WS = "' '||char(9,10,13,12,11)"
_NL2 = "char(10,10)"

# -- expressions over the inner row ``c`` (and instance ``i``) ---------------------------
_THINK = f"trim(c.thinking, {_WS})"
_TEXTBOOK = "c.recipe = 'textbook'"
_REASONING = "c.recipe = 'reasoning'"
_INSTANCED = "c.recipe NOT IN ('textbook', 'reasoning')"


def _meta(key: str) -> str:
    return f"CAST(json_extract(c.m, '$.{key}') AS TEXT)"


def _text(doc: str, key: str) -> str:
    """``doc``'s ``key`` as text: a JSON string copied whole (``json_extract`` would cut it
    at a NUL), anything else cast to text, null when missing."""
    return (f"CASE json_type({doc}, '$.{key}') WHEN 'text' THEN json({doc} -> '$.{key}') "
            f"ELSE CAST(json_extract({doc}, '$.{key}') AS TEXT) END")


def _trimmed(expr: str) -> str:
    return f"nullif(trim(coalesce({expr}, ''), {_WS}), '')"


_STYLE = f"coalesce({_trimmed(_meta('style'))}, 'text')"
_TOPIC = f"coalesce({_trimmed(_meta('topic'))}, {_trimmed('c.instruction')})"
_AUDIENCE = _trimmed(_meta("audience"))
PROMPT = (
    f"rtrim('Write ' || CASE WHEN lower(substr({_STYLE}, 1, 1)) IN ('a','e','i','o','u') "
    f"THEN 'an ' ELSE 'a ' END || {_STYLE} || coalesce(' about ' || {_TOPIC}, '') "
    f"|| coalesce(' for ' || {_AUDIENCE}, ''), '.') || '.'"
)
_INPUT = "coalesce(i.input, '')"
_USER = (
    f"CASE WHEN {_TEXTBOOK} THEN {PROMPT} WHEN {_REASONING} THEN c.instruction "
    f"WHEN trim({_INPUT}, {_WS}) != '' THEN c.instruction || {_NL2} || {_INPUT} "
    "ELSE c.instruction END"
)
_INSTRUCTION = f"CASE WHEN {_TEXTBOOK} THEN {PROMPT} ELSE c.instruction END"


def _reply(style: str) -> str:
    if style == "think":
        reasoning = (f"CASE WHEN {_THINK} != '' THEN '<think>' || char(10) || {_THINK} || "
                     f"char(10) || '</think>' || {_NL2} || c.answer ELSE c.answer END")
    else:
        reasoning = "c.answer"
    return (f"CASE WHEN {_TEXTBOOK} THEN c.text WHEN {_REASONING} THEN {reasoning} "
            "ELSE coalesce(i.output, '') END")


def _with_thinking(obj: str, style: str) -> str:
    """``obj`` plus a reasoning_content key when the style asks for one and there is any."""
    if style != "field":
        return obj
    return (f"CASE WHEN {_REASONING} AND {_THINK} != '' "
            f"THEN json_set({obj}, '$.reasoning_content', {_THINK}) ELSE {obj} END")


def _typed(key: str, kind: str) -> str:
    """One key of a stored filter result as a number (else null) or as text (else '')."""
    if kind == "number":
        return (f"CASE WHEN json_type(e.value, '$.{key}') IN ('integer', 'real') "
                f"THEN json_extract(e.value, '$.{key}') * 1.0 END")
    return (f"CASE json_type(e.value, '$.{key}') WHEN 'text' THEN json(e.value -> '$.{key}') "
            "WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE '' END")


#: the filter results as :func:`synthstudio.datasets.export.export_score` gives them
_SCORES = (
    "json(coalesce((SELECT json_group_array(json_object("
    f"'name', coalesce({_text('e.value', 'name')}, ''), "
    "'passed', json(CASE WHEN json_extract(e.value, '$.passed') THEN 'true' ELSE 'false' END), "
    f"'score', {_typed('value', 'number')}, 'value', {_typed('value', 'text')}, "
    f"'threshold', {_typed('threshold', 'number')}, 'limit', {_typed('threshold', 'text')}, "
    f"'detail', coalesce({_text('e.value', 'detail')}, ''))) "
    "FROM (SELECT value FROM json_each(c.sc) WHERE json_type(value) = 'object' "
    "ORDER BY key) AS e), '[]'))"
)

_PROVENANCE = (
    "json_object('candidate_id', c.id, 'recipe', c.recipe, 'status', c.status, "
    "'reason', coalesce(c.reason, ''), "
    f"'model', coalesce({_text('c.pv', 'model')}, ''), "
    f"'backend', coalesce({_text('c.pv', 'backend')}, ''), "
    "'options', json(coalesce(json_extract(c.pv, '$.options'), '{}')), "
    f"'scores', {_SCORES}, 'prompt', json(c.pr), "
    "'created_at', coalesce(c.created_at, ''), 'decided_at', coalesce(c.decided_at, ''))"
)

#: an item's instances as a JSON array: the one kept in ``instances_json`` when the kept
#: arrays are up to date and there is one for the item, else made from ``instances`` here
_INSTANCES = (f"coalesce(CASE WHEN {ARRAYS_CURRENT} THEN (SELECT json FROM instances_json "
              f"WHERE candidate_id = c.id) END, {instance_array('c.id')})")


#: how a line reads ``instances``: not through a join (one line per item; a self-instruct
#: line reads its item's array, :data:`_INSTANCES`), or one line per instance
NO_JOIN, EACH = "none", "each"
#: the formats that do not write one line per instance (the others: :data:`EACH`)
_JOINS = {"self-instruct": NO_JOIN, "textbook": NO_JOIN}


def join_kind(fmt: str) -> str:
    """How ``fmt``'s lines read ``instances``: only with :data:`EACH` can an item have
    no line (no instances), and be skipped."""
    return _JOINS.get(fmt, EACH)


def row_expr(fmt: str, style: str, system: bool) -> tuple[str, str]:
    """The JSON expression of one line, and how it joins ``instances`` (:data:`EACH` or
    :data:`NO_JOIN`)."""
    if fmt == "self-instruct":
        key = "'synth_task_' || c.id"
        # only a meta that holds the text "name" is parsed: json_extract matches a key as
        # written, so it finds nothing in any other
        name = (f"CASE WHEN instr(c.m, '\"name\"') "
                f"THEN coalesce({_trimmed(_meta('name'))}, {key}) ELSE {key} END")
        # written out rather than json_object: the instances are JSON already, and
        # json_object would parse them again; json_quote escapes as json_object does
        return ("printf('{\"id\":%s,\"name\":%s,\"instruction\":%s,\"instances\":%s,"
                f"\"is_classification\":%s}}', json_quote({key}), json_quote({name}), "
                f"json_quote(c.instruction), {_INSTANCES}, "
                "CASE WHEN c.is_classification THEN 'true' ELSE 'false' END)", join_kind(fmt))
    if fmt == "textbook":
        return ("json_object('text', c.text, "
                + ", ".join(f"'{k}', coalesce({_meta(k)}, '')"
                            for k in ("audience", "style", "topic")) + ")", join_kind(fmt))
    reply = _reply(style)
    if fmt == "alpaca":
        sys_col = ", 'system', :system" if system else ""
        obj = (f"json_object('instruction', {_INSTRUCTION}, 'input', "
               f"CASE WHEN {_INSTANCED} THEN {_INPUT} ELSE '' END, 'output', {reply}"
               f"{sys_col})")
        return _with_thinking(obj, style), EACH
    if fmt == "sharegpt":
        turns = ["json_object('from', 'system', 'value', :system)"] if system else []
        turns += [f"json_object('from', 'human', 'value', {_USER})",
                  _with_thinking(f"json_object('from', 'gpt', 'value', {reply})", style)]
        return f"json_object('conversations', json_array({', '.join(turns)}))", EACH
    if fmt == "messages":
        turns = ["json_object('role', 'system', 'content', :system)"] if system else []
        turns += [f"json_object('role', 'user', 'content', {_USER})",
                  _with_thinking(f"json_object('role', 'assistant', 'content', {reply})",
                                 style)]
        return f"json_object('messages', json_array({', '.join(turns)}))", EACH
    raise ValueError(f"unknown export format {fmt!r}")


def _valid(col: str, default: str) -> str:
    """``col`` if it holds valid JSON, else ``default`` (which it is, most often, as is)."""
    return (f"CASE WHEN {col} = '{default}' THEN '{default}' WHEN json_valid({col}) "
            f"THEN {col} ELSE '{default}' END")


def filters(status: str | None = None, recipe: str | None = None, since: str | None = None,
            until: str | None = None, min_score: float | None = None
            ) -> tuple[list[str], dict[str, Any]]:
    """WHERE clauses over ``candidates`` and their named parameters; ``min_score`` keeps
    items whose judge score is at least that."""
    where: list[str] = []
    params: dict[str, Any] = {}
    for col, op, name, val in (("status", "=", "status", status),
                               ("recipe", "=", "recipe", recipe),
                               ("created_at", ">=", "since", since),
                               ("created_at", "<", "until", until)):
        if val:
            where.append(f"{col} {op} :{name}")
            params[name] = val
    if min_score is not None:
        where.append("id IN (SELECT candidate_id FROM judge_scores WHERE score >= :min_score)")
        params["min_score"] = min_score
    return where, params


#: recipes a :data:`Batch` counts by position; others it names
LEAN_RECIPES = ("self-instruct", "textbook", "reasoning")
#: separators of the other recipes' column of a :data:`Batch`
RS, US = "\x1e", "\x1f"


def _kind_columns(per_instance: bool) -> str:
    """``k``: ``2 * index in LEAN_RECIPES + first`` (``first`` 1 on an item's first line,
    other recipes ``2 * len(LEAN_RECIPES) + first``); ``o``: ``recipe<RS>first`` for the
    other recipes, else NULL."""
    known = ", ".join(f"'{r}'" for r in LEAN_RECIPES)
    first = "(coalesce(i.idx, 0) = 0)" if per_instance else "1"
    kind = ("(CASE c.recipe " + " ".join(f"WHEN '{r}' THEN {2 * n}"
                                        for n, r in enumerate(LEAN_RECIPES))
            + f" ELSE {2 * len(LEAN_RECIPES)} END)")
    return (f"{kind} + {first} AS k, CASE WHEN c.recipe IN ({known}) THEN NULL "
            f"ELSE c.recipe || char(30) || {first} END AS o")


def _batch(lines_sql: str) -> str:
    """The aggregate over one id range's lines (columns ``l``, ``k``, ``o``, ``s1``,
    ``s2``, in order): see :data:`Batch`. SQLite from 3.44 is told the order inside
    ``group_concat``; older ones keep the subquery's ``ORDER BY`` (which a test holds)."""
    order = " ORDER BY s1, s2" if sqlite3.sqlite_version_info >= (3, 44) else ""
    counts = ", ".join(f"sum(k = {2 * n}), sum(k = {2 * n + 1})"
                       for n in range(len(LEAN_RECIPES)))
    return (f"SELECT CAST(group_concat(l, char(10){order}) AS BLOB), count(*), {counts}, "
            f"group_concat(o, char(31)) FROM ({lines_sql})")


def build_query(fmt: str, *, style: str = "think", system: str = "",
                with_provenance: bool = False, status: str | None = None,
                recipe: str | None = None, since: str | None = None,
                until: str | None = None, min_score: float | None = None,
                batched: bool = False) -> tuple[str, dict[str, Any]]:
    """SQL and named parameters; bind ``lo`` and ``hi`` (ids ``lo < id <= hi``) per batch.
    Rows are :data:`Row`, or one :data:`Batch` with ``batched``."""
    expr, join_kind = row_expr(fmt, style, bool(system))
    per_instance = join_kind == EACH
    if with_provenance:
        expr = f"json_set({expr}, '$.provenance', {_PROVENANCE})"
    expr = f"CAST({expr} AS BLOB)"  # bytes: no decoding to str and encoding back
    where, params = filters(status, recipe, since, until, min_score)
    where[:0] = ["k.id > :lo", "k.id <= :hi"]
    if system:
        params["system"] = system
    # the (status, recipe) index walks in id order; otherwise scan the id range itself
    table = "candidates AS k" if status and recipe else "candidates AS k NOT INDEXED"
    extra = join = ""
    if with_provenance:  # what produced the item lives in its side table
        extra = (f", {_valid('scores', '[]')} AS sc, {_valid('p.prompt', '[]')} AS pr, "
                 f"{_valid('p.provenance', '{}')} AS pv, created_at, decided_at")
        join = " LEFT JOIN candidate_provenance AS p ON p.candidate_id = k.id"
    inner = (f"SELECT k.id AS id, recipe, status, reason, instruction, is_classification, "
             f"text, thinking, answer, {_valid('meta', '{}')} AS m{extra} "
             f"FROM {table}{join} WHERE {' AND '.join(where)}")
    order = "c.id, i.idx" if per_instance else "c.id"
    if batched:
        head = (f"{expr} AS l, {_kind_columns(per_instance)}, c.id AS s1, "
                + ("i.idx AS s2" if per_instance else "0 AS s2"))
    else:
        head = f"c.id, c.recipe, {expr}"
    if per_instance:
        sql = (f"SELECT {head} FROM ({inner}) AS c LEFT JOIN instances AS i "
               f"ON i.candidate_id = c.id AND {_INSTANCED} "
               f"WHERE NOT ({_INSTANCED}) OR i.id IS NOT NULL ORDER BY {order}")
    else:  # one line per item
        sql = f"SELECT {head} FROM ({inner}) AS c ORDER BY {order}"
    return (_batch(sql) if batched else sql), params


def count_by_recipe(pool: PoolBase, status: str | None = None, recipe: str | None = None,
                    since: str | None = None, until: str | None = None,
                    min_score: float | None = None) -> Counter[str]:
    """Items matching the export's filters, by recipe."""
    where, params = filters(status, recipe, since, until, min_score)
    sql = "SELECT recipe, count(*) AS n FROM candidates"
    if where:
        sql += " WHERE " + " AND ".join(where)
    with pool.lock:
        return Counter(dict(pool.conn.execute(sql + " GROUP BY recipe", params).fetchall()))
