"""Every table of the central index, imported in one place for Alembic and tests."""

from server.audit.models import AuditRow, ChainHeadRow
from server.auth.models import DeviceRow, TokenRow, UserRow
from server.children.models import ChildRow, DecisionRow, IndicatorRow, InvolvementRow, PinRow
from server.sync.models import AppliedMutationRow, ChangeRow

__all__ = [
    "AppliedMutationRow",
    "AuditRow",
    "ChainHeadRow",
    "ChangeRow",
    "ChildRow",
    "DecisionRow",
    "DeviceRow",
    "IndicatorRow",
    "InvolvementRow",
    "PinRow",
    "TokenRow",
    "UserRow",
]
