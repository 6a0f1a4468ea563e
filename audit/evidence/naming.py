"""Names shared by the suite and the bundle: scenario tags for GDPR provisions and Annex A
controls, and the natural order of provisions and controls (Art. 5 before Art. 17, A.5.9 before
A.5.35)."""

from __future__ import annotations

import re

__all__ = ["gdpr_marker", "iso_marker", "natural_key"]


def gdpr_marker(provision: str) -> str:
    """``Art. 5(1)(e)`` -> ``gdpr_art5_1_e``."""
    parts = re.findall(r"[0-9]+|[a-z]+", provision.lower().replace("art.", ""))
    return "gdpr_art" + "_".join(parts)


def iso_marker(control: str) -> str:
    """``A.8.10`` -> ``iso27001_a_8_10``."""
    return "iso27001_" + control.lower().replace(".", "_")


def natural_key(label: str) -> tuple[tuple[int, str], ...]:
    """Numbers compare as numbers: ``Art. 5(1)(e)`` < ``Art. 17(1)(a)``, ``A.5.9`` < ``A.5.35``."""
    return tuple(
        (int(token), "") if token.isdigit() else (-1, token)
        for token in re.findall(r"[0-9]+|[A-Za-z]+", label)
    )
