"""The list model of saved profiles: "pick your name" on a shared computer (PRODUCT.md §6).

A reception desk PC holds one profile per user. Each row names the user and the index
the profile belongs to (by host only: the full address is in the tooltip).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from app.store.profiles import Profile

ModelIndex = QModelIndex | QPersistentModelIndex

#: The row's :class:`~app.store.profiles.Profile`.
PROFILE_ROLE = Qt.ItemDataRole.UserRole + 1


def index_host(server_url: str) -> str:
    """The index's host (and port), as a short name for it."""
    return urlsplit(server_url).netloc or server_url


class ProfileListModel(QAbstractListModel):
    """Saved profiles, by username."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._profiles: list[Profile] = []

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._profiles)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._profiles):
            return None
        profile = self._profiles[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return QCoreApplication.translate("ProfileListModel", "{user} — {index}").format(
                user=profile.username, index=index_host(profile.server_url)
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            return profile.server_url
        if role == PROFILE_ROLE:
            return profile
        return None

    def set_profiles(self, profiles: Sequence[Profile]) -> None:
        """Show these profiles."""
        self.beginResetModel()
        self._profiles = list(profiles)
        self.endResetModel()

    def profile_at(self, row: int) -> Profile:
        """The profile on row ``row``."""
        return self._profiles[row]

    def row_of(self, profile_id: str) -> int | None:
        """The row of the profile with this id, if listed."""
        for row, profile in enumerate(self._profiles):
            if profile.profile_id == profile_id:
                return row
        return None
