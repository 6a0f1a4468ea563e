"""The KMS encryption context of a recording: names the recording, never a person.

Its keys are exactly the ones the media node's IAM policy allows (infra.policy_documents).
"""

from __future__ import annotations

import re

from infra.policy_documents import ENVELOPE_CONTEXT_KEYS, ENVELOPE_PURPOSE

__all__ = ["recording_context"]

_VALUE = re.compile(r"^[A-Za-z0-9._-]{1,64}\Z")


def recording_context(recording_id: str, meeting_type: str) -> dict[str, str]:
    context = {
        "purpose": ENVELOPE_PURPOSE,
        "recording_id": recording_id,
        "meeting_type": meeting_type,
    }
    assert tuple(sorted(context)) == tuple(sorted(ENVELOPE_CONTEXT_KEYS))
    for key, value in context.items():
        if not _VALUE.match(value):
            raise ValueError(
                f"encryption context {key} must match {_VALUE.pattern} (got {value!r})"
            )
    return context
