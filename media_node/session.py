"""A call session: participants, consent, peer connections and the current recording.

The recording rules (media_node.recording_rules) decide; this class applies them:
``required`` meeting types start recording when the first track arrives, ``optional`` ones on
an agent's start, ``forbidden`` ones never; a withdrawn consent (where consent is the legal
basis) stops the recording at once and keeps what was recorded under the consent given.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcconfiguration import RTCIceTransportPolicy

from infra.config import MeetingType

from .passthrough import discard, gate_of, passthrough
from .recorder import Recorder, RecordingResult
from .recording_rules import start_refusal, stored_media_kinds, withdrawal_stops_recording
from .rights.consents import ConsentNotStored, StoredConsent, keep_until_date
from .sdp_filter import relay_only_offer
from .simulcast import answer_one_layer
from .vault.keys import KeyProviderError
from .web_ui import notice_sha256, notice_version

if TYPE_CHECKING:
    from .session_host import SessionHost

__all__ = ["ConsentRecord", "RecordingRefused", "Session"]

logger = logging.getLogger("media_node.session")


class RecordingRefused(Exception):
    """A recording may not or cannot start; ``status`` is the HTTP status to answer with."""

    def __init__(self, reason: str, status: int = 409) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class ConsentRecord:
    consent_id: str
    participant: str
    granted: bool
    at: str
    text_version: str
    notice_sha256: str | None = None
    """SHA-256 of the exact notice text the participant was shown (Art. 7(1)), if the client
    sent it (the join page always does; the node checks it against the current notice)."""
    via: str | None = None
    """How the participant's credential was obtained (``join-code:jc-...``, ``staff-token``)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "consent_id": self.consent_id,
            "participant": self.participant,
            "granted": self.granted,
            "at": self.at,
            "text_version": self.text_version,
            "notice_sha256": self.notice_sha256,
            "via": self.via,
        }


