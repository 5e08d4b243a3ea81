"""Profiles: one user on one device, each with its own encrypted cache.

A shared reception PC holds one profile per user (PRODUCT.md §6), listed for "pick your
name". Profiles live under ``<data dir>/profiles/<profile id>/``, where the data dir is,
in order of precedence, the ``root`` argument, ``$EVERYCHILD_DATA_DIR``, or
``platformdirs.user_data_dir("everychild")``.

``profile.json`` holds only non-personal metadata — username, user id, server URL,
device id, the wrapped cache key and its Argon2 parameters — never anything about a
child. The cache itself is ``cache.db`` (plus SQLite's ``-wal`` and ``-shm``) beside it.

Every profile has its own device id, so each audit chain (``device:<device id>``) is
written by exactly one user's cache, even on a PC shared by five people.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from app.store.device_secret import DeviceSecretStore
from app.store.erase import erase_file, erase_tree
from app.store.errors import StoreError
from app.store.keys import (
    Argon2Params,
    WrappedKey,
    new_database_key,
    rewrap,
    tune_argon2,
    wrap_key,
)

log = logging.getLogger(__name__)

DATA_DIR_ENV = "EVERYCHILD_DATA_DIR"
PROFILE_FILE = "profile.json"
DATABASE_FILE = "cache.db"
#: SQLite's companions of the database file; all are erased with it.
DATABASE_COMPANIONS = ("-wal", "-shm", "-journal")
_PROFILE_ID = re.compile(r"^[0-9a-f]{32}$")


def data_dir(root: Path | None = None) -> Path:
    """The folder everything of Everychild's lives under on this device."""
    if root is not None:
        return root
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured)
    return Path(platformdirs.user_data_dir("everychild"))


def profiles_dir(root: Path | None = None) -> Path:
    """The folder holding one sub-folder per profile."""
    return data_dir(root) / "profiles"


class Profile(BaseModel):
    """One user's profile on this device, as stored in ``profile.json``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    profile_id: str = Field(pattern=_PROFILE_ID.pattern)
    username: str = Field(min_length=1, max_length=100)
    user_id: str | None = Field(default=None, max_length=64)
    server_url: str = Field(min_length=1, max_length=500)
    device_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    created_at: datetime
    key: WrappedKey
    #: Where the profile lives; not stored in the file itself.
    folder: Path = Field(exclude=True)

    @property
    def database_path(self) -> Path:
        """The encrypted cache file."""
        return self.folder / DATABASE_FILE

    @property
    def chain(self) -> str:
        """The name of this profile's local audit chain, as the index knows it."""
        return f"device:{self.device_id}"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by its owner only."""
    # Written beside the target and renamed over it, so a crash never leaves half a file;
    # owner-only from the first byte.
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def save_profile(profile: Profile) -> None:
    """Write ``profile.json`` atomically, readable by its owner only."""
    profile.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_private(profile.folder / PROFILE_FILE, profile.model_dump_json(indent=2))


def load_profile(profile_id: str, root: Path | None = None) -> Profile:
    """Read one profile; ``profile_not_found`` or ``profile_unreadable`` if it cannot be."""
    if not _PROFILE_ID.fullmatch(profile_id):
        raise StoreError("profile_not_found")
    return _read(profiles_dir(root) / profile_id)


def _read(folder: Path) -> Profile:
    try:
        data = json.loads((folder / PROFILE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError("profile_not_found") from None
    except (OSError, ValueError):
        raise StoreError("profile_unreadable") from None
    if not isinstance(data, dict) or data.get("profile_id") != folder.name:
        raise StoreError("profile_unreadable")
    try:
        return Profile.model_validate({**data, "folder": folder})
    except PydanticValidationError:
        raise StoreError("profile_unreadable") from None


def list_profiles(root: Path | None = None) -> list[Profile]:
    """Every readable profile on this device, by username, for "pick your name"."""
    base = profiles_dir(root)
    if not base.is_dir():
        return []
    found = []
    for folder in base.iterdir():
        if not folder.is_dir() or not _PROFILE_ID.fullmatch(folder.name):
            continue
        try:
            found.append(_read(folder))
        except StoreError as exc:
            log.warning("skipping profile %s: %s", folder.name, exc.code)
    return sorted(found, key=lambda p: (p.username.casefold(), p.server_url, p.profile_id))


def create_profile(
    *,
    username: str,
    server_url: str,
    password: str,
    secret_store: DeviceSecretStore,
    now: datetime,
    user_id: str | None = None,
    device_id: str | None = None,
    params: Argon2Params | None = None,
    root: Path | None = None,
) -> Profile:
    """Create a profile with a new random cache key wrapped under ``password``.

    ``params`` defaults to Argon2 costs tuned on this device now (about two seconds).
    The cache file itself is created when the profile is first opened.
    """
    if any(p.username == username and p.server_url == server_url for p in list_profiles(root)):
        raise StoreError("profile_exists")
    profile_id = uuid.uuid4().hex
    chosen = params or tune_argon2()
    secret = secret_store.create(profile_id)
    key = new_database_key()
    try:
        profile = Profile(
            profile_id=profile_id,
            username=username,
            user_id=user_id,
            server_url=server_url,
            device_id=device_id or uuid.uuid4().hex,
            created_at=now,
            key=wrap_key(
                key, password=password, device_secret=secret, profile_id=profile_id, params=chosen
            ),
            folder=profiles_dir(root) / profile_id,
        )
        save_profile(profile)
    except BaseException:
        secret_store.delete(profile_id)
        erase_tree(profiles_dir(root) / profile_id)
        raise
    finally:
        key[:] = bytes(len(key))
    log.info("created profile %s", profile_id)
    return profile


def device_secret(profile: Profile, secret_store: DeviceSecretStore) -> bytes:
    """The profile's device secret, or ``device_secret_missing``."""
    secret = secret_store.get(profile.profile_id)
    if secret is None:
        log.warning("device secret missing for profile %s", profile.profile_id)
        raise StoreError("device_secret_missing")
    return secret


def change_password(
    profile: Profile,
    *,
    old_password: str,
    new_password: str,
    secret_store: DeviceSecretStore,
    params: Argon2Params | None = None,
) -> Profile:
    """Re-wrap the same cache key under a new password (and optionally stronger costs)."""
    wrapped = rewrap(
        profile.key,
        profile_id=profile.profile_id,
        device_secret=device_secret(profile, secret_store),
        old_password=old_password,
        new_password=new_password,
        params=params,
    )
    updated = profile.model_copy(update={"key": wrapped})
    save_profile(updated)
    log.info("re-wrapped cache key for profile %s", profile.profile_id)
    return updated


def delete_profile(profile: Profile, secret_store: DeviceSecretStore) -> None:
    """Destroy a profile: its keyring secret first, then its key, then every file.

    Removing the secret and the wrapped key first makes the cache unreadable at once,
    so an interruption part-way through still leaves nothing that can be opened. If the
    keyring cannot be reached the files are erased all the same: a secret left behind
    opens nothing once the wrapped key is gone.
    """
    try:
        secret_store.delete(profile.profile_id)
    except StoreError as exc:
        log.warning("device secret of profile %s not removed: %s", profile.profile_id, exc.code)
    erase_file(profile.folder / PROFILE_FILE)
    for suffix in ("", *DATABASE_COMPANIONS):
        erase_file(profile.folder / f"{DATABASE_FILE}{suffix}")
    erase_tree(profile.folder)
    log.info("deleted profile %s", profile.profile_id)
