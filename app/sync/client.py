"""The central index's API as the desktop client calls it (PRODUCT.md §7).

:class:`IndexClient` signs in, keeps the bearer tokens in memory (never on disk), and
turns each endpoint's JSON into the domain's models. On ``token_expired`` it rotates the
tokens once with the refresh token and repeats the call; every other refusal is raised
as a :class:`~app.sync.errors.SyncError` with the index's own code and message —
``device_revoked`` and ``account_suspended`` included, which the sync engine answers by
destroying the offline copy.

An answer that does not parse as the contract says is ``bad_response``: nothing from it
is used. One client serves one thread (the client's cache worker).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from app.domain.changes import Change, ChangesPage, PushRequest, PushResponse
from app.domain.policy import SearchResult
from app.domain.reasons import AccessReason
from app.domain.records import ChildRecord
from app.domain.session import SignedIn
from app.sync.errors import SyncError
from app.sync.transport import Transport, TransportSettings

log = logging.getLogger(__name__)

API = "/api/v1"
_Model = TypeVar("_Model", bound=BaseModel)
_CHANGE = TypeAdapter(Change)
_SEARCH_RESULTS = TypeAdapter(list[SearchResult])


class IndexClient:
    """One signed-in conversation with the index."""

    def __init__(
        self,
        base_url: str,
        settings: TransportSettings | None = None,
        *,
        transport: Transport | None = None,
    ) -> None:
        self._transport = transport or Transport(base_url, settings)
        self._signed_in: SignedIn | None = None

    @property
    def base_url(self) -> str:
        """The index's address."""
        return self._transport.base_url

    @property
    def signed_in(self) -> SignedIn | None:
        """The latest sign-in or refresh answer: tokens, user and device policy."""
        return self._signed_in

    def close(self) -> None:
        """Forget the tokens and close the connections."""
        self._signed_in = None
        self._transport.close()

    # -- signing in ------------------------------------------------------------------------

    def login(
        self, *, username: str, password: str, device_id: str, device_name: str = ""
    ) -> SignedIn:
        """Sign in on this device; refusals keep the index's code (``invalid_credentials``…)."""
        response = self._transport.request(
            "POST",
            f"{API}/auth/login",
            json={
                "username": username,
                "password": password,
                "device_id": device_id,
                "device_name": device_name,
            },
        )
        self._signed_in = _parse(response, SignedIn)
        log.info("signed in as user %s on device %s", self._signed_in.user.id, device_id)
        return self._signed_in

    def refresh(self) -> SignedIn:
        """Rotate the tokens; ``sign_in_required`` if there is nothing to rotate."""
        if self._signed_in is None:
            raise SyncError("not_signed_in")
        response = self._transport.request(
            "POST",
            f"{API}/auth/refresh",
            json={"refresh_token": self._signed_in.refresh_token},
        )
        try:
            self._signed_in = _parse(response, SignedIn)
        except SyncError as exc:
            if exc.code in ("token_expired", "invalid_token"):
                # The refresh token itself is done with: only a new sign-in helps.
                self._signed_in = None
                raise SyncError("sign_in_required", exc.message, status=exc.status) from None
            if exc.needs_sign_in or exc.revoked:
                self._signed_in = None
            raise
        log.info("tokens refreshed for user %s", self._signed_in.user.id)
        return self._signed_in

    # -- sync --------------------------------------------------------------------------------

    def changes(self, since: str | None, *, limit: int | None = None) -> ChangesPage:
        """One page of changes to the caseload after ``since`` (a snapshot when ``None``)."""
        params: dict[str, str | int] = {}
        if since is not None:
            params["since"] = since
        if limit is not None:
            params["limit"] = limit
        return _parse_page(self._authorised("GET", f"{API}/sync/changes", params=params))

    def push(self, batch: PushRequest) -> PushResponse:
        """Push mutations and audit entries; one result per item, in request order."""
        response = self._authorised("POST", f"{API}/sync/push", json=batch.model_dump(mode="json"))
        return _parse(response, PushResponse)

    # -- online use ----------------------------------------------------------------------------

    def search(self, **criteria: str) -> list[SearchResult]:
        """Search the index (PRODUCT.md §3); criteria as ``family_name=…`` and so on."""
        response = self._authorised("GET", f"{API}/children", params=criteria)
        body = _json(response)
        try:
            return _SEARCH_RESULTS.validate_python(body["results"])
        except (PydanticValidationError, KeyError, TypeError):
            log.warning("search answer did not match the contract")
            raise SyncError("bad_response") from None

    def open_record(self, index_id: str, reason: AccessReason) -> ChildRecord:
        """Open a record online for a reason; the index audits the access."""
        response = self._authorised(
            "POST",
            f"{API}/children/{index_id}/access",
            json={
                "reason_code": str(reason.code),
                "reason_text": reason.text,
                "on_behalf_of": reason.on_behalf_of,
            },
        )
        return _parse(response, ChildRecord)

    # -- plumbing ----------------------------------------------------------------------------

    def _authorised(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
    ) -> requests.Response:
        """Send with the bearer token; on ``token_expired`` refresh once and send again."""
        response = self._send(method, path, json=json, params=params)
        if response.status_code == 401 and _error_code(response) == "token_expired":
            log.info("access token expired; refreshing")
            self.refresh()
            response = self._send(method, path, json=json, params=params)
        return response

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any,
        params: Mapping[str, str | int] | None,
    ) -> requests.Response:
        if self._signed_in is None:
            raise SyncError("not_signed_in")
        headers = {"Authorization": f"Bearer {self._signed_in.access_token}"}
        return self._transport.request(method, path, json=json, params=params, headers=headers)