@dataclass
class Session:
    node: SessionHost
    session_id: str
    meeting_type: MeetingType
    participants: dict[str, str]
    """Pseudonymous participant id -> role (``agent`` or ``customer``)."""
    consents: dict[str, ConsentRecord] = field(default_factory=dict)
    consent_history: list[ConsentRecord] = field(default_factory=list)
    consent_storage: dict[str, str] = field(default_factory=dict)
    """Consent id -> ``stored`` or ``pending`` (a withdrawal the node is still storing)."""
    peers: dict[str, RTCPeerConnection] = field(default_factory=dict)
    tracks: list[tuple[str, Any]] = field(default_factory=list)
    recorder: Recorder | None = None
    results: list[RecordingResult] = field(default_factory=list)
    refusal: str | None = None
    """Why the last (automatic) start failed, for the agent to see."""
    closed: bool = False
    owner: str = ""
    """Pseudonymous id of the agent or supervisor who created it (per-agent session cap)."""
    last_active: float = field(default_factory=time.monotonic)
    """Monotonic time of the last API call on it (the idle-session timeout)."""
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _offer_locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def touch(self) -> None:
        self.last_active = time.monotonic()

    def idle_for(self, now: float) -> float:
        """Seconds without an API call, a recording or a connected peer."""
        if self.recorder is not None or any(
            pc.connectionState == "connected" for pc in self.peers.values()
        ):
            self.last_active = now
        return now - self.last_active

    @property
    def stored_kinds(self) -> frozenset[str]:
        return stored_media_kinds(self.meeting_type.mode)

    def recording_status(self) -> dict[str, Any]:
        """``state``: ``idle``, ``recording``, ``degraded`` (some streams failed: see
        ``failed_streams``), ``failed`` (the recorder stopped: ``reason``) or ``refused``."""
        mt = self.meeting_type
        state = "recording" if self.recorder else ("refused" if self.refusal else "idle")
        failures = dict(self.recorder.failures) if self.recorder else {}
        if "" in failures:
            state = "failed"
        elif failures:
            state = "degraded"
        status: dict[str, Any] = {
            "policy": mt.recording,
            "mode": mt.mode,
            "legal_basis": mt.legal_basis,
            "notice": mt.notice,
            "notice_version": notice_version(mt),
            "notice_sha256": notice_sha256(mt),
            "state": state,
        }
        if self.refusal:
            status["reason"] = self.refusal
        if "" in failures:
            status["reason"] = f"recording failed: {failures.pop('')}"
        if failures:
            status["failed_streams"] = failures
        return status

    def _recorder_failed(self, key: str, reason: str) -> None:
        """The recorder reports a failure (event loop): the access log keeps it."""
        target = f"{self.session_id}/{key}" if key else self.session_id
        self.node.access_log.record("node", "system", "recording.failed", target)

    def frames_discarded(self) -> dict[str, int]:
        """Per received track: frames read and dropped because nothing was recording them."""
        counts: dict[str, int] = {}
        for index, (participant, track) in enumerate(self.tracks):
            gate = gate_of(track)
            if gate is not None:
                counts[f"{participant}/{track.kind}/{index}"] = gate.discarded + gate.stale
        return counts

    # -- consent -------------------------------------------------------------------------

    async def record_consent(
        self,
        participant: str,
        granted: bool,
        text_version: str,
        shown: str | None = None,
        via: str | None = None,
    ) -> ConsentRecord:
        """Record a grant or withdrawal, durably (media_node.rights.consents).

        A grant counts only once it is stored: if it cannot be, :class:`RecordingRefused`
        (503) and nothing starts on it. A withdrawal (where consent is the legal basis) takes
        effect before this coroutine first yields: no start that has not yet checked consent
        can use the withdrawn grant, and the running recording takes no more media; it is then
        stopped under the session lock, and only then stored (``consent_storage`` says
        ``pending`` while the node retries)."""
        record = ConsentRecord(
            consent_id=f"cns-{secrets.token_hex(8)}",
            participant=participant,
            granted=granted,
            at=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            text_version=text_version,
            notice_sha256=shown,
            via=via,
        )
        durable = self._durable(record)
        ledger = self.node.consent_ledger
        loop = asyncio.get_running_loop()
        if granted:
            # Stored before it counts: no recording ever starts on a consent it cannot prove.
            before = self.consents.get(participant)
            position = len(self.consent_history)
            try:
                await loop.run_in_executor(None, ledger.store_grant, durable)
            except ConsentNotStored as error:
                raise RecordingRefused(
                    f"consent not recorded, so it cannot be relied on: {error}; try again", 503
                ) from None
            # Listed where it was given: a decision that overtook it while storing comes after.
            self.consent_history.insert(position, record)
            self.consent_storage[record.consent_id] = "stored"
            if self.consents.get(participant) is before:  # no later decision while storing
                self.consents[participant] = record
            return record
        self.consents[participant] = record
        self.consent_history.append(record)
        if withdrawal_stops_recording(self.meeting_type.legal_basis):
            recorder = self.recorder
            if recorder is not None:
                recorder.close_gates()
            async with self._lock:
                if recorder is not None and self.recorder is recorder:
                    await self._stop_locked()
        # Withdrawal wins: it took effect above; storing it can wait (the node retries).
        self.consent_storage[record.consent_id] = await loop.run_in_executor(
            None, ledger.store_withdrawal, durable
        )
        return record

    def _durable(self, record: ConsentRecord) -> StoredConsent:
        mt = self.meeting_type
        return StoredConsent(
            consent_id=record.consent_id,
            participant=record.participant,
            session_id=self.session_id,
            meeting_type=mt.name,
            granted=record.granted,
            at=record.at,
            text_version=record.text_version,
            notice_version=notice_version(mt),
            notice_text=mt.notice,
            notice_sha256_shown=record.notice_sha256,
            keep_until=keep_until_date(record.at, mt.retention_days),
            via=record.via,
        )

    # -- media ---------------------------------------------------------------------------

    def _configuration(self) -> RTCConfiguration:
        ice = self.node.config.ice
        servers = [
            RTCIceServer(
                urls=server["urls"], username=server["username"], credential=server["credential"]
            )
            for server in self.node.ice_servers(f"node-{self.session_id[-12:]}")
        ]
        policy = (
            RTCIceTransportPolicy.RELAY
            if ice.transport_policy == "relay"
            else RTCIceTransportPolicy.ALL
        )
        return RTCConfiguration(iceServers=servers, iceTransportPolicy=policy)

    async def answer(self, participant: str, sdp: str) -> str:
        """Accept ``participant``'s offer; returns the answer SDP. Raises ``ValueError``.

        One offer per participant at a time: a second one waits, then replaces the first's
        peer connection (closed), so concurrent offers never leave one open and untracked."""
        lock = self._offer_locks.setdefault(participant, asyncio.Lock())
        async with lock:
            return await self._answer_locked(participant, sdp)

    async def leave(self, participant: str) -> bool:
        """``participant`` left: close their peer connection (their streams end, the rest of
        the call and its recording go on). False if they had none."""
        async with self._offer_locks.setdefault(participant, asyncio.Lock()):
            pc = self.peers.pop(participant, None)
        if pc is None:
            return False
        await pc.close()
        return True

    async def _answer_locked(self, participant: str, sdp: str) -> str:
        if self.closed:
            raise ValueError("the session is closed")
        old = self.peers.pop(participant, None)
        if old is not None:
            await old.close()
        pc = RTCPeerConnection(self._configuration())
        self.peers[participant] = pc

        @pc.on("track")
        def on_track(track: Any) -> None:
            if track.kind in self.stored_kinds:
                passthrough(track, max_queued=self.node.config.max_queued_frames)
            else:
                discard(track)  # e.g. video in an audio-only meeting: never read, never stored
            self.tracks.append((participant, track))
            asyncio.ensure_future(self._track_arrived(participant, track))

        if self.node.config.ice.transport_policy == "relay":
            sdp = relay_only_offer(sdp)  # the node never learns a participant's address
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            if not pc.getTransceivers():
                raise ValueError("the offer has no audio or video section")
            for transceiver in pc.getTransceivers():
                if transceiver.kind not in self.stored_kinds:
                    transceiver.direction = "inactive"
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as error:  # aiortc raises many types on a hostile SDP; all are a 400
            if self.peers.get(participant) is pc:
                self.peers.pop(participant)
            await pc.close()
            raise ValueError(f"cannot use this offer: {type(error).__name__}: {error}") from None
        # a simulcast offer gets its highest layer accepted, never the browser's first (smallest)
        return answer_one_layer(str(pc.localDescription.sdp), sdp)

    async def _track_arrived(self, participant: str, track: Any) -> None:
        async with self._lock:
            if self.closed or track.kind not in self.stored_kinds:
                return
            if self.recorder is not None:
                self.recorder.add_track(participant, track)
                return
            if self.meeting_type.recording == "required":
                try:
                    await self._start_locked()
                except RecordingRefused as refused:
                    self.refusal = refused.reason
                    logger.warning(
                        "session %s: required recording refused: %s",
                        self.session_id,
                        refused.reason,
                    )

    # -- recording -----------------------------------------------------------------------

    async def start_recording(self) -> None:
        async with self._lock:
            await self._start_locked()

    def _refusal(self) -> str | None:
        return start_refusal(
            self.meeting_type.recording,
            self.meeting_type.legal_basis,
            list(self.participants),
            {p: c.granted for p, c in self.consents.items()},
            already_recording=self.recorder is not None and not self.recorder.failed,
        )

    async def _start_locked(self) -> None:
        reason = self._refusal()
        if reason:
            raise RecordingRefused(reason)
        if self.recorder is not None:  # a failed recorder: keep its result, start a new one
            await self._stop_locked()
        recording_id = f"rec-{secrets.token_hex(12)}"
        consent_refs = tuple(c.consent_id for c in self.consents.values() if c.granted)
        expected = len(self.participants) * len(self.stored_kinds)
        loop = asyncio.get_running_loop()
        try:
            recorder = await loop.run_in_executor(
                None,
                lambda: self.node.new_recorder(
                    recording_id=recording_id,
                    meeting_type=self.meeting_type,
                    subjects=tuple(sorted(self.participants)),
                    agents=tuple(sorted(p for p, r in self.participants.items() if r == "agent")),
                    consent_refs=consent_refs,
                    expected_tracks=expected,
                    on_late_track=self._late_track,
                    request_keyframe=self._request_keyframe,
                    loop=loop,
                ),
            )
        except KeyProviderError as error:  # a failing store spools instead (media_node.vault.spool)
            raise RecordingRefused(
                f"recording refused: key provider unavailable ({error})", 503
            ) from None
        current = tuple(c.consent_id for c in self.consents.values() if c.granted)
        if self._refusal() or current != consent_refs:
            # Consent changed while the recorder was being created: it never takes media.
            await recorder.stop()
            raise RecordingRefused("consent changed while the recording was starting")
        self.recorder = recorder
        recorder.on_failure = self._recorder_failed
        for key, reason in recorder.failures.items():  # failed before it was handed over
            self._recorder_failed(key, reason)
        self.refusal = None
        for participant, track in self.tracks:
            if track.readyState == "live":
                recorder.add_track(participant, track)
        self.node.index_recording(recording_id, self)

    def _request_keyframe(self, track: Any) -> None:
        """Send a PLI (RFC 4585) for ``track`` to its sender, if media already flows."""
        for pc in self.peers.values():
            for transceiver in pc.getTransceivers():
                receiver = transceiver.receiver
                if receiver.track is track:
                    for source in receiver.getSynchronizationSources():
                        asyncio.ensure_future(receiver._send_rtcp_pli(source.source))

    def _late_track(self, key: str) -> None:
        """A track first produced media after the header: roll over to a new recording."""
        logger.info("session %s: late track %s, rolling over", self.session_id, key)
        asyncio.ensure_future(self._rollover())

    async def _rollover(self) -> None:
        async with self._lock:
            if self.recorder is None or self.closed:
                return
            await self._stop_locked()
            try:
                await self._start_locked()
            except RecordingRefused as refused:
                self.refusal = refused.reason

    async def stop_recording(self) -> RecordingResult | None:
        async with self._lock:
            return await self._stop_locked()

    async def _stop_locked(self) -> RecordingResult | None:
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return None
        result = await recorder.stop()
        self.results.append(result)
        return result

    async def close(self) -> list[RecordingResult]:
        async with self._lock:
            self.closed = True
            peers, self.peers = list(self.peers.values()), {}
            await self._stop_locked()
        await asyncio.gather(*(pc.close() for pc in peers), return_exceptions=True)
        return list(self.results)
