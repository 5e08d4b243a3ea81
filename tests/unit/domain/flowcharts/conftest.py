"""Shared fixtures for the flowchart tests: a small valid chart to break in different ways."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def chart_data() -> dict[str, Any]:
    """A fresh, valid five-node chart: question → action → question → two outcomes."""
    return {
        "schema_version": 1,
        "id": "test-chart",
        "version": "1.0.0",
        "title": "Test chart",
        "summary": "A chart for tests.",
        "source": "Test source, section 1",
        "kind": "decision",
        "audience": ["practitioner"],
        "start": "q1",
        "nodes": {
            "q1": {
                "type": "question",
                "text": "First question?",
                "help": "Help for the first question.",
                "answers": [
                    {"id": "yes", "label": "Yes", "next": "a1"},
                    {"id": "no", "label": "No", "next": "out_no"},
                ],
            },
            "a1": {"type": "action", "text": "Seek advice.", "next": "q2"},
            "q2": {
                "type": "question",
                "text": "Second question?",
                "answers": [
                    {"id": "yes", "label": "Yes", "next": "out_yes"},
                    {"id": "no", "label": "No", "next": "out_no"},
                ],
            },
            "out_yes": {
                "type": "outcome",
                "text": "Share.",
                "decision": "share",
                "basis": "public_interest",
                "record": ["decision", "basis", "reasons"],
            },
            "out_no": {
                "type": "outcome",
                "text": "Do not share.",
                "decision": "do_not_share",
                "record": ["decision", "reasons"],
            },
        },
    }
