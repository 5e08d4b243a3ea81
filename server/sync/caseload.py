"""Whose caseload a child is in: the children a user is actively involved with, or pinned.

This is what a user's desktop client keeps offline (PRODUCT.md §6).
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from server.children.models import ChildRow, InvolvementRow, PinRow


def caseload_query(user_id: str) -> Select[str]:
    """Index ids in ``user_id``'s caseload."""
    involved = select(InvolvementRow.child_id).where(
        InvolvementRow.practitioner_id == user_id, InvolvementRow.end_date.is_(None)
    )
    pinned = select(PinRow.child_id).where(PinRow.user_id == user_id)
    return select(ChildRow.index_id).where(
        or_(ChildRow.index_id.in_(involved), ChildRow.index_id.in_(pinned))
    )


def caseload_ids(session: Session, user_id: str) -> set[str]:
    """Every index id in the user's caseload."""
    return set(session.scalars(caseload_query(user_id)))


def in_caseload(session: Session, *, user_id: str, child_id: str) -> bool:
    """True if the child is in the user's caseload."""
    return child_id in set(
        session.scalars(caseload_query(user_id).where(ChildRow.index_id == child_id))
    )


def holders(session: Session, child_id: str) -> set[str]:
    """Every user whose caseload holds the child (actively involved or pinned)."""
    involved = session.scalars(
        select(InvolvementRow.practitioner_id).where(
            InvolvementRow.child_id == child_id, InvolvementRow.end_date.is_(None)
        )
    )
    pinned = session.scalars(select(PinRow.user_id).where(PinRow.child_id == child_id))
    return set(involved) | set(pinned)
