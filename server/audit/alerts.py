"""Unusual-activity alerts: rules over the audit trail that flag patterns worth a look.

PRODUCT.md §5 (from seed 004) names the patterns; each is one function here, computed on
demand from the trail itself, so an alert can always be traced back to the entries that
raised it (``entry_ids``). Days and hours are judged in UK local time (Europe/London),
because "out of hours" and "a day's volume" mean what they mean to the people being
audited.

Every alert belongs to one UK day, and the rules always judge whole days: a window is
widened to the days it touches, and the alerts with evidence inside it are reported. So
an alert's id, count and evidence are the same whichever window finds it, and its id
(``ALERT_ID``: the day, then a digest of the rule, the user and what the alert is about
— the day, or the one entry) is what a review keys on (``server.audit.reviews``). The id
names its day so that the alert can be found again from the id alone.

The thresholds are module constants so an operator (and a test) can see them.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.audit import AuditAction
from app.domain.names import name_tokens
from app.domain.roles import Role
from server.audit.models import AuditRow
from server.audit.schemas import AlertOut
from server.audit.service import ACCESS_ACTIONS, UK, check_window
from server.auth.models import UserRow
from server.children.models import ChildRow, InvolvementRow
from server.errors import ApiError

#: The longest window one request may analyse.
MAX_WINDOW_DAYS = 92
#: Working hours in UK local time; activity outside them is flagged.
DAY_STARTS = time(7, 0)
DAY_ENDS = time(20, 0)
#: A day's accesses are a burst when at least this many …
BURST_FLOOR = 40
#: … and at least this many times the user's usual daily volume …
BURST_FACTOR = 4
#: … judged over the active days among this many days before.
BASELINE_DAYS = 28
#: Many searches with few opens: at least this many searches in a day …
SEARCH_FLOOR = 20
#: … of which fewer than this share led to opening a record.
OPEN_SHARE = 0.1
#: Admin actions (``details["action"]``) that suspend (True) or reinstate (False) a user.
_SUSPENSION_CHANGES = {"suspend_user": True, "reinstate_user": False}
#: Values per ``IN (…)`` query: well inside every backend's parameter limit.
_IN_BATCH = 500
#: Evidence listed per alert (the count says how many there were in all).
MAX_EVIDENCE = 20
#: An alert id: its UK day (``YYYYMMDD``), then 20 hex digits of digest.
ALERT_ID = re.compile(r"^(\d{4})(\d{2})(\d{2})-[0-9a-f]{20}$")

#: Things a person does (as opposed to what their client does in the background).
USER_ACTIONS = frozenset(AuditAction) - {
    AuditAction.LOGIN_FAILED,
    AuditAction.TOKEN_REFRESH,
    AuditAction.SYNC_PULL,
    AuditAction.SYNC_PUSH,
    AuditAction.LOCK,
    AuditAction.LOGOUT,
    AuditAction.CACHE_WIPE,
    AuditAction.RETENTION_DESTROY,
}
#: Looking at or taking away one child's record.
RECORD_ACTIONS = frozenset({AuditAction.OPEN, AuditAction.EXPORT, AuditAction.PRINT})


@dataclass(frozen=True)
class _Entry:
    """The fields of an audit row the rules read."""

    seq: int
    id: str
    at: datetime
    actor_id: str
    action: str
    child_id: str | None
    reason_code: str | None
    details: dict[str, Any]

    @property
    def local(self) -> datetime:
        return self.at.astimezone(UK)


@dataclass(frozen=True)
class _User:
    id: str
    username: str
    display_name: str
    roles: frozenset[str]


_NOBODY = _User(id="", username="", display_name="", roles=frozenset())


@dataclass(frozen=True)
class _Finding:
    """An alert, and the time of every entry behind it (to place it in a window)."""

    alert: AlertOut
    times: tuple[datetime, ...]


def _alert(
    rule: str,
    key: str,
    actor_id: str,
    entries: Sequence[_Entry],
    summary: str,
    *,
    user: _User | None,
    child_id: str | None = None,
    count: int | None = None,
) -> _Finding:
    # Keyed on the actor's id, not the resolved user: two unknown actors stay apart.
    day = entries[0].local.date()
    digest = hashlib.sha256(f"{rule}|{actor_id}|{key}".encode()).hexdigest()
    alert = AlertOut(
        id=f"{day:%Y%m%d}-{digest[:20]}",
        rule=rule,
        user_id=actor_id,
        username=user.username if user else None,
        first_at=min(e.at for e in entries),
        last_at=max(e.at for e in entries),
        count=len(entries) if count is None else count,
        child_id=child_id,
        summary=summary,
        entry_ids=[e.id for e in entries[:MAX_EVIDENCE]],
    )
    return _Finding(alert=alert, times=tuple(e.at for e in entries))


def _load(session: Session, since: datetime, until: datetime) -> list[_Entry]:
    rows = session.execute(
        select(
            AuditRow.seq,
            AuditRow.id,
            AuditRow.at,
            AuditRow.actor_id,
            AuditRow.action,
            AuditRow.child_id,
            AuditRow.reason_code,
            AuditRow.details,
        )
        .where(AuditRow.actor_id.is_not(None), AuditRow.at >= since, AuditRow.at < until)
        .order_by(AuditRow.at, AuditRow.seq)
    )
    return [
        _Entry(
            seq=r.seq,
            id=r.id,
            at=r.at,
            actor_id=r.actor_id,
            action=r.action,
            child_id=r.child_id,
            reason_code=r.reason_code,
            details=r.details if isinstance(r.details, dict) else {},
        )
        for r in rows
    ]


def _batched(values: Iterable[str | None]) -> Iterator[list[str]]:
    """Distinct values in slices small enough for one ``IN (…)`` on any backend."""
    distinct = sorted({v for v in values if v is not None})
    for start in range(0, len(distinct), _IN_BATCH):
        yield distinct[start : start + _IN_BATCH]


def _users(session: Session, ids: Iterable[str]) -> dict[str, _User]:
    users = {}
    for batch in _batched(ids):
        for r in session.execute(
            select(UserRow.id, UserRow.username, UserRow.display_name, UserRow.roles).where(
                UserRow.id.in_(batch)
            )
        ):
            users[r.id] = _User(
                id=r.id,
                username=r.username,
                display_name=r.display_name,
                roles=frozenset(x for x in r.roles.split(",") if x),
            )
    return users


def _by_user_day(entries: Iterable[_Entry]) -> dict[tuple[str, date], list[_Entry]]:
    groups: dict[tuple[str, date], list[_Entry]] = defaultdict(list)
    for entry in entries:
        groups[(entry.actor_id, entry.local.date())].append(entry)
    return groups


# --- the rules ------------------------------------------------------------------------


def bursts(
    session: Session, entries: Sequence[_Entry], users: dict[str, _User], since: datetime
) -> list[_Finding]:
    """Days with far more accesses than the user's usual daily volume."""
    in_window = _by_user_day(e for e in entries if e.action in ACCESS_ACTIONS)
    candidates = {key: day for key, day in in_window.items() if len(day) >= BURST_FLOOR}
    if not candidates:
        return []
    first_day = min(day for _, day in candidates) - timedelta(days=BASELINE_DAYS)
    history_rows = session.execute(
        select(AuditRow.actor_id, AuditRow.at).where(
            AuditRow.actor_id.in_({user_id for user_id, _ in candidates}),
            AuditRow.action.in_([a.value for a in ACCESS_ACTIONS]),
            AuditRow.at >= datetime.combine(first_day, time(0), UK),
            AuditRow.at < since,
        )
    )
    daily: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for history_actor, at in history_rows:
        if history_actor is not None:
            daily[history_actor][at.astimezone(UK).date()] += 1
    for (actor_id, day), day_entries in in_window.items():
        daily[actor_id][day] += len(day_entries)
    alerts = []
    for (actor_id, day), day_entries in sorted(candidates.items()):
        earlier = [
            count
            for other_day, count in daily[actor_id].items()
            if day - timedelta(days=BASELINE_DAYS) <= other_day < day
        ]
        usual = sum(earlier) / len(earlier) if earlier else 0.0
        if len(day_entries) < BURST_FACTOR * usual:
            continue
        habit = (
            f"against a usual {usual:.0f} on active days of the previous {BASELINE_DAYS}"
            if earlier
            else f"with no activity in the previous {BASELINE_DAYS} days"
        )
        alerts.append(
            _alert(
                "burst",
                day.isoformat(),
                actor_id,
                day_entries,
                f"{len(day_entries)} searches and record openings on {day.isoformat()}, {habit}.",
                user=users.get(actor_id),
            )
        )
    return alerts


