"""``docs/api.md`` stays true to the central index it documents.

The endpoint list comes from the real application's OpenAPI document, so an endpoint
added without documentation, or removed while still documented, fails here; so does a
stable error code missing from the error table, or listed there with another status
than the index returns. The example generator (``tests.support.api_examples``) must keep
running and calling every endpoint, so the examples can be regenerated.

No database fixture is needed: the document checks build the app on an in-memory SQLite
URL they never query, and the generator migrates a throwaway SQLite file of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.app import create_app
from server.config import Settings
from server.errors import STATUS_BY_CODE
from tests.support import api_examples

API_DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
#: ``### `POST /api/v1/auth/login` `` — one heading per endpoint.
ENDPOINT_HEADING = re.compile(r"^### `([A-Z]+) (/\S*)`\s*$", re.MULTILINE)
#: ``POST /api/v1/children/F0Z7-9E7X-6SDA/access`` — a request line of a generated example.
REQUEST_LINE = re.compile(r"^([A-Z]+) (/[^?\s]*)", re.MULTILINE)
#: ``| `conflict` | 409 | …`` — one row per error code.
ERROR_ROW = re.compile(r"^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|", re.MULTILINE)
#: A small body limit, so the oversized-body check sends kilobytes, not megabytes.
TEST_BODY_LIMIT = 2048


@pytest.fixture(scope="module")
def doc() -> str:
    return API_DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def app() -> Iterator[FastAPI]:
    built = create_app(Settings(database_url="sqlite://", max_body_bytes=TEST_BODY_LIMIT))
    yield built
    built.state.engine.dispose()


def _operations(app: FastAPI) -> set[str]:
    paths = app.openapi()["paths"]
    return {
        f"{method.upper()} {path}"
        for path, item in paths.items()
        for method in item
        if method in HTTP_METHODS
    }


def _sections(doc: str) -> dict[str, str]:
    """Each endpoint's section: from its heading to the next endpoint or ``##`` heading."""
    matches = list(ENDPOINT_HEADING.finditer(doc))
    sections: dict[str, str] = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(doc)
        rest = doc[match.end() : end]
        stop = re.search(r"^#{1,2} ", rest, re.MULTILINE)
        sections[f"{match.group(1)} {match.group(2)}"] = rest[: stop.start()] if stop else rest
    return sections


def _error_table(doc: str) -> dict[str, int]:
    rows = ERROR_ROW.findall(doc)
    codes = [code for code, _status in rows]
    assert len(codes) == len(set(codes)), "an error code is listed twice in docs/api.md"
    return {code: int(status) for code, status in rows}


def test_every_endpoint_has_a_section(app: FastAPI, doc: str) -> None:
    operations = _operations(app)
    documented = set(_sections(doc))

    assert operations, "the OpenAPI document lists no endpoints"
    missing = sorted(operations - documented)
    assert not missing, f"endpoints missing from docs/api.md: {missing}"
    stale = sorted(documented - operations)
    assert not stale, f"docs/api.md documents endpoints the app lacks: {stale}"


def test_every_endpoint_section_shows_an_example(doc: str) -> None:
    for operation, text in _sections(doc).items():
        method = operation.split(" ", 1)[0]
        assert f"```http\n{method} " in text, f"{operation}: no example request"
        assert re.search(r"^→ `\d{3} ", text, re.MULTILINE), f"{operation}: no example status"


def test_every_stable_error_code_is_in_the_table_with_its_status(doc: str) -> None:
    table = _error_table(doc)

    missing = sorted(set(STATUS_BY_CODE) - set(table))
    assert not missing, f"error codes missing from the table in docs/api.md: {missing}"
    wrong = {code: table[code] for code, status in STATUS_BY_CODE.items() if table[code] != status}
    assert not wrong, f"statuses in docs/api.md that differ from STATUS_BY_CODE: {wrong}"


def test_error_table_matches_what_the_envelope_returns(app: FastAPI, doc: str) -> None:
    table = _error_table(doc)
    login = "/api/v1/auth/login"
    with TestClient(app, raise_server_exceptions=False) as client:
        answers = [
            client.get("/api/v1/sync/changes"),
            client.get("/api/v1/no-such-endpoint"),
            client.put(login),
            client.post(login, json={"username": "someone"}),
            client.post(login, content=b"{not json", headers={"Content-Type": "application/json"}),
            client.post(login, content=b" " * (TEST_BODY_LIMIT + 1)),
        ]

    seen = {answer.json()["error"]: answer.status_code for answer in answers}
    assert set(seen) == {
        "not_authenticated",
        "not_found",
        "method_not_allowed",
        "invalid_request",
        "malformed_json",
        "payload_too_large",
    }
    assert {code: table.get(code) for code in seen} == seen


def test_documented_body_limit_is_the_default(doc: str) -> None:
    assert f"{Settings(database_url='sqlite://').max_body_bytes} bytes" in doc


def _template(path: str) -> re.Pattern[str]:
    """``/children/{index_id}/access`` as a pattern matching concrete paths."""
    parts = re.split(r"\{[^}]+\}", path)
    return re.compile("[^/]+".join(re.escape(part) for part in parts) + "$")


def test_example_generator_still_calls_every_endpoint(app: FastAPI) -> None:
    # The examples in docs/api.md come from this generator; it must keep running, and keep
    # covering every endpoint, so that they can be regenerated when the API changes.
    today = datetime.now(UTC).date()
    with api_examples.example_app() as (client, example_app):
        recorder = api_examples.Recorder(client)
        api_examples.run(recorder, api_examples.populate(example_app, today), today)
    called = REQUEST_LINE.findall("\n".join(recorder.lines))

    for operation in sorted(_operations(app)):
        method, path = operation.split(" ", 1)
        pattern = _template(path)
        assert any(m == method and pattern.match(p) for m, p in called), operation
