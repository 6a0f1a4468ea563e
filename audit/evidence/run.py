"""``gdpr-audit evidence``: being built (issue 12)."""

from __future__ import annotations

import argparse

from ..errors import UsageError

__all__ = ["run_evidence"]


def run_evidence(args: argparse.Namespace) -> int:
    raise UsageError("gdpr-audit evidence is not built yet")
