"""The vault against moto's real server: KMS envelopes with context, S3 multipart, aborts."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

from media_node.vault.context import recording_context
from media_node.vault.envelope import StreamDecryptor
from media_node.vault.keys import KeyProviderError, KmsKeyProvider
from media_node.vault.store import ObjectStoreError, S3ObjectStore
from media_node.vault.stream import UnwrapWithProviders, decrypt_stream, encrypt_stream
from media_node.vault.verify import keyless_stream_digest
from tests.servers import RunningMotoServer, recordings_key_and_bucket

pytestmark = pytest.mark.integration
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def aws(moto_server: RunningMotoServer) -> dict[str, Any]:
    return recordings_key_and_bucket(moto_server, "vault-test-recordings")


def blocks(total: int, size: int = MIB, seed: bytes = b"") -> Iterator[bytes]:
    counter = 0
    while total > 0:
        block = hashlib.sha256(seed + counter.to_bytes(8, "big")).digest() * (size // 32)
        yield block[: min(size, total)]
        total -= size
        counter += 1


def test_kms_envelope_round_trip_with_context(aws: dict[str, Any]) -> None:
    provider = KmsKeyProvider(aws["kms"], aws["key_arn"])
    context = recording_context("rec-kms-0001", "claims-inspection")
    data_key = provider.generate_data_key(context)
    assert len(data_key.plaintext) == 32 and data_key.key_ref == aws["key_arn"]
    unwrapped = provider.decrypt_data_key(data_key.wrapped, data_key.key_ref, context)
    assert unwrapped == data_key.plaintext
    other = recording_context("rec-kms-0002", "claims-inspection")
    with pytest.raises(KeyProviderError, match="InvalidCiphertext"):
        provider.decrypt_data_key(data_key.wrapped, data_key.key_ref, other)


def test_tampered_header_context_is_refused_by_kms(aws: dict[str, Any]) -> None:
    store = S3ObjectStore(aws["s3"], aws["bucket"], kms_key_id=aws["key_arn"])
    provider = KmsKeyProvider(aws["kms"], aws["key_arn"])
    key = "recordings/claims-inspection/rec-ctx.cvr"
    with store.writer(key, "application/octet-stream") as sink:
        encrypt_stream(
            provider, sink, recording_context("rec-ctx-0001", "claims-inspection"), [b"x" * 1000]
        )
    data = store.get_bytes(key)
    swapped = data.replace(b"rec-ctx-0001", b"rec-ctx-0002")
    assert swapped != data
    with pytest.raises(KeyProviderError):
        b"".join(decrypt_stream([swapped], {"aws-kms": provider}))


def test_s3_multipart_upload_of_50_mib_is_sse_kms_and_decrypts(aws: dict[str, Any]) -> None:
    store = S3ObjectStore(aws["s3"], aws["bucket"], kms_key_id=aws["key_arn"])
    provider = KmsKeyProvider(aws["kms"], aws["key_arn"])
    key = "recordings/claims-inspection/rec-50mib.cvr"
    size = 50 * MIB
    with store.writer(key, "application/octet-stream") as sink:
        result = encrypt_stream(
            provider,
            sink,
            recording_context("rec-50mib", "claims-inspection"),
            blocks(size, seed=b"50"),
        )
        parts = sink.parts_uploaded
    assert parts >= 6  # 8 MiB parts
    head = aws["s3"].head_object(Bucket=aws["bucket"], Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == aws["key_arn"]
    assert head["ContentLength"] == result.ciphertext_size
    plain = hashlib.sha256()
    assert keyless_stream_digest(store.read(key)) == (
        result.ciphertext_digest,
        result.ciphertext_size,
    )
    total = 0
    for block in decrypt_stream(store.read(key), {"aws-kms": provider}):
        plain.update(block)
        total += len(block)
    expected = hashlib.sha256()
    for block in blocks(size, seed=b"50"):
        expected.update(block)
    assert total == size and plain.hexdigest() == expected.hexdigest()


class FailingUploads:
    """A seam around the real boto3 client: the n-th UploadPart raises, the rest is moto."""

    def __init__(self, client: Any, fail_on_part: int) -> None:
        self._client = client
        self._fail_on = fail_on_part
        self.aborted = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def upload_part(self, **kwargs: Any) -> Any:
        if kwargs["PartNumber"] == self._fail_on:
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="injected-failure")
        return self._client.upload_part(**kwargs)

    def abort_multipart_upload(self, **kwargs: Any) -> Any:
        self.aborted += 1
        return self._client.abort_multipart_upload(**kwargs)


def test_failure_mid_upload_aborts_and_leaves_nothing_readable(aws: dict[str, Any]) -> None:
    client = FailingUploads(aws["s3"], fail_on_part=3)
    store = S3ObjectStore(client, aws["bucket"], kms_key_id=aws["key_arn"], part_size=5 * MIB)
    provider = KmsKeyProvider(aws["kms"], aws["key_arn"])
    key = "recordings/claims-inspection/rec-failing.cvr"
    with pytest.raises(ObjectStoreError, match="upload_part"):
        with store.writer(key, "application/octet-stream") as sink:
            encrypt_stream(
                provider,
                sink,
                recording_context("rec-failing", "claims-inspection"),
                blocks(30 * MIB, seed=b"f"),
            )
    assert client.aborted == 1
    assert not store.exists(key)
    assert [u for u in store.incomplete_uploads("recordings/") if u["Key"] == key] == []


def test_wrong_kms_key_for_decrypt_fails(aws: dict[str, Any]) -> None:
    provider = KmsKeyProvider(aws["kms"], aws["key_arn"])
    context = recording_context("rec-wrong-key", "claims-inspection")
    data_key = provider.generate_data_key(context)
    other_key = aws["kms"].create_key(Description="other")["KeyMetadata"]["Arn"]
    with pytest.raises(KeyProviderError):
        provider.decrypt_data_key(data_key.wrapped, other_key, context)
    decryptor = StreamDecryptor(UnwrapWithProviders({}))
    from media_node.vault.envelope import StreamEncryptor

    encryptor = StreamEncryptor(
        data_key.plaintext,
        key_provider="aws-kms",
        key_ref=data_key.key_ref,
        context=context,
        wrapped_key=data_key.wrapped,
    )
    with pytest.raises(KeyProviderError, match="needs key provider 'aws-kms'"):
        decryptor.update(encryptor.update(os.urandom(10)) + encryptor.finalize())
