"""Shared fixtures: an isolated pool, config and prompt dir for every test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from synthstudio.store import Pool

#: test data shipped in the repository (see tests/data/README.md for sources and licenses)
DATA = Path(__file__).resolve().parent / "data"
#: the 175 public Self-Instruct seed tasks (Apache-2.0)
PUBLIC_SEEDS = DATA / "self_instruct_seed_tasks.jsonl"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SYNTHSTUDIO_DB", str(home / "pool.db"))
    monkeypatch.setenv("SYNTHSTUDIO_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("SYNTHSTUDIO_PROMPTS", str(home / "prompts"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    for key in list(os.environ):
        if key.startswith("SYNTHSTUDIO_") and key not in (
                "SYNTHSTUDIO_DB", "SYNTHSTUDIO_CONFIG", "SYNTHSTUDIO_PROMPTS"):
            monkeypatch.delenv(key)
    yield


@pytest.fixture
def pool(tmp_path: Path):
    p = Pool(tmp_path / "pool.db")
    yield p
    p.close()
