"""Consent records are durable (Art. 7(1)): every grant and withdrawal the node accepts is
stored sealed in the store, on the local store and on moto's S3 with KMS. A grant that cannot
be stored does not count (no recording starts on it); a withdrawal always stops the recording
and is stored once the store (or the key provider) is back."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from infra.config import StackConfig
from media_node.rights.archive_keys import PassphraseKeyProvider
from media_node.rights.consents import CONSENTS_PREFIX, consent_keys, consents_of
from media_node.rights.erase import erase_subject
from media_node.rights.export import export_subject
from media_node.rights.objects import list_keys
from media_node.rights.receipts import load_or_create_signing_key
from media_node.vault.keys import DataKey, KeyProvider, KeyProviderError
from media_node.vault.store import LocalDirectoryStore, ObjectWriter
from media_node.web_ui import notice_version

from .call_helpers import Api, RunningNode, join_call, node_config, wait_connected
from .parties import consent, run_in_session, start_recording
from .rights_helpers import PASSPHRASE, open_archive
from .test_api_security import FlakyStore
from .test_rights import Vault, vault  # noqa: F401 - the local / moto S3+KMS fixture

pytestmark = pytest.mark.integration

AGENT, CUSTOMER = "agent-cns-01", "cust-cns-01"
MEETING_TYPE = "customer-support"  # consent, optional, audio


class DownableKeys:
    """The node's real key provider, unavailable while ``down`` is set (a KMS outage)."""

    def __init__(self, inner: KeyProvider) -> None:
        self.inner = inner
        self.down = False

    @property
    def provider_id(self) -> str:
        return self.inner.provider_id

    def generate_data_key(self, context: Mapping[str, str]) -> DataKey:
        if self.down:
            raise KeyProviderError("KMS unreachable")
        return self.inner.generate_data_key(context)

    def decrypt_data_key(
        self, wrapped: bytes, key_ref: str, context: Mapping[str, str]
    ) -> bytearray:
        return self.inner.decrypt_data_key(wrapped, key_ref, context)


Script = Callable[[RunningNode, Api, Api, str], Awaitable[Any]]


def _in_session(tmp_path: Path, stack: StackConfig, script: Script, **node_kwargs: Any) -> Any:
    config = node_config(tmp_path / "node", stack, None)
    return run_in_session(config, (AGENT, CUSTOMER), MEETING_TYPE, script, **node_kwargs)


async def _consent(api: Api, sid: str, who: str, granted: bool) -> tuple[int, Any]:
    return await consent(api, sid, who, granted, "notice-v1")


def test_every_grant_and_withdrawal_is_stored_sealed(
    vault: Vault,  # noqa: F811
    tmp_path: Path,
    dev_config: StackConfig,
) -> None:
    async def script(node: RunningNode, agent: Api, customer: Api, sid: str) -> Any:
        assert (await _consent(agent, sid, AGENT, True))[0] == 200
        status, granted = await _consent(customer, sid, CUSTOMER, True)
        assert status == 200 and granted["stored"] == "stored", granted
        status, withdrawn = await _consent(customer, sid, CUSTOMER, False)
        assert status == 200 and withdrawn["stored"] == "stored", withdrawn
        return granted, withdrawn

    granted, withdrawn = _in_session(
        tmp_path, dev_config, script, store=vault.store, key_provider=vault.provider
    )
    keys = list(list_keys(vault.store, CONSENTS_PREFIX))
    assert len(keys) == 3
    for key in keys:
        sealed = vault.store.get_bytes(key)
        assert sealed.startswith(b"CVREC\x00"), f"{key} is not sealed"
        assert CUSTOMER.encode() not in sealed and b"notice" not in sealed
    records = consents_of(vault.store, vault.providers, CUSTOMER)
    assert [(r.consent_id, r.granted) for r in records] == [
        (granted["consent_id"], True),
        (withdrawn["consent_id"], False),
    ]
    mt = next(m for m in dev_config.meeting_types if m.name == MEETING_TYPE)
    for record in records:
        assert record.participant == CUSTOMER and record.meeting_type == MEETING_TYPE
        assert record.session_id.startswith("ses-") and record.text_version == "notice-v1"
        assert record.notice_text == mt.notice and record.notice_version == notice_version(mt)
        assert record.keep_until > record.at[:10]
        # Who could have decided: the customer's join code, not a staff token (an agent
        # posting the customer's consent is refused; this proves the record was not forged).
        assert record.via is not None and record.via.startswith("join-code:jc-"), record.via
    (agent_record,) = consents_of(vault.store, vault.providers, AGENT)
    assert agent_record.via == "staff-token"
    # The object key names pseudonymous ids and a date, nothing else.
    assert [k.participant for k in consent_keys(vault.store)].count(CUSTOMER) == 2


