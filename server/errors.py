"""Every error the central index returns: JSON with a stable ``error`` code and a message.

``{"error": "reason_required", "message": "…", "field": "reason_code"}`` — clients branch
on ``error``; people read ``message``. Nothing here ever returns a traceback, and a
request that fails is rolled back whole (the session dependency commits only on success).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.domain.errors import DomainError

log = logging.getLogger(__name__)

#: HTTP status for each domain error code; anything unlisted is a 400.
STATUS_BY_CODE: dict[str, int] = {
    "not_authenticated": 401,
    "token_expired": 401,
    "invalid_token": 401,
    "invalid_credentials": 401,
    "refresh_token_reused": 401,
    "device_revoked": 401,
    "locked_out": 423,
    "account_suspended": 403,
    "training_incomplete": 403,
    "vetting_expired": 403,
    "forbidden": 403,
    "record_shielded": 403,
    "not_your_involvement": 403,
    "not_found": 404,
    "conflict": 409,
    "already_involved": 409,
    "already_shielded": 409,
    "not_shielded": 409,
    "involvement_ended": 409,
    "duplicate": 409,
    "username_taken": 409,
    "cursor_expired": 410,
    "payload_too_large": 413,
    "batch_too_large": 413,
    "too_many_results": 422,
    "insufficient_criteria": 422,
    "rate_limited": 429,
    "no_service": 403,
    "id_taken": 409,
    "mutation_id_reused": 409,
    "audit_unavailable": 503,
    "alert_not_found": 404,
    "own_alert": 403,
    "alert_already_reviewed": 409,
}


class ApiError(DomainError):
    """A refusal raised by the server itself (not by a domain rule)."""

    def __init__(
        self, code: str, message: str, *, status: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(code, message, field=field)
        self.status = status or STATUS_BY_CODE.get(code, 400)


def error_body(code: str, message: str, field: str | None = None) -> dict[str, str]:
    """The JSON body of an error response."""
    body = {"error": code, "message": message}
    if field:
        body["field"] = field
    return body


def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = exc.status if isinstance(exc, ApiError) else STATUS_BY_CODE.get(exc.code, 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(exc.code, exc.message, exc.field), status, headers=headers)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    field = ".".join(loc) or None
    if first.get("type") == "json_invalid":
        return JSONResponse(
            error_body("malformed_json", "The request body is not valid JSON."), 400
        )
    message = f"{field}: {first.get('msg')}" if field else str(first.get("msg"))
    return JSONResponse(error_body("invalid_request", message, field), 422)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}.get(
        exc.status_code, "http_error"
    )
    message = exc.detail if isinstance(exc.detail, str) else "The request could not be served."
    return JSONResponse(error_body(code, message), exc.status_code)


def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    # Log the type only: exception text can contain submitted personal data.
    log.error("unexpected error handling request: %s", type(exc).__name__)
    return JSONResponse(
        error_body("internal_error", "Something went wrong on the index. Nothing was saved."),
        500,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure through the JSON error envelope."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


class BodySizeLimit:
    """Refuse request bodies over a limit with ``payload_too_large`` before parsing them."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLargeError:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(
            error_body(
                "payload_too_large",
                f"The request body is larger than {self.max_bytes} bytes.",
            ),
            413,
        )
        await response(
            {"type": "http", "method": "POST", "headers": []},
            _empty_receive,
            send,
        )


class _BodyTooLargeError(Exception):
    pass


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
