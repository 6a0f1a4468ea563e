"""Durable consent records (Art. 7(1)): who consented or withdrew, when, to which notice text.

Every grant and withdrawal the node accepts is one object
``recordings/_consents/<participant>/<session>/<consent id>.<keep until>.cvr``: a small JSON
document sealed with the recording envelope (a data key per record, encryption context
``purpose=call-recording, recording_id=<consent id>, meeting_type=<type>``: the keys the media
node's IAM role may use, no personal data). The key holds pseudonymous ids and a date only.

* A **grant** is stored before the node relies on it: if it cannot be stored, no recording
  starts on it (:class:`ConsentNotStored`, the participant sees the error and can try again).
* A **withdrawal** always takes effect first (the session stops recording before storing it);
  a record the store refuses waits, sealed, in the node's spool, and one the key provider
  cannot seal waits in memory; :meth:`ConsentLedger.retry` (the node runs it periodically)
  stores both, and ``serve`` uploads a spooled one at its next start.

Keeping and removing them: a record stays while a stored recording names one of the consents
of its (participant, session) in its manifest's ``consent_refs`` (the proof that justifies the
recording) and at least until ``keep until`` (the day of the decision plus the meeting type's
retention: proof that a declined or withdrawn consent was honoured). The retention sweeper
removes the rest; an erasure (Art. 17) removes the subject's records except those that prove
consent for a recording that is kept (Art. 7(1), Art. 17(3)(e)): see README, the DPO's guide.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from media_node.rights.objects import list_keys
from media_node.vault.context import recording_context
from media_node.vault.keys import KeyProvider, KeyProviderError
from media_node.vault.manifest import ManifestError, check_pseudonym
from media_node.vault.spool import SpoolingWriter, flush_pending
from media_node.vault.store import ObjectStore, ObjectStoreError
from media_node.vault.stream import EncryptingWriter, decrypt_stream

__all__ = [
    "CONSENTS_PREFIX",
    "ConsentKey",
    "ConsentLedger",
    "ConsentNotStored",
    "StoredConsent",
    "consent_keys",
    "consents_of",
    "keep_until_date",
    "parse_key",
    "read_consent",
    "referenced_groups",
]

CONSENTS_PREFIX = "recordings/_consents/"
CONTENT_TYPE = "application/vnd.callvault.consent"
_ID = r"[A-Za-z0-9_-]{4,64}"
_KEY = re.compile(
    rf"^{re.escape(CONSENTS_PREFIX)}({_ID})/({_ID})/({_ID})\.(\d{{4}}-\d{{2}}-\d{{2}})\.cvr\Z"
)
logger = logging.getLogger("media_node.consents")


class ConsentNotStored(RuntimeError):
    """A consent decision could not be stored (key provider or object store unavailable)."""


@dataclass(frozen=True)
class StoredConsent:
    consent_id: str
    participant: str
    """Pseudonymous id of the participant who decided."""
    session_id: str
    meeting_type: str
    granted: bool
    """True for a grant, False for a withdrawal or a refusal."""
    at: str
    """When the node accepted the decision (RFC 3339 UTC)."""
    text_version: str
    """The notice version the participant's page named."""
    notice_version: str
    """The node's version id of the notice text in force (changes whenever the text does)."""
    notice_text: str
    """The notice text in force, as the join page shows it."""
    notice_sha256_shown: str | None
    """SHA-256 of the text the page says it showed (checked against the notice in force)."""
    keep_until: str
    """``YYYY-MM-DD``: the day of the decision plus the meeting type's retention."""
    via: str | None = None
    """How the decider's credential was obtained: ``join-code:jc-...`` (a customer who
    redeemed their own join link) or ``staff-token``; ``None`` in records written before the
    node kept it. The access log's entry for the same consent id says the same."""

    def __post_init__(self) -> None:
        for name in ("consent_id", "participant", "session_id"):
            check_pseudonym(getattr(self, name), name)
        dt.date.fromisoformat(self.keep_until)

    @property
    def key(self) -> str:
        return (
            f"{CONSENTS_PREFIX}{self.participant}/{self.session_id}/"
            f"{self.consent_id}.{self.keep_until}.cvr"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> StoredConsent:
        try:
            return cls(**raw)
        except (TypeError, ValueError) as err:
            raise ManifestError(f"malformed consent record: {err}") from None


def keep_until_date(at: str, retention_days: int) -> str:
    return (dt.date.fromisoformat(at[:10]) + dt.timedelta(days=retention_days)).isoformat()


@dataclass(frozen=True)
class ConsentKey:
    """What an object key says about a consent record (no decryption needed)."""

    key: str
    participant: str
    session_id: str
    consent_id: str
    keep_until: dt.date


def parse_key(key: str) -> ConsentKey:
    match = _KEY.match(key)
    if not match:
        raise ObjectStoreError(f"{key!r} is not a consent record key")
    participant, session_id, consent_id, until = match.groups()
    return ConsentKey(key, participant, session_id, consent_id, dt.date.fromisoformat(until))


def consent_keys(store: ObjectStore, subject: str | None = None) -> list[ConsentKey]:
    """Every consent record (of ``subject``), from one listing; an unknown key fails closed."""
    prefix = CONSENTS_PREFIX if subject is None else f"{CONSENTS_PREFIX}{subject}/"
    if subject is not None:
        check_pseudonym(subject, "subject")
    return [parse_key(key) for key in list_keys(store, prefix)]


def _context(record: StoredConsent) -> dict[str, str]:
    return recording_context(record.consent_id, record.meeting_type)


def read_consent(
    store: ObjectStore, providers: Mapping[str, KeyProvider], key: ConsentKey
) -> StoredConsent:
    """Decrypt one record and check it is the one its key names (no swapped objects)."""
    plaintext = b"".join(decrypt_stream(store.read(key.key), providers))
    try:
        record = StoredConsent.from_json(json.loads(plaintext))
    except ValueError as err:
        raise ManifestError(f"{key.key}: {err}") from None
    if record.key != key.key:
        raise ManifestError(f"{key.key}: the sealed record is {record.key}, not this one")
    return record


def consents_of(
    store: ObjectStore, providers: Mapping[str, KeyProvider], subject: str
) -> list[StoredConsent]:
    """The subject's consent records, oldest first."""
    records = [read_consent(store, providers, key) for key in consent_keys(store, subject)]
    return sorted(records, key=lambda r: (r.at, r.session_id, r.consent_id))


def referenced_groups(
    keys: Iterable[ConsentKey], consent_refs: Iterable[str]
) -> set[tuple[str, str]]:
    """The (participant, session) groups one of whose consents a recording names."""
    refs = set(consent_refs)
    return {(k.participant, k.session_id) for k in keys if k.consent_id in refs}


def _seal_into(provider: KeyProvider, record: StoredConsent, sink: Any) -> None:
    try:
        writer = EncryptingWriter(provider, sink, _context(record))
    except BaseException:  # no data key: nothing may stay behind (upload, temp or spool file)
        sink.abort()
        raise
    try:
        writer.write(json.dumps(record.to_json(), sort_keys=True).encode())
        writer.close()
    except BaseException:
        writer.abort()
        raise


class ConsentLedger:
    """The node's write path for consent records (called from the executor, never the loop)."""

    def __init__(
        self,
        store: ObjectStore,
        provider: KeyProvider,
        spool_dir: Path,
        *,
        on_stored_late: Callable[[ConsentKey], object] | None = None,
    ) -> None:
        self._on_stored_late = on_stored_late
        """Called (from the retrying thread) for each withdrawal stored on a retry."""
        self._store = store
        self._provider = provider
        self._spool_dir = spool_dir
        self._lock = threading.Lock()
        self._unsealed: list[StoredConsent] = []
        """Withdrawals the key provider could not seal yet (in memory only)."""
        self._spooled: set[str] = set()
        """Keys of sealed withdrawals waiting in the spool for the store."""
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """Withdrawals not in the store yet (as of the last store or retry to finish)."""
        return self._waiting

    def store_grant(self, record: StoredConsent) -> None:
        """Store a grant, or raise :class:`ConsentNotStored` (then it must not be relied on)."""
        try:
            _seal_into(self._provider, record, self._store.writer(record.key, CONTENT_TYPE))
        except KeyProviderError as err:
            raise ConsentNotStored(f"key provider unavailable ({err})") from None
        except ObjectStoreError as err:
            raise ConsentNotStored(f"object store unavailable ({err})") from None

    def store_withdrawal(self, record: StoredConsent) -> str:
        """Store a withdrawal: ``stored``, or ``pending`` (sealed in the spool, or waiting for
        the key provider) until :meth:`retry` stores it. Never raises for an outage."""
        with self._lock:
            state = self._store_withdrawal(record)
            self._waiting = len(self._unsealed) + len(self._spooled)
            return state

    def _store_withdrawal(self, record: StoredConsent) -> str:
        try:
            sink = SpoolingWriter(self._store, record.key, CONTENT_TYPE, self._spool_dir, retries=1)
        except OSError as err:
            logger.error("consent %s: spool unavailable: %s", record.consent_id, err)
            self._unsealed.append(record)
            return "pending"
        try:
            _seal_into(self._provider, record, sink)
        except KeyProviderError as err:
            logger.error("consent %s: not sealed yet (%s); retrying", record.consent_id, err)
            self._unsealed.append(record)
            return "pending"
        except OSError as err:  # the spool's disk (full, read-only): an outage like the others
            logger.error("consent %s: spool write failed (%s); retrying", record.consent_id, err)
            self._unsealed.append(record)
            return "pending"
        if sink.state == "uploaded":
            return "stored"
        logger.error(
            "consent %s: store unavailable (%s); sealed in the spool, retrying",
            record.consent_id,
            sink.store_error,
        )
        self._spooled.add(record.key)
        return "pending"

    def retry(self) -> int:
        """Store what waits; returns how many still wait."""
        with self._lock:
            unsealed, self._unsealed = self._unsealed, []
            stored = [r.key for r in unsealed if self._store_withdrawal(r) == "stored"]
            if self._spooled:
                waiting = set(self._spooled)
                done = flush_pending(
                    self._store,
                    self._spool_dir,
                    lambda key: CONTENT_TYPE,
                    only=lambda key: key in waiting,
                )
                self._spooled -= set(done)
                stored += done
            for key in stored:
                logger.info("consent record %s stored on retry", key.rsplit("/", 1)[-1])
                if self._on_stored_late is not None:
                    self._on_stored_late(parse_key(key))
            self._waiting = len(self._unsealed) + len(self._spooled)
            return self._waiting
