"""Crash-safe file writing and cross-process locking.

Used by the decision record and by every export (briefs, reports, data specs), so that a process
killed mid-write never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "file_lock", "read_regular_file", "remove_stale_temporaries",
           "FileTooLarge", "NotARegularFile"]


class NotARegularFile(OSError):
    """The path names a folder, a device or a pipe, not a file."""


class FileTooLarge(OSError):
    """The file is larger than the caller accepts (``.size`` holds its size in bytes)."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"{size} bytes is over the limit of {limit}")
        self.size, self.limit = size, limit


def read_regular_file(path: str | os.PathLike, *, max_bytes: int | None = None) -> bytes:
    """Read a whole regular file, checking the file actually opened rather than the path beforehand.

    Open first, then ``fstat`` the open descriptor: a path swapped for a symlink or a pipe between a check
    and the read cannot slip through (there is no such window). ``O_NONBLOCK`` keeps a FIFO from blocking
    the open. Raises ``FileNotFoundError``, ``IsADirectoryError``/:class:`NotARegularFile`,
    :class:`FileTooLarge`, ``PermissionError``, or ``ValueError`` for a path holding a NUL byte.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    import stat

    fd = os.open(os.fspath(path), flags)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(f"{path} is a folder")
        raise NotARegularFile(f"{path} is not a regular file")
    with os.fdopen(fd, "rb") as fh:
        if max_bytes is not None and st.st_size > max_bytes:
            raise FileTooLarge(st.st_size, max_bytes)
        data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
        if max_bytes is not None and len(data) > max_bytes:  # grew while we read
            raise FileTooLarge(len(data), max_bytes)
        return data


def remove_stale_temporaries(path: str | os.PathLike, *, older_than: float = 0.0) -> int:
    """Delete temporary files a killed save of ``path`` (or of its ``.bak``) left behind; returns how many.

    Call it only while holding :func:`file_lock` on ``path``: then no other save of this file is running,
    so every such temporary file is a leftover.
    """
    import time

    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    removed = 0
    now = time.time()
    for prefix in (f".{path.name}.", f".{path.name}.bak."):
        try:
            candidates = [p for p in directory.iterdir() if p.name.startswith(prefix) and p.name.endswith(".tmp")]
        except OSError:
            return removed
        for p in candidates:
            with contextlib.suppress(OSError):
                if p.is_file() and not p.is_symlink() and now - p.lstat().st_mtime >= older_than:
                    p.unlink()
                    removed += 1
    return removed


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some filesystems do not allow opening a directory
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, backup: bool = False) -> Path:
    """Write ``data`` to ``path`` so that readers see either the old or the new file, never a mix.

    The bytes go to a temporary file in the same folder, which is flushed and fsynced and then
    renamed over ``path``. With ``backup=True`` the previous file is first hard-linked (or copied)
    to ``path + ".bak"``, so the version before this save stays available.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    if backup and path.exists():
        bak = path.with_name(path.name + ".bak")
        # The backup itself is written atomically too: a kill here leaves the old .bak or the new one.
        atomic_write_bytes(bak, path.read_bytes(), backup=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)
    return path


def atomic_write_text(path: str | os.PathLike, text: str, *, backup: bool = False) -> Path:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    return atomic_write_bytes(path, text.encode("utf-8"), backup=backup)


@contextlib.contextmanager
def file_lock(path: str | os.PathLike, *, timeout: float = 30.0):
    """Hold an exclusive advisory lock on ``path + ".lock"`` across processes (POSIX ``flock``).

    Two kernels saving the same decision record take turns: each re-reads the file under the lock,
    changes only its own section and writes it back, so neither loses the other's change.
    """
    import time

    lock_path = Path(str(path) + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: fall back to no locking
            yield
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    from ..errors import RecordError

                    raise RecordError(
                        f"{path}: another process has held the lock for over {timeout:.0f} s; "
                        f"try again, or delete {lock_path} if no notebook is saving."
                    ) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
