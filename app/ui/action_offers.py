"""Which changes to offer on an open record: only what the rules would allow (PRODUCT.md §1).

Qt-free. Every answer comes from ``app.domain.policy.permit`` — the very function the
index runs when the change reaches it — so the client offers nothing the index would
refuse for the user's role, and re-implements no rule. The index refuses anyway: this
only spares the user a refusal.

A record that is not in the copy on this computer (found by searching the index) can be
changed only while signed in, because the change must go to the index at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.policy import Action, permit
from app.domain.records import ChildRecord, Indicator, Involvement
from app.domain.roles import User


@dataclass(frozen=True)
class Offers:
    """The changes the user may make to one record now."""

    #: Record the user as involved (their own service; consent first if it is sensitive).
    add_involvement: bool = False
    #: The user's own active involvements they may end.
    end: tuple[Involvement, ...] = ()
    #: The user's own active involvements they may set an indicator on.
    set_indicator: tuple[Involvement, ...] = ()
    #: The user's own indicators they may clear, with their involvements.
    clear: tuple[tuple[Involvement, Indicator], ...] = ()
    #: Keep the record in the offline caseload (a reason for access is asked).
    pin: bool = False
    #: Stop keeping a pinned record offline.
    unpin: bool = False

    @property
    def any(self) -> bool:
        """True if any change is offered."""
        return bool(
            self.add_involvement
            or self.end
            or self.set_indicator
            or self.clear
            or self.pin
            or self.unpin
        )


NOTHING = Offers()


def offers_for(
    user: User | None,
    record: ChildRecord,
    *,
    today: date,
    cached: bool,
    pinned: bool,
    signed_in: bool,
) -> Offers:
    """What ``user`` may change on ``record`` today; nothing if the index never said who."""
    if user is None or not (cached or signed_in):
        return NOTHING

    def allowed(action: Action, involvement: Involvement | None = None) -> bool:
        return permit(user, action, today=today, record=record, involvement=involvement).allowed

    own = tuple(i for i in record.involvements if i.practitioner_id == user.id)
    return Offers(
        # An involvement is always in the user's own service: without one there is none.
        add_involvement=bool(user.service_code) and allowed(Action.ADD_OWN_INVOLVEMENT),
        end=tuple(i for i in own if allowed(Action.END_OWN_INVOLVEMENT, i)),
        set_indicator=tuple(i for i in own if allowed(Action.SET_OWN_INDICATOR, i)),
        clear=tuple(
            (involvement, indicator)
            for involvement in own
            if allowed(Action.CLEAR_OWN_INDICATOR, involvement)
            for indicator in involvement.indicators
        ),
        pin=not pinned and allowed(Action.OPEN),
        # Taking a record out of one's own offline copy is always allowed.
        unpin=pinned,
    )
