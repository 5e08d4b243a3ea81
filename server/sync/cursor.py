"""Sync cursors: an opaque position in the change log, bound to one user and access epoch.

A cursor is urlsafe base64 of compact JSON. Clients never look inside; they send back the
last cursor they received. It carries:

* ``u`` — the user it was issued to (a cursor is useless to anyone else);
* ``e`` — that user's ``access_epoch`` when it was issued: an administrator bumps the
  epoch when what the user may see changes, which expires every cursor and forces a
  full resync, so nothing the user may no longer see survives in their cache;
* ``p`` — the change-log position the client holds everything up to (during a snapshot,
  the high-water mark taken when the snapshot began);
* ``a`` — while a snapshot is under way, the last index id it sent; absent afterwards.

Nothing in a cursor widens access: every page is built from the caller's own caseload
and filtered by the access policy, so a forged cursor can only make its holder miss
changes, which the caseload digest then reveals.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class MalformedCursorError(ValueError):
    """The text is not a cursor this index issued."""


class _CursorData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1]
    u: str = Field(min_length=1, max_length=36)
    e: int = Field(ge=0)
    p: int = Field(ge=0)
    a: str | None = Field(default=None, min_length=1, max_length=20)


@dataclass(frozen=True)
class Cursor:
    """A decoded cursor.

    ``snapshot_after`` is ``None`` for an incremental cursor; during a snapshot it is the
    last index id sent (``""`` before the first page, which is never encoded).
    """

    user_id: str
    access_epoch: int
    position: int
    snapshot_after: str | None = None

    @property
    def in_snapshot(self) -> bool:
        """True while a snapshot of the caseload is still being sent."""
        return self.snapshot_after is not None


def encode(cursor: Cursor) -> str:
    """The opaque text form of ``cursor``."""
    data = _CursorData(
        v=1,
        u=cursor.user_id,
        e=cursor.access_epoch,
        p=cursor.position,
        a=cursor.snapshot_after or None,
    )
    raw = data.model_dump_json(exclude_none=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str) -> Cursor:
    """Parse a cursor; raise ``MalformedCursorError`` for anything this index did not issue."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        # ValueError covers pydantic's ValidationError and undecodable bytes.
        data = _CursorData.model_validate_json(raw)
    except (ValueError, binascii.Error) as exc:
        raise MalformedCursorError(text[:20]) from exc
    return Cursor(user_id=data.u, access_epoch=data.e, position=data.p, snapshot_after=data.a)
