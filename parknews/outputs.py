"""Putting a finished output file in place, and telling afterwards whether it got there.

A run's lines are written to a hidden temporary file beside the target. Then
either the file replaces the target (``os.replace``: a new file, or ``-O``),
or its lines are appended to the target (``-o``) with one ``write`` and an
``fsync``. Before either, the run notes in the state where its lines go
(:class:`Placement`, JSON), so that the next run, finding that note, can tell
whether the lines arrived: the replaced file has the temporary file's inode
and size; an append left the target with the batch's exact bytes at the
offset noted. An append cut short (a kill mid-``write``, a power cut) is cut
off again, so the file never keeps half a batch.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    """Where a run's lines go, noted before they go there."""

    #: ``replace`` (the temporary file becomes the target) or ``append``
    how: str
    target: str
    temporary: str
    #: replace: the temporary file's identity, which the rename keeps
    device: int = 0
    inode: int = 0
    size: int = 0
    #: append: where the batch starts in the target, its length and digest
    offset: int = 0
    sha256: str = ""

    @classmethod
    def replacing(cls, temporary: Path, target: Path) -> Placement:
        info = temporary.stat()
        return cls("replace", str(target), str(temporary), info.st_dev, info.st_ino, info.st_size)

    @classmethod
    def appending(cls, temporary: Path, target: Path, batch: bytes, offset: int) -> Placement:
        digest = hashlib.sha256(batch).hexdigest()
        return cls("append", str(target), str(temporary), size=len(batch), offset=offset, sha256=digest)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Placement:
        return cls(**data)

    def arrived(self) -> bool:
        """Whether the lines are in the target, whole."""
        target = Path(self.target)
        try:
            info = target.stat()
        except OSError:
            return False
        if self.how == "replace":
            return (info.st_dev, info.st_ino, info.st_size) == (self.device, self.inode, self.size)
        if info.st_size < self.offset + self.size:
            return False
        with target.open("rb") as file:
            file.seek(self.offset)
            return hashlib.sha256(file.read(self.size)).hexdigest() == self.sha256

    def clear_temporary(self) -> None:
        Path(self.temporary).unlink(missing_ok=True)

    def take_back(self) -> None:
        """Undo what a stopped placement left: its temporary file, and the part
        of a batch an append had written (the target is cut back to the offset)."""
        self.clear_temporary()
        if self.how != "append":
            return
        target = Path(self.target)
        try:
            size = target.stat().st_size
        except OSError:
            return
        if self.offset < size < self.offset + self.size:
            logger.warning("Cutting off %d bytes of %s: half a batch of a stopped run", size - self.offset, target)
            os.truncate(target, self.offset)
            fsync_dir(target.parent)


def put_in_place(temporary: Path, target: Path) -> None:
    """The finished file becomes the target, in one step for any reader."""
    os.replace(temporary, target)
    fsync_dir(target.parent)


def append_batch(batch: bytes, target: Path) -> None:
    """Append the batch's whole lines to the target with one ``write`` (a loop
    only if the kernel writes less), then ``fsync``: no other writer's bytes
    and no half line of ours between them."""
    fd = os.open(target, os.O_WRONLY | os.O_APPEND)
    try:
        view = memoryview(batch)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def cut_torn_line(target: Path) -> int:
    """Cut off a last line without its newline (a crash in the middle of
    someone's write), so that the next batch starts on a line of its own.
    Returns the target's size afterwards."""
    with target.open("rb+") as file:
        size = file.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        file.seek(size - 1)
        if file.read(1) == b"\n":
            return size
        keep, end = 0, size
        while end > 0:
            start = max(0, end - (1 << 16))
            file.seek(start)
            newline = file.read(end - start).rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            end = start
        logger.warning("Cutting off the last %d bytes of %s: a line left unfinished", size - keep, target)
        file.truncate(keep)
        file.flush()
        os.fsync(file.fileno())
        return keep


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
