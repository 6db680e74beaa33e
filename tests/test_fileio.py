"""The one reader and the one atomic writer: through symlinks, to stdout, and one sentence
when a read or a write fails."""

from __future__ import annotations

import errno
import os

import pytest

from synthstudio.boundary import files as fileio
from synthstudio.boundary.files import atomic_writer, read_text
from synthstudio.errors import InputError, SynthError


def test_read_text_gives_the_whole_file_with_line_ends_as_text_mode_reads_them(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes("caf\u00e9\r\nnext\rlast\n".encode())
    assert read_text(path) == "caf\u00e9\nnext\nlast\n"
    assert read_text(path) == path.read_text(encoding="utf-8")


def test_read_text_names_the_file_and_what_is_wrong(tmp_path):
    with pytest.raises(InputError, match="gone.txt: no such rubric file$"):
        read_text(tmp_path / "gone.txt", what="rubric file")
    with pytest.raises(InputError, match="gone.txt: no such file$"):
        read_text(tmp_path / "gone.txt")
    with pytest.raises(InputError, match="is a folder, not a file$"):
        read_text(tmp_path)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine\nfine\nbad \xff here\n")
    with pytest.raises(InputError, match="bad.txt, line 3: is not valid UTF-8$") as info:
        read_text(bad)
    assert info.value.hint == "Save it as UTF-8 text."


def test_writes_through_a_symlink_to_its_target(tmp_path):
    real = tmp_path / "data" / "real.jsonl"
    real.parent.mkdir()
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    with atomic_writer(link) as f:
        f.write("new\n")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.jsonl"]  # no temp left


def test_keeps_the_targets_permissions(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text("a\n", encoding="utf-8")
    path.chmod(0o640)
    with atomic_writer(path) as f:
        f.write("b\n")
    assert (path.stat().st_mode & 0o777) == 0o640


def test_dash_is_standard_output(tmp_path, capsys):
    with atomic_writer("-") as f:
        f.write("to stdout\n")
    assert capsys.readouterr().out == "to stdout\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("code, hint", [(errno.ENOSPC, "Free some disk space"),
                                        (errno.EACCES, "permissions")])
def test_a_failed_write_is_one_sentence_and_the_old_file_stays(tmp_path, monkeypatch,
                                                               code, hint):
    path = tmp_path / "out.jsonl"
    path.write_text("kept\n", encoding="utf-8")

    def full(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(fileio.os, "fsync", full)
    with pytest.raises(SynthError) as info, atomic_writer(path) as f:
        f.write("lost\n")
    assert str(info.value) == f"Cannot write {path}: {os.strerror(code).lower()}."
    assert hint in info.value.hint
    assert path.read_text(encoding="utf-8") == "kept\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_an_error_in_the_block_leaves_the_target_as_it_was(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("kept\n", encoding="utf-8")
    with pytest.raises(ValueError), atomic_writer(path) as f:
        f.write("half")
        raise ValueError("boom")
    assert path.read_text(encoding="utf-8") == "kept\n"


def test_a_big_file_is_flushed_while_it_is_written(tmp_path, monkeypatch):
    """synced_while_writing flushes the file to disk during the block (so the final fsync
    waits for little), stops before the block ends, and leaves a file-less stream alone."""
    import io
    import time

    from synthstudio.boundary import files as fileio

    synced: list[int] = []
    monkeypatch.setattr(fileio, "EARLY_SYNC_S", 0.01)
    monkeypatch.setattr(fileio.os, "fdatasync", lambda fd: synced.append(fd), raising=False)
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: synced.append(fd))
    with open(tmp_path / "big.bin", "wb") as fh:
        with fileio.synced_while_writing(fh):
            fh.write(b"x" * 1000)
            deadline = time.monotonic() + 5
            while not synced and time.monotonic() < deadline:
                time.sleep(0.01)
        after = len(synced)
        time.sleep(0.05)
        assert synced and set(synced) == {fh.fileno()}
        assert len(synced) == after  # nothing flushes once the block has ended
    with fileio.synced_while_writing(io.BytesIO()):
        pass
