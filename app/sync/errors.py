"""Why a sync did not finish: a stable code the UI branches on, and a message for the user.

These are the "expected trouble" kind of failure (STYLE.md): the index is unreachable,
the session has ended, this device has been revoked. The index's own refusals keep the
index's code and message (it writes them for the practitioner already); the rest use the
messages below. None ever repeats a child's name or details, so they are safe on a shared
screen and in a log.

``transient`` says whether simply trying again later may succeed (network, a busy
index), as opposed to needing the user (sign in again) or an administrator.
"""

from __future__ import annotations

from app.domain.errors import DomainError

#: The default message for each code this package raises itself.
MESSAGES: dict[str, str] = {
    "offline": (
        "Everychild cannot reach the index just now. Your changes are kept safely on this "
        "computer and will be sent at the next sync."
    ),
    "tls_error": (
        "The index's security certificate could not be checked, so Everychild did not "
        "connect. Nothing was sent. Ask your IT support to check the index address and "
        "certificate settings."
    ),
    "insecure_url": (
        "The index address must start with https:// (plain http is allowed only for an "
        "index on this computer). Check the address in your settings."
    ),
    "server_unavailable": (
        "The index is not able to answer just now. Your changes are kept safely on this "
        "computer; Everychild will try again shortly."
    ),
    "rate_limited": (
        "The index is busy just now. Your changes are kept safely on this computer; "
        "Everychild will try again shortly."
    ),
    "bad_response": (
        "The index sent an answer this version of Everychild cannot use, so nothing from "
        "it was saved. Everychild will try again; if this keeps happening, tell your IT "
        "support."
    ),
    "sign_in_required": (
        "Your session with the index has ended. Sign in again to sync; your changes are "
        "kept safely on this computer."
    ),
    "not_signed_in": "Sign in to the index before syncing.",
    "wrong_account": (
        "This offline copy belongs to another account, so it was not synced. Sign in with "
        "the account it was made for."
    ),
    "digest_mismatch": (
        "After syncing, the offline copy on this computer still does not match the index. "
        "Nothing has been lost; Everychild will try again at the next sync. If this keeps "
        "happening, tell your IT support."
    ),
    "push_stuck": (
        "Some changes could not be sent to the index and are still waiting. Everychild "
        "will try again at the next sync."
    ),
    "cache_wiped": (
        "This computer has been out of contact with the index for too long, so its "
        "offline copy has been removed. Sign in online to download your caseload again."
    ),
}

#: Codes after which the index wants the offline copy destroyed (PRODUCT.md §6).
REVOCATION_CODES = frozenset({"device_revoked", "account_suspended"})
#: Codes after which only a new sign-in helps.
SIGN_IN_CODES = frozenset(
    {"sign_in_required", "not_signed_in", "invalid_token", "refresh_token_reused", "token_expired"}
)
#: Codes where trying again later, unchanged, may succeed.
TRANSIENT_CODES = frozenset(
    {"offline", "server_unavailable", "bad_response", "rate_limited", "digest_mismatch"}
)


class SyncError(DomainError):
    """A sync (or a call to the index) that could not be completed."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        status: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(code, message if message is not None else MESSAGES[code], field=field)
        #: The HTTP status the index answered with, when it answered.
        self.status = status

    @property
    def transient(self) -> bool:
        """True when trying again later, without the user doing anything, may succeed."""
        return self.code in TRANSIENT_CODES

    @property
    def revoked(self) -> bool:
        """True when the index says this user or device may no longer hold records."""
        return self.code in REVOCATION_CODES

    @property
    def needs_sign_in(self) -> bool:
        """True when the user must sign in again before the next sync."""
        return self.code in SIGN_IN_CODES
