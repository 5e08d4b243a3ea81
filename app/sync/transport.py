"""The HTTP connection to one central index: timeouts, TLS, retries with backoff.

One ``requests`` session per index, with two retry policies chosen by path:

* **Sync calls** (``/api/v1/sync/…``) are idempotent — a pull only reads, and a push is
  applied exactly once by its items' ids — so they are retried on connection failures,
  on lost or cut-off responses and on 429/502/503/504, with exponential backoff and
  jitter (urllib3's ``Retry``, honouring ``Retry-After``).
* **Everything else** (sign-in, token refresh, opening a record, search) is retried only
  when the request cannot have reached the index (the connection was refused) or a
  gateway said it was unavailable (502/503/504). It is never retried after the request
  may have been processed: a replayed refresh token would end the whole session, and a
  replayed sign-in or record access would write a second audit entry. A 4xx answer is
  never retried.

urllib3 retries only until the response headers arrive. A response cut off part-way
through its body surfaces later, while ``requests`` reads it; for sync calls that, too,
is retried here, counted and spaced by the same ``Retry`` object.

TLS certificates are always verified, against the system's trust store or a CA bundle
the deployment configures; there is no switch to turn verification off. Plain ``http``
is accepted only for an index on this computer (the demo and the tests).

Logs carry the method, the path (never the query string, which holds search criteria),
the status and the time taken. urllib3 logs the URL, query included, when it retries;
a filter on its logger cuts the query off before any handler sees it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.util.retry import Retry

from app.sync.errors import SyncError

log = logging.getLogger(__name__)

#: Paths whose requests may be sent again safely, whatever happened to the first try.
IDEMPOTENT_PREFIX = "/api/v1/sync/"
#: Hosts for which plain http is allowed: the index runs on this computer.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_GATEWAY_STATUSES = frozenset({502, 503, 504})
_METHODS = frozenset({"GET", "POST"})
#: How ``requests`` reports a response that broke off part-way through its body.
_CUT_OFF = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)


class _NoQueryStrings(logging.Filter):
    """Drop query strings from urllib3's log arguments: search criteria are personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.split("?", 1)[0] if isinstance(arg, str) else arg for arg in record.args
            )
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_NoQueryStrings())


@dataclass(frozen=True)
class TransportSettings:
    """How patiently to talk to the index. The defaults suit a practitioner's laptop."""

    connect_timeout: float = 5.0
    #: Seconds to wait for each chunk of a response (a whole page of records included).
    read_timeout: float = 60.0
    #: Retries of one request after its first try.
    retries: int = 4
    #: Backoff between retries: ``factor * 2 ** (n - 1)`` seconds plus up to ``jitter``.
    backoff_factor: float = 0.5
    backoff_max: float = 15.0
    backoff_jitter: float = 0.5
    #: A PEM file of certificate authorities to trust instead of the system's.
    ca_bundle: Path | None = None

    def idempotent_retry(self) -> Retry:
        """Retries for sync calls: connection, read and status failures alike."""
        return Retry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=self.retries,
            other=0,
            redirect=0,
            allowed_methods=_METHODS,
            status_forcelist=_RETRY_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            backoff_jitter=self.backoff_jitter,
            raise_on_status=False,
            raise_on_redirect=False,
        )

    def cautious_retry(self) -> Retry:
        """Retries for calls that must not run twice: only if they cannot have run."""
        return Retry(
            total=self.retries,
            connect=self.retries,
            read=0,
            status=self.retries,
            other=0,
            redirect=0,
            allowed_methods=_METHODS,
            status_forcelist=_GATEWAY_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            backoff_jitter=self.backoff_jitter,
            raise_on_status=False,
            raise_on_redirect=False,
        )


def normalise_base_url(url: str) -> str:
    """The index's address without a trailing slash; refuses plain http off this computer."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(
            "insecure_url", "The index address is not a web address. Check your settings."
        )
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise SyncError("insecure_url")
    return url.strip().rstrip("/")


class Transport:
    """HTTP requests to one index, with the retry policies above. One thread at a time."""

    def __init__(self, base_url: str, settings: TransportSettings | None = None) -> None:
        self.base_url = normalise_base_url(base_url)
        self.settings = settings or TransportSettings()
        self._verify: bool | str = (
            str(self.settings.ca_bundle) if self.settings.ca_bundle is not None else True
        )
        self._idempotent = self.settings.idempotent_retry()
        session = requests.Session()
        session.headers["User-Agent"] = "everychild-desktop"
        # The longest matching prefix wins: sync calls get the retrying adapter.
        session.mount(self.base_url, HTTPAdapter(max_retries=self.settings.cautious_retry()))
        session.mount(self.base_url + IDEMPOTENT_PREFIX, HTTPAdapter(max_retries=self._idempotent))
        self._session = session

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one request (with its retries); raise ``offline`` or ``tls_error`` if none lands."""
        url = self.base_url + path
        retry = self._idempotent if path.startswith(IDEMPOTENT_PREFIX) else None
        started = time.perf_counter()
        while True:
            try:
                response = self._session.request(
                    method,
                    url,
                    json=json,
                    params=params,
                    headers=dict(headers or {}),
                    timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                    # Passed on every request: a session-level value would lose to
                    # REQUESTS_CA_BUNDLE from the environment.
                    verify=self._verify,
                )
            except requests.exceptions.SSLError:
                log.warning("%s %s: TLS verification failed", method, path)
                raise SyncError("tls_error") from None
            except _CUT_OFF as exc:
                if retry is None:
                    raise _offline(method, path, exc) from None
                # The response broke off part-way through its body, after urllib3's own
                # retries were done with; count it against the same budget.
                try:
                    retry = retry.increment(method, url, error=ProtocolError(type(exc).__name__))
                except (MaxRetryError, ProtocolError):
                    raise _offline(method, path, exc) from None
                log.info("%s %s: response cut off, retrying", method, path)
                retry.sleep()
                continue
            except requests.RequestException as exc:
                raise _offline(method, path, exc) from None
            log.info(
                "%s %s -> %d (%.2f s)",
                method,
                path,
                response.status_code,
                time.perf_counter() - started,
            )
            return response


def _offline(method: str, path: str, exc: Exception) -> SyncError:
    # The exception's text can carry the URL with its query (search criteria): type only.
    log.info("%s %s failed: %s", method, path, type(exc).__name__)
    return SyncError("offline")