def _grant_refused(tmp_path: Path, dev_config: StackConfig, **kwargs: Any) -> Any:
    store = FlakyStore(LocalDirectoryStore(tmp_path / "bucket"))
    keys: DownableKeys | None = kwargs.pop("keys", None)

    async def script(node: RunningNode, agent: Api, customer: Api, sid: str) -> Any:
        assert (await _consent(agent, sid, AGENT, True))[0] == 200
        store.down, provider = kwargs["store_down"], keys
        if provider is not None:
            provider.down = True
        refused = await _consent(customer, sid, CUSTOMER, True)
        store.down = False
        if provider is not None:
            provider.down = False
        start = await start_recording(agent, sid)
        _, session = await agent.call("GET", f"/v1/sessions/{sid}")
        log = (node.node.config.state_dir / "access.log").read_text()
        return refused, start, session, log

    node_kwargs: dict[str, Any] = {"store": store}
    if keys is not None:
        node_kwargs["key_provider"] = keys
    return _in_session(tmp_path, dev_config, script, **node_kwargs), store


@pytest.mark.parametrize("outage", ["store", "key provider"])
def test_a_grant_that_cannot_be_stored_starts_no_recording(
    outage: str, tmp_path: Path, dev_config: StackConfig
) -> None:
    keys = None
    if outage == "key provider":
        from media_node.vault.keys import LocalKeyProvider, create_local_key_file

        create_local_key_file(tmp_path / "k.key")
        keys = DownableKeys(LocalKeyProvider(tmp_path / "k.key"))
    (refused, start, session, log), store = _grant_refused(
        tmp_path, dev_config, store_down=outage == "store", keys=keys
    )
    status, body = refused
    assert status == 503 and "consent not recorded" in body["error"], body
    assert start[0] == 409, f"a recording started on a grant that was never stored: {start}"
    assert [c["participant"] for c in session["consents"]] == [AGENT]
    assert session["recording"]["state"] != "recording"
    assert [k.participant for k in consent_keys(store.inner)] == [AGENT]
    assert list((tmp_path / "bucket" / ".partial").iterdir()) == [], "a refused grant left a file"
    actions = [json.loads(line)["action"] for line in log.splitlines()]
    assert "consent.grant-not-stored" in actions


@pytest.mark.parametrize("outage", ["store", "key provider"])
def test_a_withdrawal_that_cannot_be_stored_still_stops_and_is_stored_later(
    outage: str, tmp_path: Path, dev_config: StackConfig
) -> None:
    from media_node.vault.keys import LocalKeyProvider, create_local_key_file

    create_local_key_file(tmp_path / "k.key")
    keys = DownableKeys(LocalKeyProvider(tmp_path / "k.key"))
    store = FlakyStore(LocalDirectoryStore(tmp_path / "bucket"))

    async def script(node: RunningNode, agent: Api, customer: Api, sid: str) -> Any:
        assert (await _consent(agent, sid, AGENT, True))[0] == 200
        assert (await _consent(customer, sid, CUSTOMER, True))[0] == 200
        status, started = await start_recording(agent, sid)
        assert status == 200 and started["recording"]["state"] == "recording", started
        if outage == "store":
            store.down = True
        else:
            keys.down = True
        status, withdrawn = await _consent(customer, sid, CUSTOMER, False)
        waiting = node.node.consent_ledger.waiting
        stored_during_outage = [k.consent_id for k in consent_keys(store.inner, CUSTOMER)]
        store.down = keys.down = False
        for _ in range(60):  # the node's retry task (every 2 s) stores it
            if not node.node.consent_ledger.waiting:
                break
            await asyncio.sleep(0.1)
        log = (node.node.config.state_dir / "access.log").read_text()
        return status, withdrawn, waiting, stored_during_outage, log, node.node.spool_dir

    status, withdrawn, waiting, during, log, spool = _in_session(
        tmp_path, dev_config, script, store=store, key_provider=keys
    )
    assert status == 200, withdrawn
    assert withdrawn["recording"]["state"] != "recording", "the withdrawal did not stop it"
    assert withdrawn["stored"] == "pending" and waiting == 1
    assert withdrawn["consent_id"] not in during
    records = consents_of(store.inner, {keys.provider_id: keys}, CUSTOMER)
    assert [(r.consent_id, r.granted) for r in records][-1] == (withdrawn["consent_id"], False)
    assert list(spool.glob("*.pending")) == [], "the spooled withdrawal was not uploaded"
    assert '"consent.withdraw-pending"' in log
    entries = [json.loads(line) for line in log.splitlines()]
    late = [e["target"] for e in entries if e["action"] == "consent.stored-late"]
    assert len(late) == 1 and late[0].endswith(f"/{withdrawn['consent_id']}"), late


