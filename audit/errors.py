"""Every error the auditor raises on purpose, in one tree (shape borrowed from httpx).

    AuditError                 base; never raised itself
    ├── UsageError             bad arguments or an unreadable / malformed input file  -> exit 2
    │   ├── InputError         a source document that cannot be read as what it claims to be
    │   └── RuleFileError      a waiver / attestation / catalogue file that is malformed
    └── EngineError            the policy engine could not evaluate                 -> exit 3

The CLI maps the branches to exit codes and prints ``str(error)`` as one line.
"""

from __future__ import annotations

__all__ = ["AuditError", "EngineError", "InputError", "RuleFileError", "UsageError"]


class AuditError(Exception):
    """Base of the auditor's errors."""

    exit_code = 2


class UsageError(AuditError):
    exit_code = 2


class InputError(UsageError):
    """A source file that is missing, empty, not JSON, or not a Pulumi state/preview document."""


class RuleFileError(UsageError):
    """A waivers, attestations or framework file that does not follow its schema."""


class EngineError(AuditError):
    exit_code = 3
