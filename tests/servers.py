"""Real servers for tests: coturn from Debian, started on loopback with the project's config."""

from __future__ import annotations

import datetime
import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from infra.turn_config import TurnServerSettings, render_turnserver_conf

_STARTED: Counter[str] = Counter()
"""How many times this process started each kind of server (see :func:`servers_started`)."""


def servers_started() -> dict[str, int]:
    """Each kind of real server this process started, and how often: a session that shares
    its servers starts each kind once."""
    return dict(_STARTED)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port free for both TCP and UDP on 127.0.0.1."""
    while True:
        with socket.socket(socket.AF_INET, kind) as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
        other = socket.SOCK_DGRAM if kind == socket.SOCK_STREAM else socket.SOCK_STREAM
        with socket.socket(socket.AF_INET, other) as second:
            try:
                second.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def write_self_signed_cert(directory: Path, common_name: str = "localhost") -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def stop_process(process: subprocess.Popen[Any]) -> None:
    """Terminate a server and reap it; kill it if it does not stop within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class RunningTurnServer:
    host: str
    port: int
    tls_port: int
    secret: str
    realm: str
    config_text: str
    log_file: Path


def _wait_for_tcp(host: str, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"turnserver exited with {process.returncode}: "
                f"{log.read_text(errors='replace')[-2000:] if log.exists() else ''}"
            )
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"turnserver did not listen on {host}:{port} within 15 s")


@contextmanager
def running_coturn(
    directory: Path, *, secret: str, allow_loopback_peer: bool
) -> Iterator[RunningTurnServer]:
    """Start Debian's ``turnserver`` with the project's rendered config on loopback.

    ``allow_loopback_peer`` is the test-only variant: production config denies loopback peers.
    """
    binary = shutil.which("turnserver")
    if binary is None:
        raise RuntimeError("turnserver not found: run `bash .ci/setup` (installs coturn)")
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = write_self_signed_cert(directory)
    port, tls_port = free_port(), free_port()
    relay_low = 50000 + (port % 300) * 50
    log_file = directory / "turn.log"
    settings = TurnServerSettings(
        realm="turn.test.callvault.example",
        static_auth_secret=secret,
        relay_port_min=relay_low,
        relay_port_max=relay_low + 49,
        listening_ips=("127.0.0.1",),
        relay_ip="127.0.0.1",
        listening_port=port,
        tls_listening_port=tls_port,
        cert_file=str(cert),
        pkey_file=str(key),
        allowed_peer_ips=("127.0.0.1",) if allow_loopback_peer else (),
        allow_loopback_peers=allow_loopback_peer,
        log_file=str(log_file),
        pidfile=str(directory / "turn.pid"),
    )
    config_text = render_turnserver_conf(settings)
    config_path = directory / "turnserver.conf"
    config_path.write_text(config_text)
    process = subprocess.Popen(
        [binary, "-c", str(config_path), "--db", str(directory / "turndb")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _STARTED["coturn" if allow_loopback_peer else "coturn (production peer rules)"] += 1
    try:
        _wait_for_tcp("127.0.0.1", port, process, log_file)
        yield RunningTurnServer(
            "127.0.0.1", port, tls_port, secret, settings.realm, config_text, log_file
        )
    finally:
        stop_process(process)


@dataclass(frozen=True)
class RunningMotoServer:
    endpoint_url: str
    region: str


@contextmanager
def running_moto_server(
    region: str = "eu-central-1", env: dict[str, str] | None = None
) -> Iterator[RunningMotoServer]:
    """moto's standalone server (PyPI ``moto[server]``) on a free loopback port; ``env`` adds
    moto settings (e.g. ``INITIAL_NO_AUTH_ACTION_COUNT`` to enforce IAM)."""
    import os
    import sys
    import urllib.request

    binary = Path(sys.executable).with_name("moto_server")
    if not binary.exists():
        raise RuntimeError("moto_server not found: run `bash .ci/setup` (installs moto[server])")
    port = free_port()
    process = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    _STARTED["moto_server" + (f" ({', '.join(sorted(env))})" if env else "")] += 1
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", region),
    ):
        os.environ.setdefault(name, value)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not answer within 30 s") from None
                time.sleep(0.2)
        yield RunningMotoServer(endpoint, region)
    finally:
        stop_process(process)


def recordings_key_and_bucket(server: RunningMotoServer, bucket: str) -> dict[str, Any]:
    """boto3 KMS and S3 clients on ``server``, a new KMS key and an empty bucket."""
    import boto3

    kms = boto3.client("kms", region_name=server.region, endpoint_url=server.endpoint_url)
    s3 = boto3.client("s3", region_name=server.region, endpoint_url=server.endpoint_url)
    key_arn = kms.create_key(Description="recordings")["KeyMetadata"]["Arn"]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": server.region})
    return {"kms": kms, "s3": s3, "key_arn": key_arn, "bucket": bucket}
