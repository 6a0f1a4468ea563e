"""The auditors' suite: markers from the framework data, meeting-type rows from the stack
config, the audit run the scenarios judge. The @runtime steps use the session's real coturn and
moto (tests/server_fixtures.py, loaded by the root conftest.py for tests/ and features/ alike)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from features.audit_run import AuditRun, load_audit_run, load_stack, run_audit_cli
from features.steps.audit_steps import *  # noqa: F403  (step fixtures)
from features.steps.runtime_steps import *  # noqa: F403
from features.tags import marker_lines
from infra.config import MeetingType

ROW_SELECTORS: dict[str, Callable[[MeetingType], bool]] = {
    "per_meeting_type": lambda mt: True,
    "per_recorded_meeting_type": lambda mt: mt.recording != "forbidden",
    "per_required_meeting_type": lambda mt: mt.recording == "required",
    "per_consent_meeting_type": lambda mt: (
        mt.legal_basis == "consent" and mt.recording != "forbidden"
    ),
    "per_forbidden_meeting_type": lambda mt: mt.recording == "forbidden",
    "per_audio_meeting_type": lambda mt: mt.mode == "audio" and mt.recording != "forbidden",
}
"""Tag -> which of the stack's meeting types become the scenario's rows."""


def pytest_configure(config: pytest.Config) -> None:
    for line in marker_lines():
        config.addinivalue_line("markers", line)


def pytest_bdd_apply_tag(tag: str, function: Any) -> bool | None:
    if tag in ROW_SELECTORS:
        # The rows come from the stack config: the scenario asks for `meeting_type_name`,
        # which pytest_generate_tests parametrizes with the matching meeting types.
        pytest.mark.usefixtures("meeting_type_name")(function)
        getattr(pytest.mark, tag)(function)
        return True
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "meeting_type_name" not in metafunc.fixturenames:
        return
    selectors = [
        ROW_SELECTORS[m.name] for m in metafunc.definition.iter_markers() if m.name in ROW_SELECTORS
    ]
    names = [
        mt.name for mt in load_stack().meeting_types if all(select(mt) for select in selectors)
    ]
    metafunc.parametrize("meeting_type_name", names, ids=names)


@pytest.fixture(scope="session")
def audit_run(tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    given = os.environ.get("CALLVAULT_AUDIT_DIR")
    if given:
        return load_audit_run(Path(given))
    out = tmp_path_factory.mktemp("audit")
    run_audit_cli(out)
    return load_audit_run(out)