def searches_without_opens(entries: Sequence[_Entry], users: dict[str, _User]) -> list[_Finding]:
    """Days of many searches that rarely led to opening a record (browsing the index)."""
    alerts = []
    for (actor_id, day), day_entries in sorted(_by_user_day(entries).items()):
        searches = [e for e in day_entries if e.action == AuditAction.SEARCH]
        opens = sum(1 for e in day_entries if e.action == AuditAction.OPEN)
        if len(searches) < SEARCH_FLOOR or opens >= OPEN_SHARE * len(searches):
            continue
        alerts.append(
            _alert(
                "searches_without_opens",
                day.isoformat(),
                actor_id,
                searches,
                f"{len(searches)} searches on {day.isoformat()} but only {opens} "
                f"record{'s' if opens != 1 else ''} opened.",
                user=users.get(actor_id),
            )
        )
    return alerts


def vague_reason_without_involvement(
    session: Session, entries: Sequence[_Entry], users: dict[str, _User]
) -> list[_Finding]:
    """Records opened for reason ``other`` by someone never involved with the child."""
    vague = [
        e
        for e in entries
        if e.action == AuditAction.OPEN and e.reason_code == "other" and e.child_id
    ]
    if not vague:
        return []
    involved = {
        (child_id, practitioner_id)
        for batch in _batched(e.child_id for e in vague)
        for child_id, practitioner_id in session.execute(
            select(InvolvementRow.child_id, InvolvementRow.practitioner_id).where(
                InvolvementRow.child_id.in_(batch)
            )
        )
    }
    return [
        _alert(
            "vague_reason_without_involvement",
            e.id,
            e.actor_id,
            [e],
            "Opened a record giving only the reason 'other', without being involved with "
            "the child.",
            child_id=e.child_id,
            user=users.get(e.actor_id),
        )
        for e in vague
        if (e.child_id, e.actor_id) not in involved
    ]


