"""A lock so that two scrapes never run at once, even in two processes.

flock() is released by the kernel when the holder dies, so a crashed scrape never leaves a
stale lock behind; the file only says who held it last, for the error message.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from .db import utcnow
from .errors import ScrapeLocked


@contextmanager
def exclusive(path: Path, what: str = "scrape"):
    """Hold the lock at `path` for the block, or raise ScrapeLocked at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = Path(path).read_text().strip() or "another process"
            raise ScrapeLocked(f"another {what} is running ({holder}); try again later") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {utcnow()}".encode())
        yield
    finally:
        os.close(fd)
