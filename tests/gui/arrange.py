"""Arranging a cache the way a sync would have left it: a conflict, a refused change.

Made through the cache's own API — the calls the sync engine makes when the index
answers a push with ``conflict`` or ``rejected`` — so the windows meet exactly what a
real sync leaves behind. Used by the GUI tests and the screenshots.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.domain.changes import EndInvolvement, Mutation, MutationPayload, Pin
from app.domain.policy import visible_record
from app.domain.reasons import ReasonCode
from app.domain.roles import Role
from app.store.cache import Cache
from tests.gui import synthetic

REFUSAL = (
    "Your mandatory Everychild training has not been recorded as complete. Please complete "
    "it, then ask your user administrator to record it."
)


def change(cache: Cache, child_id: str, payload: MutationPayload, at: datetime) -> str:
    """Make a change as the synthetic practitioner; return its mutation id."""
    mutation = Mutation(id=uuid.uuid4().hex, child_id=child_id, created_at=at, payload=payload)
    cache.apply_local_change(mutation, actor=synthetic.user(Role.PRACTITIONER), now=at)
    return mutation.id


def conflict_on_leo(cache: Cache, now: datetime) -> str:
    """Leo's involvement ended here after it had been ended on another computer."""
    ended = change(
        cache,
        synthetic.LEO.index_id,
        EndInvolvement(involvement_id="involvement-3", end_date=now.date(), base_version=1),
        now - timedelta(hours=3),
    )
    leo_now = synthetic.LEO.model_copy(
        update={
            "version": 2,
            "involvements": tuple(
                i.model_copy(update={"end_date": now.date() - timedelta(days=1), "version": 2})
                if i.id == "involvement-3"
                else i
                for i in synthetic.LEO.involvements
            ),
        }
    )
    cache.move_to_conflicts(ended, visible_record(synthetic.user(Role.PRACTITIONER), leo_now))
    return ended


def refused_pin_on_john(cache: Cache, now: datetime) -> str:
    """A pin of Johnathan's record that the index refused."""
    pinned = change(
        cache,
        synthetic.JOHN.index_id,
        Pin(reason_code=ReasonCode.IDENTIFY_INVOLVED.value),
        now - timedelta(hours=2),
    )
    cache.mark_rejected(pinned, "training_incomplete", REFUSAL)
    return pinned