def out_of_hours(entries: Sequence[_Entry], users: dict[str, _User]) -> list[_Finding]:
    """Use of the index before the working day starts or after it ends (UK time)."""
    late = [
        e
        for e in entries
        if e.action in USER_ACTIONS and not DAY_STARTS <= e.local.time() < DAY_ENDS
    ]
    alerts = []
    for (actor_id, day), day_entries in sorted(_by_user_day(late).items()):
        times = sorted({e.local.strftime("%H:%M") for e in day_entries})
        alerts.append(
            _alert(
                "out_of_hours",
                day.isoformat(),
                actor_id,
                day_entries,
                f"{len(day_entries)} action{'s' if len(day_entries) != 1 else ''} outside "
                f"{DAY_STARTS:%H:%M}–{DAY_ENDS:%H:%M} on {day.isoformat()} "
                f"(UK time: {', '.join(times[:5])}{'…' if len(times) > 5 else ''}).",
                user=users.get(actor_id),
            )
        )
    return alerts


def _shield_history(
    session: Session, child_ids: set[str], until: datetime
) -> Callable[[str, datetime], bool]:
    """Whether a child was shielded at a moment, from the trail's shield/unshield entries.

    Records shielded without an entry (demo seeding, supplier imports) fall back to the
    record's current state from its ``shielded_at``.
    """
    events: dict[str, list[tuple[datetime, bool]]] = defaultdict(list)
    current: dict[str, tuple[bool, datetime | None]] = {}
    for batch in _batched(child_ids):
        for child_id, at, action in session.execute(
            select(AuditRow.child_id, AuditRow.at, AuditRow.action)
            .where(
                AuditRow.child_id.in_(batch),
                AuditRow.action.in_([AuditAction.SHIELD.value, AuditAction.UNSHIELD.value]),
                AuditRow.at < until,
            )
            .order_by(AuditRow.at, AuditRow.seq)
        ):
            if child_id is not None:
                events[child_id].append((at, action == AuditAction.SHIELD.value))
        for index_id, is_shielded, shielded_at in session.execute(
            select(ChildRow.index_id, ChildRow.shielded, ChildRow.shielded_at).where(
                ChildRow.index_id.in_(batch)
            )
        ):
            current[index_id] = (is_shielded, shielded_at)

    def shielded(child_id: str, at: datetime) -> bool:
        history = events.get(child_id)
        if history:
            before = [state for moment, state in history if moment <= at]
            return before[-1] if before else not history[0][1]
        state, since = current.get(child_id, (False, None))
        return state and (since is None or since <= at)

    return shielded


