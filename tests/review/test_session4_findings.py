"""Session-4 review findings: each test reproduces a problem on the code as merged (they fail
until the matching fix lands)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.media_node.call_helpers import Api, RunningNode, customer_api, node_config
from tests.media_node.parties import consent, run_on_node
from tests.media_node.rights_helpers import store_recording

pytestmark = pytest.mark.integration


def _with_customer_playback(stack: Any) -> Any:
    """The dev stack, but customers may play financial-advice recordings (its notice says
    'you may ask for a copy'; the vocabulary allows 'customer' in accessRoles)."""
    types = tuple(
        dataclasses.replace(m, access_roles=("customer", *m.access_roles))
        if m.name == "financial-advice"
        else m
        for m in stack.meeting_types
    )
    return dataclasses.replace(stack, meeting_types=types)


def test_a_customer_token_plays_only_recordings_of_its_own_session(
    tmp_path: Path, dev_config: Any
) -> None:
    """A customer token is bound to one session; the recordings route is not a session route,
    so any customer token (and an agent can mint one by listing a made-up customer in a
    session of its own and redeeming the link) played every recording of a meeting type whose
    accessRoles name 'customer': another customer's call, and one the agent was not part of."""
    stack = _with_customer_playback(dev_config)

    async def script(node: RunningNode, http: aiohttp.ClientSession) -> tuple[int, int]:
        store_recording(
            node.node.store,
            node.node.key_provider,
            "rec-victimcall0001",
            ("agent-other-01", "cust-victim-01"),
            meeting_type="financial-advice",
        )
        agent = Api(http, node.url, node.token("agent", "agent-attk-01"))
        status, created = await agent.call(
            "POST",
            "/v1/sessions",
            {
                "meeting_type": "customer-support",
                "participants": [
                    {"id": "agent-attk-01", "role": "agent"},
                    {"id": "cust-madeup-01", "role": "customer"},
                ],
            },
        )
        assert status == 201, created
        as_customer = await customer_api(http, node.url, created, "cust-madeup-01")
        media, _ = await as_customer.call("GET", "/v1/recordings/rec-victimcall0001/media")
        own_agent, _ = await agent.call("GET", "/v1/recordings/rec-victimcall0001/media")
        return media, own_agent

    media, own_agent = run_on_node(node_config(tmp_path / "node", stack, None), script)
    assert own_agent == 403  # the agent's own token is refused: not an agent of that call
    assert media == 403, "a customer token from another session played the recording"


def _withdrawal(participant: str = "cust-wd-01") -> Any:
    from media_node.rights.consents import StoredConsent

    return StoredConsent(
        consent_id="cns-00000000000000aa",
        participant=participant,
        session_id="ses-" + "c3" * 12,
        meeting_type="customer-support",
        granted=False,
        at="2026-11-24T01:00:00.000Z",
        text_version="v1",
        notice_version="customer-support@000000000000",
        notice_text="notice",
        notice_sha256_shown=None,
        keep_until="2026-12-24",
        via="join-code:jc-0000000000000000",
    )


def test_a_withdrawal_the_spool_disk_refuses_waits_instead_of_vanishing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """store_withdrawal 'never raises for an outage': a full spool disk (ENOSPC at the spool's
    write or fsync) is one. It raised OSError instead: the API answered 500 with no access-log
    entry, and the withdrawal was neither stored nor counted in ``waiting`` nor retried."""
    import errno
    import os

    from media_node.rights.consents import ConsentLedger, consent_keys
    from media_node.vault.keys import LocalKeyProvider, create_local_key_file
    from media_node.vault.store import LocalDirectoryStore

    create_local_key_file(tmp_path / "k.key")
    store = LocalDirectoryStore(tmp_path / "bucket")
    ledger = ConsentLedger(store, LocalKeyProvider(tmp_path / "k.key"), tmp_path / "spool")
    real_fsync = os.fsync

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    try:
        state: str | None = ledger.store_withdrawal(_withdrawal())
    except OSError:
        state = None
    assert state == "pending", "the withdrawal raised out of the ledger and was dropped"
    assert ledger.waiting == 1
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert ledger.retry() == 0
    assert [k.participant for k in consent_keys(store)] == ["cust-wd-01"]


UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # Pulumi's unknown-value sentinel


def _ssm_parameter(name: str, tags: Any) -> dict[str, Any]:
    inputs = {"name": name, "type": "String", "value": "x", "tags": tags}
    return {
        "urn": f"urn:pulumi:dev::callvault::aws:ssm/parameter:Parameter::{name.strip('/')}",
        "type": "aws:ssm/parameter:Parameter",
        "custom": True,
        "inputs": inputs,
        "outputs": {},
        "id": name,
    }


