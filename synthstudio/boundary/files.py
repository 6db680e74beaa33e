"""Files in and out, for every command: one way to open an input file, one atomic writer.

:func:`open_input` opens a file to read and :func:`read_text` reads a small one whole;
every way either can fail is one sentence naming the file.

:func:`atomic_writer` writes a temp file in the target's folder, fsyncs it, then renames
it over the target, so a crash or a full disk leaves the target as it was (or absent),
never half written. A symlink is written through: the file it points to is replaced and
the link stays. ``-`` is standard output. Every way writing can fail ends in one sentence
naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from synthstudio.errors import InputError, SynthError

#: the output name that means standard output
STDOUT = "-"


def open_input(path: str | Path, mode: str = "rb", *, what: str = "file") -> IO[Any]:
    """Open an input file, turning every way it can fail into one sentence naming it.

    ``what`` names the kind of file where it is missing ("no such rubric file")."""
    path = Path(path)
    try:
        if "b" in mode:
            return path.open(mode)
        return path.open(mode, encoding="utf-8", errors="strict")
    except FileNotFoundError:
        raise InputError(f"no such {what}", path=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", path=str(path)) from None
    except OSError as exc:
        raise _unreadable(path, exc) from exc


def _unreadable(path: Path, exc: OSError) -> InputError:
    return InputError(f"cannot be read ({exc.strerror or exc})", path=str(path))


def read_text(path: str | Path, *, what: str = "file") -> str:
    """The whole of a small UTF-8 input file (a setting, a rubric, a prompt) as one str,
    line ends made ``\\n`` as a file opened as text reads them. Fails as
    :func:`open_input` does; a byte that is not UTF-8 is one sentence naming its line."""
    path = Path(path)
    with open_input(path, "rb", what=what) as fh:
        try:
            data = fh.read()
        except OSError as exc:
            raise _unreadable(path, exc) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError("is not valid UTF-8", path=str(path), line=line,
                         hint="Save it as UTF-8 text.") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_stdout(path: str | Path | None) -> bool:
    return path is None or str(path) == STDOUT


def to_terminal(path: str | Path | None) -> bool:
    """Whether writing to ``path`` shows on a terminal (so text must be made inert)."""
    return is_stdout(path) and sys.stdout.isatty()


def write_error(path: str | Path, exc: OSError) -> SynthError:
    """One sentence for a failed write, with what to do about it."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = f"Free some disk space and run it again; {path} is as it was."
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "Check the folder's permissions, or write somewhere else."
    else:
        hint = f"{path} is as it was."
    return SynthError(f"Cannot write {path}: {reason[:1].lower() + reason[1:]}.", hint)


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)  # keep the target's permissions
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask  # as a plainly created file would be (mkstemp makes 0600)


@contextmanager
def atomic_writer(path: str | Path, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """A text stream that replaces ``path`` when the block ends without an error.

    ``-`` yields standard output (nothing to replace). On any error the temp file is
    removed and the target is left as it was.
    """
    if is_stdout(path):
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(os.path.realpath(path))  # through a symlink, to its target
    folder = target.parent
    if not folder.is_dir():
        raise InputError("its folder does not exist", path=str(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise write_error(path, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="\n") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise write_error(path, exc) from exc
        raise


#: seconds between two early flushes of :func:`synced_while_writing`
EARLY_SYNC_S = 0.25


@contextmanager
def synced_while_writing(fh: Any) -> Iterator[None]:
    """Flush what has reached the OS to disk every :data:`EARLY_SYNC_S` while the block
    writes ``fh`` (on a thread of its own, the GIL released), so that the writer's final
    fsync waits for the last fraction of a big file instead of all of it. Only a speed-up:
    a failed early flush is left to the final fsync to report."""
    try:
        fd = fh.fileno()
        os.fstat(fd)
    except (OSError, ValueError):  # no file underneath (a test's buffer)
        yield
        return
    sync = getattr(os, "fdatasync", os.fsync)
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(EARLY_SYNC_S):
            try:
                sync(fd)
            except OSError:
                return

    flusher = threading.Thread(target=run, name="synthstudio-sync", daemon=True)
    flusher.start()
    try:
        yield
    finally:
        stop.set()
        flusher.join()  # before the file (and so ``fd``) can be closed
