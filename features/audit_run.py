"""What the scenarios judge: the auditor's own output for one stack.

``gdpr-audit evidence`` writes ``report.json``, ``facts.json`` and ``stack.json`` into a
directory and points ``CALLVAULT_AUDIT_DIR`` at it, so the scenarios and the report in the bundle
come from the same run. ``pytest features/`` alone runs ``gdpr-audit plan`` and ``gdpr-audit
facts`` for ``CALLVAULT_STACK`` (default ``dev``) first: either way the steps read the CLI's
results, never a second implementation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.config import MeetingType, StackConfig, load_stack_file

__all__ = ["AuditRun", "load_audit_run", "run_audit_cli", "stack_config_path"]

REPO_ROOT = Path(__file__).resolve().parents[1]


def stack_config_path() -> Path:
    explicit = os.environ.get("CALLVAULT_STACK_CONFIG")
    if explicit:
        return Path(explicit)
    return REPO_ROOT / f"Pulumi.{os.environ.get('CALLVAULT_STACK', 'dev')}.yaml"


def load_stack() -> StackConfig:
    return load_stack_file(stack_config_path())


@dataclass(frozen=True)
class AuditRun:
    findings: tuple[dict[str, Any], ...]
    facts: tuple[dict[str, Any], ...]
    stack: StackConfig

    def rule_findings(self, rule_id: str) -> list[dict[str, Any]]:
        """Findings of the rule with this id; a rule without findings is an error, not a pass."""
        found = [f for f in self.findings if f["rule_id"] == rule_id]
        if not found:
            raise LookupError(f"rule {rule_id} produced no findings in this audit")
        return found

    def prefixes(self) -> dict[str, str]:
        return {mt.name: mt.prefix for mt in self.stack.meeting_types}

    def meeting_type(self, name: str) -> MeetingType:
        for meeting_type in self.stack.meeting_types:
            if meeting_type.name == name:
                return meeting_type
        raise LookupError(f"meeting type {name!r} is not in the stack config")


def run_audit_cli(out: Path) -> None:
    """``gdpr-audit plan`` and ``facts`` for the stack, into ``out``."""
    config = stack_config_path()
    stack = os.environ.get("CALLVAULT_STACK", "dev")
    out.mkdir(parents=True, exist_ok=True)
    base = [sys.executable, "-m", "audit.cli"]
    plan = subprocess.run(
        [*base, "plan", "--stack", stack, "--config-file", str(config), "--out", str(out)]
        + ["--fail-on", "none"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if plan.returncode != 0:
        raise RuntimeError(f"gdpr-audit plan failed ({plan.returncode}): {plan.stderr.strip()}")
    facts = subprocess.run(
        [*base, "facts", f"plan:{stack}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    (out / "facts.json").write_text(facts.stdout)


def load_audit_run(directory: Path) -> AuditRun:
    report = json.loads((directory / "report.json").read_text())
    facts = json.loads((directory / "facts.json").read_text())
    return AuditRun(tuple(report["findings"]), tuple(facts["facts"]), load_stack())