@pytest.mark.parametrize(
    "tags",
    [UNKNOWN, {"data-classification": UNKNOWN}],
    ids=["tags-unknown", "classification-unknown"],
)
def test_a_plain_parameter_whose_classification_is_unknown_is_not_a_pass(
    tags: Any, tmp_path: Path
) -> None:
    """CV-EAR-007 on a String parameter whose classification is unknown before deploy must be
    an error (cannot be decided), not a fail: _fact keeps only the known tags and never marks
    'tags' unknown, so the rule's unknown_among(.., 'tags') guard never fires and the finding
    says 'fail ... cannot be read' (the user is told to fix a resource that may be fine)."""
    import json

    from audit.cli import main

    state = {"version": 3, "deployment": {"resources": [_ssm_parameter("/app/blob-01", tags)]}}
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(state))
    main(["state", str(path), "--out", str(tmp_path / "out")])
    findings = json.loads((tmp_path / "out" / "report.json").read_text())["findings"]
    statuses = {f["status"] for f in findings if f["rule_id"] == "CV-EAR-007"}
    assert statuses == {"error"}, statuses


def _ear007(tmp_path: Path, resources: list[dict[str, Any]]) -> dict[str, str]:
    import json

    from audit.cli import main

    path = tmp_path / "stack.json"
    path.write_text(json.dumps({"version": 3, "deployment": {"resources": resources}}))
    main(["state", str(path), "--out", str(tmp_path / "out")])
    findings = json.loads((tmp_path / "out" / "report.json").read_text())["findings"]
    return {f["resource"]["id"]: f["status"] for f in findings if f["rule_id"] == "CV-EAR-007"}


def test_a_plain_parameter_with_known_tags_and_no_secret_name_passes(tmp_path: Path) -> None:
    """The rule says a String parameter passes when its name and tags are known and mark no
    secret. known_not_secret requires a data-classification tag: `not f.tags["data-
    classification"] in _CLASSIFIED` is undefined (not true) when the tag is absent, so every
    untagged config parameter (a region, a feature flag) fails with 'its name or tags cannot
    be read' although both were read."""
    statuses = _ear007(tmp_path, [_ssm_parameter("/app/region", {"owner": "team-a"})])
    assert statuses == {"/app/region": "pass"}, statuses


def test_a_grant_the_local_store_cannot_open_is_refused_and_logged(
    tmp_path: Path, dev_config: Any
) -> None:
    """The local store's writer opens its temp file unguarded: an OSError there (disk full,
    too many open files, the .partial directory gone) is neither a KeyProviderError nor an
    ObjectStoreError, so store_grant let it through: the API answered a bare 500 (aiohttp's
    page, not the JSON error) and the access log has no entry for the consent attempt at all
    ('every decision is logged'). Reproduced here for real: .partial replaced by a file."""
    import json
    import shutil

    from tests.media_node.test_consent_records import AGENT, CUSTOMER, _in_session

    async def script(node: RunningNode, agent: Api, customer: Api, sid: str) -> Any:
        partial = node.node.store.root / ".partial"  # type: ignore[attr-defined]
        shutil.rmtree(partial)
        partial.write_text("not a directory")
        status, body = await consent(customer, sid, CUSTOMER, True)
        log = (node.node.config.state_dir / "access.log").read_text()
        return status, body, [json.loads(line) for line in log.splitlines()]

    status, body, entries = _in_session(tmp_path, dev_config, script)
    assert AGENT  # the session's agent created it
    assert status == 503 and "consent not recorded" in str(body), (status, body)
    actions = [e["action"] for e in entries if e["actor"] == CUSTOMER]
    assert "consent.grant-not-stored" in actions, actions


def test_a_rule_in_a_nested_package_is_refused_when_the_library_loads() -> None:
    """The catalogue accepts `package callvault.rules.grp.sub`; the one-query-per-batch engine
    looks rules up as data.callvault.rules[p], which for p = "grp.sub" is undefined, so such a
    rule (evaluated before the speed work as data.callvault.rules.grp.sub) became an error on
    every fact of every audit: refuse it where it is read, with the reason."""
    from audit.catalogue import parse_rule_file
    from audit.errors import RuleFileError

    text = (
        (Path(__file__).parents[2] / "policies/encryption_at_rest/ssm_secure_string.rego")
        .read_text()
        .replace("package callvault.rules.ssm_secure_string", "package callvault.rules.grp.sub")
    )
    with pytest.raises(RuleFileError, match="package"):
        parse_rule_file(text, "grp/sub.rego")
