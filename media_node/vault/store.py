"""Object stores behind one interface: S3 (multipart, SSE-KMS) and a local directory.

Writes are atomic: a reader never sees a half-written object. A writer is committed or
aborted; an aborted S3 writer aborts its multipart upload, and the bucket's lifecycle rule
(``abort_incomplete_multipart_upload``, 1 day) removes uploads of a node that crashed.
Only ciphertext is ever handed to a store.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

__all__ = [
    "AtomicFileWriter",
    "LocalDirectoryStore",
    "ObjectStore",
    "ObjectStoreError",
    "ObjectWriter",
    "S3ObjectStore",
]

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_SIZE = 5 * 1024 * 1024 * 1024
MAX_PARTS = 10_000
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,900}\Z")


class ObjectStoreError(RuntimeError):
    """The store failed or refused; the message says which object and why."""


def check_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key.split("/") or "//" in key:
        raise ObjectStoreError(f"invalid object key {key!r}")
    return key


class ObjectWriter(Protocol):
    def write(self, data: bytes) -> None: ...

    def commit(self) -> None:
        """Make the object visible, whole. After a failure the writer is aborted."""
        ...

    def abort(self) -> None:
        """Discard everything written; idempotent."""
        ...

    def __enter__(self) -> ObjectWriter: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class ObjectStore(Protocol):
    def writer(self, key: str, content_type: str) -> ObjectWriter: ...

    def read(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]: ...

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    def get_bytes(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


class _WriterBase:
    _done = False

    def abort(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None or not self._done:
            self.abort()


# --- local directory --------------------------------------------------------------------------


class AtomicFileWriter(_WriterBase):
    """Writes to ``temp`` (mode 0600) and renames it to ``final`` on commit; abort deletes it."""

    def __init__(self, final: Path, temp: Path, *, exclusive: bool = False) -> None:
        self._final = final
        self._temp = temp
        self._exclusive = exclusive
        """Never replace an existing ``final``: commit links the file into place or fails."""
        try:  # a full disk or a missing directory is the store failing, like S3 refusing
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as err:
            raise ObjectStoreError(f"cannot store {final.name}: {err.strerror}") from None
        self._handle = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        try:
            self._handle.write(data)
        except OSError as err:
            self.abort()
            raise ObjectStoreError(f"cannot store {self._final.name}: {err.strerror}") from None

    def commit(self) -> None:
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            self._final.parent.mkdir(parents=True, exist_ok=True)
            if self._exclusive:
                os.link(self._temp, self._final)  # fails if final exists: no check-then-rename
                self._temp.unlink()
            else:
                os.replace(self._temp, self._final)  # atomic within one filesystem
            self._done = True
        except OSError as err:
            self.abort()
            raise ObjectStoreError(f"cannot store {self._final.name}: {err.strerror}") from None

    def abort(self) -> None:
        if not self._handle.closed:
            self._handle.close()
        self._temp.unlink(missing_ok=True)
        self._done = True


class LocalDirectoryStore:
    """Objects as files under ``root``; partial writes live in ``root/.partial`` until commit."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._partial = root / ".partial"
        self._partial.mkdir(parents=True, exist_ok=True, mode=0o700)

    def remove_partial_writes(self) -> int:
        """Delete leftovers of writers that crashed (ciphertext only). Returns how many."""
        removed = 0
        for path in self._partial.iterdir():
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def writer(self, key: str, content_type: str) -> AtomicFileWriter:
        return AtomicFileWriter(self._path(key), self._partial / f"{uuid.uuid4().hex}.part")

    def read(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        try:
            handle = open(self._path(key), "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            raise ObjectStoreError(f"no object {key!r}") from None
        with handle:
            while block := handle.read(chunk_size):
                yield block

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        with self.writer(key, content_type) as writer:
            writer.write(data)
            writer.commit()

    def get_bytes(self, key: str) -> bytes:
        return b"".join(self.read(key))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


# --- S3 -----------------------------------------------------------------------------------------


def part_size_for(part_number: int, base: int) -> int:
    """Part size for the n-th part (1-based): doubles every 1,000 parts so that 10,000 parts
    always suffice (8 MiB base: over 40 TiB), capped at S3's 5 GiB."""
    doublings: int = (part_number - 1) // 1000
    return min(MAX_PART_SIZE, base << doublings)


class _S3Writer(_WriterBase):
    def __init__(self, store: S3ObjectStore, key: str, content_type: str) -> None:
        self._store = store
        self._key = key
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._upload_id: str = store._call(
            "create_multipart_upload",
            key,
            Bucket=store.bucket,
            Key=key,
            ContentType=content_type,
            **store.sse_arguments(),
        )["UploadId"]

    def write(self, data: bytes) -> None:
        self._buffer += data
        # Strictly more than a part: commit always has a non-empty last part to send.
        size = self._next_part_size()
        while len(self._buffer) > size:
            self._upload(bytes(self._buffer[:size]))
            del self._buffer[:size]
            size = self._next_part_size()

    def _next_part_size(self) -> int:
        return part_size_for(len(self._parts) + 1, self._store.part_size)

    def _upload(self, body: bytes) -> None:
        number = len(self._parts) + 1
        if number > MAX_PARTS:
            raise ObjectStoreError(f"{self._key}: more than {MAX_PARTS} parts")
        try:
            response = self._store._call(
                "upload_part",
                self._key,
                Bucket=self._store.bucket,
                Key=self._key,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=body,
            )
        except ObjectStoreError:
            self.abort()
            raise
        self._parts.append({"PartNumber": number, "ETag": response["ETag"]})

    def commit(self) -> None:
        try:
            self._upload(bytes(self._buffer))
            self._buffer.clear()
            self._store._call(
                "complete_multipart_upload",
                self._key,
                Bucket=self._store.bucket,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
            self._done = True
        except ObjectStoreError:
            self.abort()
            raise

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        self._buffer.clear()
        try:
            self._store._call(
                "abort_multipart_upload",
                self._key,
                Bucket=self._store.bucket,
                Key=self._key,
                UploadId=self._upload_id,
            )
        except ObjectStoreError:
            pass  # the lifecycle rule removes the upload within a day; the object never existed

    @property
    def parts_uploaded(self) -> int:
        return len(self._parts)


class S3ObjectStore:
    """S3 bucket; every object is written with SSE-KMS under ``kms_key_id`` (if given)."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        *,
        kms_key_id: str | None,
        part_size: int = 8 * 1024 * 1024,
    ) -> None:
        if not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
            raise ValueError(f"part size must be 5 MiB..5 GiB (got {part_size})")
        self.client = client
        self.bucket = bucket
        self.kms_key_id = kms_key_id
        self.part_size = part_size

    def sse_arguments(self) -> dict[str, Any]:
        if self.kms_key_id is None:
            return {}
        return {
            "ServerSideEncryption": "aws:kms",
            "SSEKMSKeyId": self.kms_key_id,
            "BucketKeyEnabled": True,
        }

    def _call(self, operation: str, key: str, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return dict(getattr(self.client, operation)(**kwargs))
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "Unknown")
            raise ObjectStoreError(f"S3 {operation} {key!r} refused: {code}") from None
        except BotoCoreError as err:
            raise ObjectStoreError(f"S3 {operation} {key!r} failed: {err}") from None

    def writer(self, key: str, content_type: str) -> _S3Writer:
        return _S3Writer(self, check_key(key), content_type)

    def read(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        body = self._call("get_object", key, Bucket=self.bucket, Key=check_key(key))["Body"]
        try:
            while block := body.read(chunk_size):
                yield block
        finally:
            body.close()

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self._call(
            "put_object",
            key,
            Bucket=self.bucket,
            Key=check_key(key),
            Body=data,
            ContentType=content_type,
            **self.sse_arguments(),
        )

    def get_bytes(self, key: str) -> bytes:
        return b"".join(self.read(key))

    def delete(self, key: str) -> None:
        self._call("delete_object", key, Bucket=self.bucket, Key=check_key(key))

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", key, Bucket=self.bucket, Key=check_key(key))
        except ObjectStoreError as err:
            if "404" in str(err) or "NotFound" in str(err) or "NoSuchKey" in str(err):
                return False
            raise
        return True

    def incomplete_uploads(self, prefix: str = "") -> list[dict[str, Any]]:
        response = self._call("list_multipart_uploads", prefix, Bucket=self.bucket, Prefix=prefix)
        return list(response.get("Uploads", []))