def test_a_recorded_call_exports_and_erases_with_the_consent_it_rests_on(
    tmp_path: Path, dev_config: StackConfig
) -> None:
    """The whole path: real peers, consent given, a recording, the customer withdraws; the
    export shows the grant the recording rests on and the withdrawal; the customer's erasure
    redacts them out of the recording and removes both records (nothing kept rests on them)."""

    async def script(node: RunningNode, agent: Api, customer: Api, sid: str) -> Any:
        pcs = [
            await join_call(agent, sid, AGENT, [], relay_only=False, video=False),
            await join_call(customer, sid, CUSTOMER, [], relay_only=False, video=False),
        ]
        await wait_connected(*pcs)
        _, grant = await _consent(customer, sid, CUSTOMER, True)
        assert (await _consent(agent, sid, AGENT, True))[0] == 200
        status, started = await start_recording(agent, sid)
        assert status == 200, started
        await asyncio.sleep(2.0)
        _, withdrawn = await _consent(customer, sid, CUSTOMER, False)
        _, closed = await agent.call("DELETE", f"/v1/sessions/{sid}")
        for pc in pcs:
            await pc.close()
        return node.node, grant, withdrawn, closed

    node, grant, withdrawn, closed = _in_session(tmp_path, dev_config, script)
    [recording] = closed["recordings"]
    assert recording["state"] == "stored"
    providers = {node.key_provider.provider_id: node.key_provider}
    out = tmp_path / "cust.cvx"
    export_subject(node.store, providers, CUSTOMER, out, PassphraseKeyProvider(PASSPHRASE))
    with open_archive(out) as archive:
        rows = json.loads(archive.read("consents.json"))
    assert [(r["consent_id"], r["granted"], r["relied_on_by"]) for r in rows] == [
        (grant["consent_id"], True, [recording["recording_id"]]),
        (withdrawn["consent_id"], False, []),
    ]
    receipt = erase_subject(
        node.store,
        providers,
        node.key_provider,
        CUSTOMER,
        journal_dir=tmp_path / "journal",
        signing_key=load_or_create_signing_key(tmp_path / "receipt.key"),
        today=dt.date.today(),
        actor="dpo-0001",
    )
    body = receipt["receipt"]
    assert [r["recording_id"] for r in body["redacted"]] == [recording["recording_id"]]
    assert sorted(c["consent_id"] for c in body["consents_deleted"]) == sorted(
        [grant["consent_id"], withdrawn["consent_id"]]
    )
    assert consent_keys(node.store, CUSTOMER) == []
    assert [k.participant for k in consent_keys(node.store)] == [AGENT]


class HeldStore:
    """A real local store whose next consent write waits until ``release`` is set."""

    def __init__(self, inner: LocalDirectoryStore) -> None:
        self.inner = inner
        self.hold_next = False
        self.held = threading.Event()
        self.release = threading.Event()

    def writer(self, key: str, content_type: str) -> ObjectWriter:
        if self.hold_next and key.startswith(CONSENTS_PREFIX):
            self.hold_next = False
            self.held.set()
            self.release.wait(10)
        return self.inner.writer(key, content_type)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_withdrawal_overtaking_a_grant_being_stored_wins(
    tmp_path: Path, dev_config: StackConfig
) -> None:
    store = HeldStore(LocalDirectoryStore(tmp_path / "bucket"))

    async def script(node: RunningNode, agent: Api, customer: Api, sid: str) -> Any:
        assert (await _consent(agent, sid, AGENT, True))[0] == 200
        store.hold_next = True
        grant = asyncio.ensure_future(_consent(customer, sid, CUSTOMER, True))
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, store.held.wait, 10)
        withdrawal = await _consent(customer, sid, CUSTOMER, False)
        store.release.set()
        granted = await grant
        start = await start_recording(agent, sid)
        _, session = await agent.call("GET", f"/v1/sessions/{sid}")
        return granted, withdrawal, start, session

    granted, withdrawal, start, session = _in_session(tmp_path, dev_config, script, store=store)
    assert granted[0] == 200 and withdrawal[0] == 200
    assert start[0] == 409, f"the grant stored after the withdrawal was relied on: {start}"
    customer = [(c["consent_id"], c["granted"]) for c in session["consents"][1:]]
    assert customer == [(granted[1]["consent_id"], True), (withdrawal[1]["consent_id"], False)]
    assert len(consent_keys(store.inner, CUSTOMER)) == 2
