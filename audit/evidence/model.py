"""What the bundle's documents are made from: one audit run's findings, the suite's scenario
results, the stack config, the framework data and the attestations. Pure data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra.config import StackConfig

from ..catalogue import POLICY_ROOT, Library
from ..errors import RuleFileError
from ..exceptions_files import Attestation, Waiver
from ..findings import Finding
from .scenarios import ScenarioResult

__all__ = [
    "AnnexControl",
    "EvidenceInput",
    "Measure",
    "load_annex",
    "load_measures",
]


@dataclass(frozen=True)
class AnnexControl:
    id: str
    title: str
    theme: str
    applicable: bool
    reason: str
    """Why not applicable (required when ``applicable`` is false)."""
    inherited: str
    """Who operates the control for CallVault, e.g. the cloud provider; empty if no one."""


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    gdpr: tuple[str, ...]
    topics: tuple[str, ...]
    features: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceInput:
    stack: StackConfig
    library: Library
    annex: tuple[AnnexControl, ...]
    themes: dict[str, str]
    measures: tuple[Measure, ...]
    special_categories: tuple[tuple[str, tuple[str, ...]], ...]
    findings: tuple[Finding, ...]
    scenarios: tuple[ScenarioResult, ...]
    attestations: tuple[Attestation, ...]
    waivers: tuple[Waiver, ...]
    today: dt.date
    runtime: bool
    """Whether the runtime scenarios ran (otherwise they are listed as not run)."""

    def prefixes(self) -> dict[str, str]:
        return {mt.name: mt.prefix for mt in self.stack.meeting_types}


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RuleFileError(f"{path}: unreadable ({error})".replace("\n", " ")) from None


def load_annex(root: Path = POLICY_ROOT) -> tuple[tuple[AnnexControl, ...], dict[str, str]]:
    """All Annex A controls and the theme titles; a non-applicable control needs a reason."""
    path = root / "frameworks" / "iso27001_annex_a.yaml"
    document = _yaml(path)
    controls = []
    try:
        themes = {str(k): str(v) for k, v in document["themes"].items()}
        for entry in document["controls"]:
            applicable = bool(entry.get("applicable", True))
            reason = str(entry.get("reason", ""))
            if not applicable and not reason:
                raise RuleFileError(f"{path}: {entry['id']} is not applicable without a reason")
            if entry["theme"] not in themes:
                raise RuleFileError(f"{path}: {entry['id']} has unknown theme {entry['theme']}")
            controls.append(
                AnnexControl(
                    id=str(entry["id"]),
                    title=str(entry["title"]),
                    theme=str(entry["theme"]),
                    applicable=applicable,
                    reason=reason,
                    inherited=str(entry.get("inherited", "")),
                )
            )
    except (KeyError, TypeError, AttributeError) as error:
        raise RuleFileError(f"{path}: malformed ({error})") from None
    return tuple(controls), themes


def load_measures(
    root: Path = POLICY_ROOT,
) -> tuple[tuple[Measure, ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    path = root / "frameworks" / "dpia_measures.yaml"
    document = _yaml(path)
    try:
        measures = tuple(
            Measure(
                id=str(m["id"]),
                title=str(m["title"]),
                gdpr=tuple(m["gdpr"]),
                topics=tuple(m["topics"]),
                features=tuple(m["features"]),
            )
            for m in document["measures"]
        )
        special = tuple(
            (str(c["category"]), tuple(str(w) for w in c["words"]))
            for c in document["special_categories"]
        )
    except (KeyError, TypeError) as error:
        raise RuleFileError(f"{path}: malformed ({error})") from None
    return measures, special
