"""TLS for the node's API: the server context from the configured certificate, the refusal to
serve tokens over plain HTTP beyond loopback, and a self-signed certificate for the hop behind
a load balancer (created at boot by the systemd unit)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import ssl
from pathlib import Path

__all__ = ["is_loopback", "plain_http_refusal", "server_context", "write_self_signed"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_refusal(host: str, tls: bool, behind_terminator: bool) -> str | None:
    """Why ``serve`` must not start, or None. Pure."""
    if tls or behind_terminator or is_loopback(host):
        return None
    return (
        f"refusing to serve bearer tokens over plain HTTP on {host}: set tls.cert_file and "
        "tls.key_file, or pass --behind-tls-terminator when a TLS load balancer is in front"
    )


def server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """TLS 1.2+ server context; raises ``OSError``/``ssl.SSLError`` on unusable files."""
    if key_file.stat().st_mode & 0o077:
        raise PermissionError(f"{key_file} is readable by group or others; run chmod 600")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context


def write_self_signed(directory: Path, hostname: str | None = None) -> tuple[Path, Path]:
    """A P-256 self-signed certificate (1 year) in ``directory``, unless one is there."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = hostname or socket.gethostname()
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name[:64])])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
