"""Vault throughput and memory: encrypt/decrypt MB/s for a 1 GiB stream, peak RSS for 100 MiB
and 1 GiB (they should match: memory is bounded by one chunk plus one read block).

    .venv/bin/python bench/vault.py [--size-mib 1024]

Each measurement runs in a fresh child process (one core) so its peak RSS is its own.
Plaintext is generated in memory and ciphertext is discarded: this measures the vault, not
the disk.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BLOCK = 1024 * 1024


def child(mode: str, size: int, key_file: str) -> dict[str, float]:
    from media_node.envelope import StreamDecryptor, StreamEncryptor
    from media_node.keys import LocalKeyProvider
    from media_node.vault import UnwrapWithProviders

    provider = LocalKeyProvider(Path(key_file))
    block = os.urandom(BLOCK)
    context = {"purpose": "call-recording", "recording_id": "bench", "meeting_type": "bench"}
    data_key = provider.generate_data_key(context)
    encryptor = StreamEncryptor(
        data_key.plaintext,
        key_provider="local",
        key_ref=data_key.key_ref,
        context=context,
        wrapped_key=data_key.wrapped,
    )
    blocks = size // BLOCK
    start = time.perf_counter()
    if mode == "encrypt":
        out_bytes = 0
        for _ in range(blocks):
            out_bytes += len(encryptor.update(block))
        out_bytes += len(encryptor.finalize())
        assert out_bytes > size
    else:
        # Decrypting needs a valid stream: an encryptor produces it in lockstep, and its time
        # is subtracted so only the decryptor is measured.
        decryptor = StreamDecryptor(UnwrapWithProviders({"local": provider}))
        producer_time = 0.0
        for _ in range(blocks):
            t0 = time.perf_counter()
            sealed = encryptor.update(block)
            producer_time += time.perf_counter() - t0
            decryptor.update(sealed)
        t0 = time.perf_counter()
        last = encryptor.finalize()
        producer_time += time.perf_counter() - t0
        decryptor.update(last)
        decryptor.finalize()
        start += producer_time  # count only the decryptor's time
    elapsed = time.perf_counter() - start
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": elapsed, "mb_per_s": size / 1e6 / elapsed, "peak_rss_mib": rss_mib}


def run_child(mode: str, size: int, key_file: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(size), key_file],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(output))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], int(sys.argv[3]), sys.argv[4])))
        return
    parser = argparse.ArgumentParser(description="vault throughput and peak RSS")
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args()
    from media_node.keys import create_local_key_file

    with tempfile.TemporaryDirectory() as tmp:
        key_file = str(Path(tmp) / "bench.key")
        create_local_key_file(Path(key_file))
        big = args.size_mib * BLOCK
        small = 100 * BLOCK
        enc = run_child("encrypt", big, key_file)
        dec = run_child("decrypt", big, key_file)
        enc_small = run_child("encrypt", small, key_file)
        dec_small = run_child("decrypt", small, key_file)
    print("vault, AES-256-GCM STREAM, 256 KiB chunks, one core per run")
    print(
        f"  encrypt {args.size_mib} MiB: {enc['mb_per_s']:.0f} MB/s "
        f"(target >= 1000), peak RSS {enc['peak_rss_mib']:.0f} MiB"
    )
    print(
        f"  decrypt {args.size_mib} MiB: {dec['mb_per_s']:.0f} MB/s, "
        f"peak RSS {dec['peak_rss_mib']:.0f} MiB"
    )
    print(
        f"  encrypt 100 MiB: peak RSS {enc_small['peak_rss_mib']:.0f} MiB; "
        f"decrypt 100 MiB: peak RSS {dec_small['peak_rss_mib']:.0f} MiB (target < 100 MiB, "
        f"and the same as for {args.size_mib} MiB)"
    )


if __name__ == "__main__":
    main()
