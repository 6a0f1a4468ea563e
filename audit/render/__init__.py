"""Reporters: each exposes ``render(report) -> bytes``, deterministic for a given report."""

from __future__ import annotations

from collections.abc import Callable

from ..findings import Report
from . import html_report, json_report, junit_report, markdown_report, sarif_report

__all__ = ["REPORTERS"]

REPORTERS: dict[str, Callable[[Report], bytes]] = {
    "report.json": json_report.render,
    "report.html": html_report.render,
    "report.md": markdown_report.render,
    "report.sarif": sarif_report.render,
    "junit.xml": junit_report.render,
}
