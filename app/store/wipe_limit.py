"""The wipe limit, mirrored beside the encrypted cache so that a copy past it is destroyed
when the client starts.

PRODUCT.md §6: after the wipe limit (default 14 days without reaching the index) the
cache is destroyed. Inside the cache, the last contact and the policy are checked when
it is unlocked (``Cache.check_wipe``) — which needs someone to unlock it: a laptop left
in a drawer for a month would keep its copy until then. So every contact with the index
also writes, beside ``profile.json``, the moment the copy falls due
(``wipe-due.json``: that moment and the limit in days; nothing about anyone), and the
client destroys every profile past it when it starts, before anyone signs in.

The mirror only ever brings the wipe forward: a missing or unreadable file means "not
known", and the check at unlock still applies.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from app.store.profiles import Profile, write_private

log = logging.getLogger(__name__)

WIPE_DUE_FILE = "wipe-due.json"


class WipeDue(BaseModel):
    """When a profile's copy is destroyed unless the index is reached before then."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    due_at: datetime
    limit_days: int = Field(ge=1)


def record_wipe_due(profile: Profile, *, last_contact: datetime, limit_days: int) -> WipeDue:
    """Note that the copy falls due ``limit_days`` after ``last_contact``."""
    due = WipeDue(due_at=last_contact + timedelta(days=limit_days), limit_days=limit_days)
    write_private(profile.folder / WIPE_DUE_FILE, due.model_dump_json())
    return due


def wipe_due(profile: Profile) -> WipeDue | None:
    """The mirrored due moment, or ``None`` if there is none (or it cannot be read)."""
    try:
        return WipeDue.model_validate_json((profile.folder / WIPE_DUE_FILE).read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, PydanticValidationError):
        log.warning("wipe-due file of profile %s unreadable", profile.profile_id)
        return None


def overdue(profiles: Iterable[Profile], now: datetime) -> list[tuple[Profile, WipeDue]]:
    """The profiles whose copy is past its wipe limit at ``now``."""
    found = []
    for profile in profiles:
        due = wipe_due(profile)
        if due is not None and now > due.due_at:
            found.append((profile, due))
    return found
