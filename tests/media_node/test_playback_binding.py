"""Playback plays the recording its manifest names, or nothing: an object sealed for another
recording (copied over this one's key by anyone who may write the bucket) or another version
of the same recording (a different stream digest) is refused and logged as an integrity
failure, never streamed as this recording to a supervisor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from media_node.node_config import NodeConfig
from media_node.rights.archive_keys import PassphraseKeyProvider
from media_node.rights.export import export_subject
from media_node.vault.envelope import IntegrityError

from .call_helpers import RunningNode
from .parties import run_on_node
from .rights_helpers import PASSPHRASE, store_recording
from .test_rights import Vault, vault  # noqa: F401 - the local / moto S3+KMS fixture

pytestmark = pytest.mark.integration

MEETING_TYPE = "financial-advice"  # supervisors may play it
A, B = "rec-playbacka001", "rec-playbackb001"


def _key(recording_id: str) -> str:
    return f"recordings/{MEETING_TYPE}/{recording_id}.cvr"


async def _play(node: RunningNode, http: aiohttp.ClientSession, recording_id: str) -> Any:
    headers = {"Authorization": f"Bearer {node.token('supervisor', 'sup-play-01')}"}
    try:
        async with http.get(f"{node.url}/v1/recordings/{recording_id}/media", headers=headers) as r:
            return r.status, len(await r.read())
    except aiohttp.ClientError as error:  # the node cut the stream: never a clean end
        return "cut", type(error).__name__


@pytest.mark.parametrize("substitute", ["another recording", "another version"])
def test_a_substituted_object_is_refused_not_played(
    local_node_config: NodeConfig, substitute: str
) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> Any:
        store, keys = node.node.store, node.node.key_provider
        store_recording(store, keys, A, ("agent-pb-01", "cust-pb-01"), meeting_type=MEETING_TYPE)
        store_recording(store, keys, B, ("agent-pb-01", "cust-pb-02"), meeting_type=MEETING_TYPE)
        genuine = await _play(node, http, B)
        if substitute == "another recording":
            stolen = store.get_bytes(_key(A))
        else:  # B sealed again: same context, another data key, another digest
            manifest_key = f"recordings/{MEETING_TYPE}/{B}.manifest.json"
            kept = store.get_bytes(manifest_key)
            store_recording(
                store, keys, B, ("agent-pb-01", "cust-pb-02"), meeting_type=MEETING_TYPE
            )
            stolen = store.get_bytes(_key(B))
            store.put_bytes(manifest_key, kept, "application/json")
        store.put_bytes(_key(B), stolen, "application/octet-stream")
        swapped = await _play(node, http, B)
        log = (node.node.config.state_dir / "access.log").read_text().splitlines()
        return genuine, swapped, [json.loads(line)["action"] for line in log]

    genuine, swapped, actions = run_on_node(local_node_config, script)
    assert genuine[0] == 200 and genuine[1] > 0
    assert swapped[0] == "cut", f"{substitute}: the object was played as {B}: {swapped}"
    assert "media.integrity-failure" in actions


def test_an_access_export_refuses_another_recordings_object(
    vault: Vault,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Art. 15 must not hand one subject another person's recording: the subject's recording
    whose object was replaced by someone else's stops the export (no archive is written)."""
    store_recording(vault.store, vault.provider, A, ("cust-other-01",), meeting_type=MEETING_TYPE)
    store_recording(vault.store, vault.provider, B, ("cust-pb-02",), meeting_type=MEETING_TYPE)
    vault.store.put_bytes(_key(B), vault.store.get_bytes(_key(A)), "application/octet-stream")
    out = tmp_path / "export.cvx"
    with pytest.raises(IntegrityError):
        export_subject(
            vault.store, vault.providers, "cust-pb-02", out, PassphraseKeyProvider(PASSPHRASE)
        )
    assert not out.exists()
