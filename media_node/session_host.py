"""What a call session needs from the node that hosts it.

:class:`~media_node.session.Session` depends on this Protocol, not on
:class:`~media_node.node.Node`: the node owns its sessions (node imports session), and the
session only calls back through the few members named here, so the two modules form no
import cycle (``tests/media_node/test_layout.py`` keeps it that way).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from infra.config import MeetingType

from .access_log import AccessLog
from .node_config import NodeConfig
from .recorder import Recorder
from .rights.consents import ConsentLedger

__all__ = ["RecordedSession", "SessionHost"]


class RecordedSession(Protocol):
    """What the node keeps of a session whose recording it indexes."""

    @property
    def session_id(self) -> str: ...

    @property
    def meeting_type(self) -> MeetingType: ...

    @property
    def participants(self) -> Mapping[str, str]:
        """Pseudonymous participant id -> role (``agent`` or ``customer``)."""
        ...


class SessionHost(Protocol):
    """The node as a session sees it: configuration, access log, TURN, recorders, index."""

    @property
    def config(self) -> NodeConfig: ...

    @property
    def access_log(self) -> AccessLog: ...

    @property
    def consent_ledger(self) -> ConsentLedger:
        """Where grants and withdrawals are sealed into the store (retried while it is down)."""
        ...

    def ice_servers(self, pseudonym: str) -> list[dict[str, Any]]: ...

    def new_recorder(
        self,
        *,
        recording_id: str,
        meeting_type: MeetingType,
        subjects: tuple[str, ...],
        consent_refs: tuple[str, ...],
        expected_tracks: int,
        agents: tuple[str, ...] = (),
        on_late_track: Callable[[str], None],
        request_keyframe: Callable[[Any], None],
        loop: asyncio.AbstractEventLoop,
    ) -> Recorder: ...

    def index_recording(self, recording_id: str, session: RecordedSession) -> None: ...