def shielded_access(
    session: Session, entries: Sequence[_Entry], users: dict[str, _User], until: datetime
) -> list[_Finding]:
    """Shielded records opened, exported or printed by anyone but an index manager.

    Index managers shield, review and unshield these records as their job; anyone else
    reaching one is exactly the case shielding exists for.
    """
    touching = [
        e
        for e in entries
        if e.action in RECORD_ACTIONS
        and e.child_id
        and Role.INDEX_MANAGER.value not in users.get(e.actor_id, _NOBODY).roles
    ]
    if not touching:
        return []
    was_shielded = _shield_history(session, {e.child_id for e in touching if e.child_id}, until)
    return [
        _alert(
            "shielded_record",
            e.id,
            e.actor_id,
            [e],
            f"Reached a shielded record ({e.action}).",
            child_id=e.child_id,
            user=users.get(e.actor_id),
        )
        for e in touching
        if e.child_id and was_shielded(e.child_id, e.at)
    ]


def _family_tokens(display_name: str) -> set[str]:
    # A display name is "given … family"; a double-barrelled family name counts by part.
    words = display_name.split()
    return set(name_tokens(words[-1])) if words else set()


def _searched_family_name(details: dict[str, Any]) -> str | None:
    criteria = details.get("criteria")
    source = criteria if isinstance(criteria, dict) else details
    value = source.get("family_name")
    return value if isinstance(value, str) else None


def own_family_name(
    session: Session, entries: Sequence[_Entry], users: dict[str, _User]
) -> list[_Finding]:
    """Children looked up who share the user's own family name (a relative, perhaps)."""
    opened = [e for e in entries if e.action in RECORD_ACTIONS and e.child_id]
    families = {
        index_id: family_name
        for batch in _batched(e.child_id for e in opened)
        for index_id, family_name in session.execute(
            select(ChildRow.index_id, ChildRow.family_name).where(ChildRow.index_id.in_(batch))
        )
    }
    alerts = []
    for e in entries:
        user = users.get(e.actor_id)
        if user is None:
            continue
        looked_up: str | None
        if e.action in RECORD_ACTIONS and e.child_id in families:
            looked_up = families[e.child_id]
        elif e.action == AuditAction.SEARCH:
            looked_up = _searched_family_name(e.details)
        else:
            continue
        if looked_up and _family_tokens(user.display_name) & set(name_tokens(looked_up)):
            alerts.append(
                _alert(
                    "own_family_name",
                    e.id,
                    e.actor_id,
                    [e],
                    f"Looked up a child who shares the user's family name ({e.action}).",
                    child_id=e.child_id,
                    user=user,
                )
            )
    return alerts


def _suspension_change(details: dict[str, Any]) -> tuple[str, bool] | None:
    """``(user id, suspended?)`` if an admin entry suspended or reinstated a user.

    The admin package writes ``{"action": "suspend_user" | "reinstate_user",
    "target_user_id": …}``.
    """
    target = details.get("target_user_id")
    operation = details.get("action")
    if not isinstance(target, str) or operation not in _SUSPENSION_CHANGES:
        return None
    return target, _SUSPENSION_CHANGES[operation]


