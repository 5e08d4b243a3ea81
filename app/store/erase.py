"""Deleting cache files so that what was in them is as hard as possible to recover.

Each file is overwritten with random bytes, flushed to disk, then unlinked. On SSDs and
copy-on-write file systems an overwrite may land on new blocks and leave the old ones
behind, so this is a second line of defence only: the first is that every file we erase
was encrypted, and its key is destroyed (keyring secret and wrapped key) *before* the
files are touched, which makes any leftover blocks unreadable.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

_CHUNK = 1024 * 1024


def erase_file(path: Path) -> None:
    """Overwrite ``path`` with random bytes, sync it, and delete it; missing is fine."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    try:
        with path.open("r+b", buffering=0) as handle:
            remaining = size
            while remaining > 0:
                chunk = min(_CHUNK, remaining)
                handle.write(secrets.token_bytes(chunk))
                remaining -= chunk
            os.fsync(handle.fileno())
    except OSError as exc:
        # Still delete it: an unlinked encrypted file whose key is gone is safe enough,
        # and leaving it would look like the wipe never happened.
        log.warning("could not overwrite a cache file before deleting it: %s", exc.strerror)
    path.unlink(missing_ok=True)


def erase_tree(folder: Path) -> None:
    """Erase every file below ``folder``, then remove the folders themselves."""
    if not folder.exists():
        return
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        elif path.is_symlink():
            path.unlink()
        else:
            erase_file(path)
    folder.rmdir()
