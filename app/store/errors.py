"""Errors of the encrypted offline cache, each with a stable code and a message for the user.

These are the "expected trouble" kind of failure (STYLE.md): a wrong password, a missing
keyring, an expired offline lease. Each carries a ``code`` the UI and sync engine branch on
and a ``message`` in the practitioner's words saying what to do next. None of them ever
repeats a child's name, date of birth or address: they may be shown on a shared screen
and end up in a log.
"""

from __future__ import annotations

from app.domain.errors import DomainError

#: The default message for each code; a raise site may pass a more specific one.
MESSAGES: dict[str, str] = {
    "wrong_password": (
        "The password is not right. Check Caps Lock and try again; if you changed your "
        "password recently, use the password you signed in with last time."
    ),
    "no_secure_keyring": (
        "Everychild needs your system's secure password store (Secret Service/GNOME "
        "Keyring on Linux, Keychain on macOS, Credential Manager on Windows) to protect "
        "the offline copy of your caseload, and none is available. On Linux, install and "
        "start GNOME Keyring or KWallet (for example: sudo apt install gnome-keyring) and "
        "sign in to your desktop again; on Windows or macOS, ask your IT support to enable "
        "Credential Manager or the login Keychain. Everychild will not keep an offline "
        "copy without it."
    ),
    "keyring_unavailable": (
        "Everychild could not reach your system's secure password store. If it asked to "
        "be unlocked, unlock it and try again; otherwise sign out of your computer and back "
        "in, or ask your IT support."
    ),
    "device_secret_missing": (
        "This computer's secure password store has no key for your offline copy: the "
        "profile may have been copied from another computer, or the password store was "
        "reset. The offline copy cannot be opened here. Nothing has been deleted. Sign in "
        "online to set up this computer again, or ask your IT support."
    ),
    "cache_unreadable": (
        "The offline copy on this computer cannot be read: the file may be damaged. "
        "Nothing has been deleted. Sign in online to download a fresh copy, or ask your "
        "IT support for help."
    ),
    "cache_too_new": (
        "The offline copy on this computer was made by a newer version of Everychild. "
        "Install the newer version to open it. Nothing has been deleted."
    ),
    "disk_full": (
        "There is not enough free disk space to save your change. Free some space and "
        "try again; nothing has been saved."
    ),
    "lease_expired": (
        "This computer has not been in contact with the index for too long, so cached "
        "records cannot be opened. Connect to the network and sign in online again."
    ),
    "invalid_page": (
        "The index sent an update this computer cannot use, so none of it was saved. "
        "Everychild will try again; if this keeps happening, tell your IT support."
    ),
    "not_cached": (
        "That record is not in the offline copy on this computer. Search the index "
        "online to find it."
    ),
    "cache_locked": "Everychild is locked. Enter your password to unlock it.",
    "profile_not_found": (
        "There is no saved profile with that name on this computer. Sign in online to create one."
    ),
    "profile_exists": (
        "This computer already has a profile for you with this index. Pick your name from "
        "the list instead of creating a new profile."
    ),
    "profile_unreadable": (
        "A saved profile on this computer cannot be read: its settings file is damaged or "
        "was made by a newer version of Everychild. Sign in online to set it up again."
    ),
    "conflict_not_found": (
        "That conflict has already been resolved or no longer exists. Refresh the list."
    ),
}


class StoreError(DomainError):
    """An expected failure of the offline cache: a stable ``code`` and a human ``message``."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(code, message if message is not None else MESSAGES[code])