def use_after_suspension(
    session: Session, entries: Sequence[_Entry], users: dict[str, _User], until: datetime
) -> list[_Finding]:
    """Activity by a user after they were suspended, and attempts to sign in while suspended.

    One alert per user and UK day, like the other rules that count. Offline work
    recorded on a laptop and pushed later is the usual way this shows up; the index
    itself refuses a suspended user at every request.
    """
    changes: dict[str, list[tuple[datetime, bool]]] = defaultdict(list)
    for at, details in session.execute(
        select(AuditRow.at, AuditRow.details)
        .where(AuditRow.action == AuditAction.ADMIN.value, AuditRow.at < until)
        .order_by(AuditRow.at, AuditRow.seq)
    ):
        change = _suspension_change(details if isinstance(details, dict) else {})
        if change is not None:
            changes[change[0]].append((at, change[1]))

    def suspended(user_id: str, at: datetime) -> bool:
        before = [state for moment, state in changes.get(user_id, ()) if moment < at]
        return bool(before) and before[-1]

    flagged = [
        e
        for e in entries
        if (e.action == AuditAction.LOGIN_FAILED and e.details.get("error") == "account_suspended")
        or (e.action in USER_ACTIONS and suspended(e.actor_id, e.at))
    ]
    return [
        _alert(
            "use_after_suspension",
            day.isoformat(),
            actor_id,
            day_entries,
            f"{len(day_entries)} action{'s' if len(day_entries) != 1 else ''} or "
            "sign-in attempts while the account was suspended.",
            user=users.get(actor_id),
        )
        for (actor_id, day), day_entries in sorted(_by_user_day(flagged).items())
    ]


def _midnight(day: date) -> datetime:
    """The start of a UK day."""
    return datetime.combine(day, time(0), UK)


def _findings(session: Session, since: datetime, until: datetime) -> list[_Finding]:
    """Every rule's findings over ``[since, until)``, which starts and ends at UK midnight."""
    entries = _load(session, since, until)
    users = _users(session, {e.actor_id for e in entries})
    return [
        *bursts(session, entries, users, since),
        *searches_without_opens(entries, users),
        *vague_reason_without_involvement(session, entries, users),
        *out_of_hours(entries, users),
        *shielded_access(session, entries, users, until),
        *own_family_name(session, entries, users),
        *use_after_suspension(session, entries, users, until),
    ]


def compute_alerts(session: Session, *, since: datetime, until: datetime) -> list[AlertOut]:
    """Every rule's alerts with evidence in ``[since, until)``, oldest first.

    The rules judge the whole UK days the window touches, so an alert found through a
    window that cuts its day still counts, and lists, the whole day's evidence.
    """
    check_window(since, until)
    if until - since > timedelta(days=MAX_WINDOW_DAYS):
        raise ApiError(
            "invalid_request",
            f"since: alerts cover at most {MAX_WINDOW_DAYS} days at a time.",
            status=422,
            field="since",
        )
    try:
        last_day = (until - timedelta(microseconds=1)).astimezone(UK).date()
        days = (_midnight(since.astimezone(UK).date()), _midnight(last_day + timedelta(days=1)))
    except OverflowError as exc:
        raise ApiError(
            "invalid_request", "since: outside the range of dates.", status=422, field="since"
        ) from exc
    alerts = [
        finding.alert
        for finding in _findings(session, *days)
        if any(since <= at < until for at in finding.times)
    ]
    return sorted(alerts, key=lambda a: (a.first_at, a.rule, a.id))


def alert_day(alert_id: str) -> date | None:
    """The UK day an alert id names, or ``None`` if it is not an alert id at all."""
    match = ALERT_ID.match(alert_id)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def find_alert(session: Session, *, alert_id: str) -> AlertOut | None:
    """The alert with this id, recomputed over its own day; ``None`` if there is none."""
    day = alert_day(alert_id)
    if day is None or day >= date.max:
        return None
    findings = _findings(session, _midnight(day), _midnight(day + timedelta(days=1)))
    return next((f.alert for f in findings if f.alert.id == alert_id), None)
