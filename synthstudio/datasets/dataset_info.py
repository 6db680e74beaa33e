"""The LLaMA-Factory ``dataset_info.json`` entry for an exported file.

LLaMA-Factory finds a dataset by its entry in ``dataset_info.json`` (in its
``dataset_dir``): the file's name relative to that folder, its formatting (``alpaca`` or
``sharegpt``) and, where they differ from its defaults, the column and tag names. An
existing file keeps its other entries; the entry named after the exported file is added or
replaced. The ``self-instruct`` format has no LLaMA-Factory counterpart.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from synthstudio.boundary.files import atomic_writer, open_input
from synthstudio.errors import InputError

FILE_NAME = "dataset_info.json"


def entry_for(fmt: str, file_name: str, *, system: bool = False) -> dict[str, Any]:
    """The entry for a file of ``fmt``; ``system``: alpaca rows carry a system column."""
    if fmt == "alpaca":
        columns = {"prompt": "instruction", "query": "input", "response": "output"}
        if system:
            columns["system"] = "system"
        return {"file_name": file_name, "columns": columns}
    if fmt == "sharegpt":
        return {"file_name": file_name, "formatting": "sharegpt",
                "columns": {"messages": "conversations"},
                "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human",
                         "assistant_tag": "gpt", "system_tag": "system"}}
    if fmt == "messages":
        return {"file_name": file_name, "formatting": "sharegpt",
                "columns": {"messages": "messages"},
                "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                         "assistant_tag": "assistant", "system_tag": "system"}}
    if fmt == "textbook":  # pre-training text
        return {"file_name": file_name, "columns": {"prompt": "text"}}
    raise InputError(f"the {fmt} format has no LLaMA-Factory entry", field="dataset-info",
                     hint="Use alpaca, sharegpt, messages or textbook.")


def write_entry(info_path: str | Path, data_path: str | Path, fmt: str, *,
                system: bool = False) -> tuple[Path, str]:
    """Add the entry for ``data_path`` to ``info_path`` (created if missing); return the
    file written and the dataset's name (the data file's name without its suffix)."""
    info = Path(info_path)
    if info.is_dir():
        info = info / FILE_NAME
    data = Path(data_path)
    name = data.name.split(".")[0] or data.name
    rel = os.path.relpath(data.resolve(), info.resolve().parent)
    entries: dict[str, Any] = {}
    if info.exists():  # a small config file, not a dataset: read whole
        with open_input(info) as fh:
            try:
                entries = json.loads(fh.read().decode("utf-8-sig"))
            except (ValueError, RecursionError) as exc:
                raise InputError(f"is not valid JSON ({str(exc)[:80]})",
                                 path=str(info)) from None
        if not isinstance(entries, dict):
            raise InputError("is not a JSON object of dataset entries", path=str(info))
    entries[name] = entry_for(fmt, rel, system=system)
    with atomic_writer(info) as f:
        f.write(json.dumps(entries, ensure_ascii=False, indent=2) + "\n")
    return info, name
