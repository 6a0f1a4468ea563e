"""Export and erasure for one subject among 100,000 manifests, 1,000 of them the subject's
(each a real encrypted WebM shared with an agent, so every one is re-muxed: the worst case):
wall time and peak RSS, each in its own child process, on the local store.

    .venv/bin/python bench/dsar.py [--total 100000] [--own 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from population import SUBJECT, build  # noqa: E402

from media_node.rights.subject_index import manifest_key  # noqa: E402
from media_node.vault.context import recording_context  # noqa: E402
from media_node.vault.keys import LocalKeyProvider, create_local_key_file  # noqa: E402
from media_node.vault.store import LocalDirectoryStore  # noqa: E402
from media_node.vault.stream import encrypt_stream  # noqa: E402


class _FileSink:
    def __init__(self, path: Path) -> None:
        self.handle = path.open("wb")

    def write(self, data: bytes) -> None:
        self.handle.write(data)

    def commit(self) -> None:
        self.handle.close()

    def abort(self) -> None:
        self.handle.close()

    def __enter__(self) -> _FileSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def prepare(root: Path, total: int, own: int) -> None:
    from dataclasses import replace

    from tests.media_node.rights_helpers import webm

    key = root / "vault.key"
    create_local_key_file(key)
    provider = LocalKeyProvider(key)
    store = root / "store"
    plaintext = webm(("agent-0001", SUBJECT))
    for manifest in build(store, total, own):
        media = store / f"recordings/{manifest.meeting_type}/{manifest.recording_id}.cvr"
        with _FileSink(media) as sink:
            sealed = encrypt_stream(
                provider,
                sink,
                recording_context(manifest.recording_id, manifest.meeting_type),
                [plaintext],
            )
        real = replace(
            manifest,
            key_ref=sealed.key_ref,
            ciphertext_digest=sealed.ciphertext_digest,
            ciphertext_size=sealed.ciphertext_size,
        )
        (store / manifest_key(real.meeting_type, real.recording_id)).write_bytes(real.to_json())


def child(mode: str, root: Path) -> dict[str, float]:
    from media_node.rights.archive_keys import PassphraseKeyProvider
    from media_node.rights.erase import erase_subject
    from media_node.rights.export import export_subject
    from media_node.rights.receipts import load_or_create_signing_key

    store = LocalDirectoryStore(root / "store")
    provider = LocalKeyProvider(root / "vault.key")
    start = time.perf_counter()
    if mode == "export":
        result = export_subject(
            store,
            {"local": provider},
            SUBJECT,
            root / "export.cvx",
            PassphraseKeyProvider("bench passphrase 1234"),
        )
        count = len(result.recordings)
    else:
        receipt = erase_subject(
            store,
            {"local": provider},
            provider,
            SUBJECT,
            journal_dir=root / "journal",
            signing_key=load_or_create_signing_key(root / "receipt.key"),
            today=dt.date(2026, 11, 23),
            actor="dpo-bench",
        )
        count = len(receipt["receipt"]["redacted"]) + len(receipt["receipt"]["deleted"])
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "recordings": count, "peak_rss_mib": rss}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--own", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        prepare(root, args.total, args.own)
        print(
            f"population: {args.total:,} manifests, {args.own:,} of {SUBJECT}'s recordings "
            f"(built in {time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
        for mode in ("export", "erase"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", mode, str(root)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            got = json.loads(out)
            print(
                f"  {mode:<6} {got['recordings']:>5.0f} recordings: {got['seconds']:7.1f} s wall, "
                f"peak RSS {got['peak_rss_mib']:.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main()
