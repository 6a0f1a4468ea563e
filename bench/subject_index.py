"""Subject index: find one subject's recordings among 100,000, from the per-subject index vs
by scanning every manifest, in the same run (local store; each timed on a warm page cache).

    .venv/bin/python bench/subject_index.py [--total 100000] [--own 1000]

On S3 the scan costs one GET per manifest (100,000 requests) where the index costs one LIST
page per 1,000 entries plus one small GET per entry of the subject.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from population import SUBJECT, build  # noqa: E402

from media_node.rights.subject_index import recordings_of, scan_manifests  # noqa: E402
from media_node.vault.store import LocalDirectoryStore  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--own", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        mine = build(root, args.total, args.own)
        built = time.perf_counter() - t0
        store = LocalDirectoryStore(root)
        t0 = time.perf_counter()
        indexed = recordings_of(store, SUBJECT)
        index_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        scanned = scan_manifests(store, SUBJECT)
        scan_s = time.perf_counter() - t0
    assert {e.recording_id for e in indexed} == {e.recording_id for e in scanned}
    assert len(indexed) == len(mine)
    print(
        f"subject index, {args.total:,} recordings, {len(mine):,} of the subject's "
        f"(built in {built:.1f} s)"
    )
    print(f"  index lookup:       {index_s:7.3f} s")
    print(f"  scan all manifests: {scan_s:7.3f} s  (index is {scan_s / index_s:.0f}x faster)")


if __name__ == "__main__":
    main()