def _json(response: requests.Response) -> Any:
    """The body of a successful answer, or the refusal it carries, raised."""
    if response.status_code >= 400:
        raise _refusal(response)
    try:
        return response.json()
    except ValueError:
        log.warning("answer with status %d is not JSON", response.status_code)
        raise SyncError("bad_response", status=response.status_code) from None


def _parse(response: requests.Response, model: type[_Model]) -> _Model:
    if response.status_code >= 400:
        raise _refusal(response)
    try:
        return model.model_validate_json(response.content)
    except PydanticValidationError as exc:
        # The validation text would quote the data; the count of problems is enough.
        log.warning("answer did not match %s (%d problems)", model.__name__, exc.error_count())
        raise SyncError("bad_response", status=response.status_code) from None


def _parse_page(response: requests.Response) -> ChangesPage:
    """A page of changes, validated one change at a time.

    Validating a whole page of 500 records in one pydantic call holds Python's
    interpreter lock for 16–26 ms, and the window's thread waits for it meanwhile (the
    sync runs on the cache worker): one change at a time, the lock changes hands between
    them and the window stays responsive (bench/bench_gui.py).
    """
    body = _json(response)
    changes = body.get("changes") if isinstance(body, dict) else None
    if not isinstance(changes, list):
        log.warning("answer did not match ChangesPage (no list of changes)")
        raise SyncError("bad_response", status=response.status_code)
    try:
        validated = tuple(_CHANGE.validate_python(change) for change in changes)
        return ChangesPage.model_validate({**body, "changes": validated})
    except PydanticValidationError as exc:
        log.warning("answer did not match ChangesPage (%d problems)", exc.error_count())
        raise SyncError("bad_response", status=response.status_code) from None


def _error_body(response: requests.Response) -> tuple[str, str] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    code, message = body.get("error"), body.get("message")
    if not isinstance(code, str) or not isinstance(message, str) or not code:
        return None
    return code, message


def _error_code(response: requests.Response) -> str | None:
    found = _error_body(response)
    return None if found is None else found[0]


def _refusal(response: requests.Response) -> SyncError:
    """The index's refusal as a ``SyncError`` with its own code and message."""
    status = response.status_code
    found = _error_body(response)
    if status >= 500 or status == 429:
        log.info("index answered %d", status)
        # A gateway's or a crashed handler's answer: worth trying again later.
        code = "rate_limited" if status == 429 else "server_unavailable"
        return SyncError(code, found[1] if found else None, status=status)
    if found is None:
        log.warning("refusal with status %d has no error code", status)
        return SyncError("bad_response", status=status)
    code, message = found
    log.info("index refused with %s (%d)", code, status)
    return SyncError(code, message, status=status)
