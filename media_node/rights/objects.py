"""What the rights tools need from a store beyond the node's write path: listing keys,
deleting an object with every one of its versions, and S3 object legal holds.

The recording node's :class:`~media_node.vault.store.ObjectStore` protocol only writes and reads;
these functions dispatch on the two real stores (S3 and the local directory) and refuse any
other store type rather than guess (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from media_node.vault.store import (
    LocalDirectoryStore,
    ObjectStore,
    ObjectStoreError,
    S3ObjectStore,
    check_key,
)

__all__ = ["delete_all_versions", "list_keys", "object_lock_enabled", "set_s3_legal_hold"]


def _unsupported(store: object) -> ObjectStoreError:
    return ObjectStoreError(
        f"store type {type(store).__name__} is not supported by the rights tools"
    )


def list_keys(store: ObjectStore, prefix: str) -> Iterator[str]:
    """Every current object key under ``prefix``, in key order."""
    if isinstance(store, LocalDirectoryStore):
        base = store.root
        parent = base / prefix.rsplit("/", 1)[0] if "/" in prefix else base
        if not parent.is_dir():
            return
        found = sorted(
            str(path.relative_to(base))
            for path in parent.rglob("*")
            if path.is_file() and not path.relative_to(base).parts[0].startswith(".")
        )
        yield from (key for key in found if key.startswith(prefix))
        return
    if isinstance(store, S3ObjectStore):
        paginator = store.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=store.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield str(item["Key"])
        except Exception as err:  # botocore errors: one message naming the prefix
            raise ObjectStoreError(f"S3 list {prefix!r} failed: {err}") from None
        return
    raise _unsupported(store)


def _versions(store: S3ObjectStore, key: str) -> list[dict[str, Any]]:
    paginator = store.client.get_paginator("list_object_versions")
    found: list[dict[str, Any]] = []
    for page in paginator.paginate(Bucket=store.bucket, Prefix=key):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            if item["Key"] == key:
                found.append({"Key": key, "VersionId": item["VersionId"]})
    return found


def delete_all_versions(store: ObjectStore, key: str) -> int:
    """Delete ``key`` and, on a versioned bucket, every noncurrent version and delete marker
    (governance-mode retention is bypassed: the caller's role needs
    ``s3:BypassGovernanceRetention``; an object under legal hold is refused by S3 and reported).
    Idempotent: returns how many versions (or files) were removed, 0 when none was left."""
    check_key(key)
    if isinstance(store, LocalDirectoryStore):
        existed = store.exists(key)
        store.delete(key)
        return int(existed)
    if isinstance(store, S3ObjectStore):
        try:
            versions = _versions(store, key)
            for version in versions:
                store.client.delete_object(
                    Bucket=store.bucket,
                    Key=key,
                    VersionId=version["VersionId"],
                    BypassGovernanceRetention=True,
                )
        except ObjectStoreError:
            raise
        except Exception as err:
            raise ObjectStoreError(f"S3 delete of every version of {key!r} failed: {err}") from None
        return len(versions)
    raise _unsupported(store)


def noncurrent_versions(store: ObjectStore, key: str) -> list[str]:
    """Version ids of ``key`` that are not the current one (always empty on the local store)."""
    if isinstance(store, LocalDirectoryStore):
        return []
    if isinstance(store, S3ObjectStore):
        paginator = store.client.get_paginator("list_object_versions")
        ids: list[str] = []
        for page in paginator.paginate(Bucket=store.bucket, Prefix=key):
            for item in page.get("Versions", []):
                if item["Key"] == key and not item.get("IsLatest"):
                    ids.append(str(item["VersionId"]))
            for item in page.get("DeleteMarkers", []):
                if item["Key"] == key:
                    ids.append(str(item["VersionId"]))
        return ids
    raise _unsupported(store)


def delete_noncurrent_versions(store: ObjectStore, key: str) -> int:
    """Delete every version of ``key`` except the current one (idempotent)."""
    ids = noncurrent_versions(store, key)
    if isinstance(store, S3ObjectStore):
        for version_id in ids:
            store.client.delete_object(
                Bucket=store.bucket, Key=key, VersionId=version_id, BypassGovernanceRetention=True
            )
    return len(ids)


def object_lock_enabled(store: ObjectStore) -> bool:
    if not isinstance(store, S3ObjectStore):
        return False
    try:
        config = store.client.get_object_lock_configuration(Bucket=store.bucket)
    except Exception as err:
        if "ObjectLockConfigurationNotFound" in str(err):
            return False
        raise ObjectStoreError(f"S3 object lock of {store.bucket!r} unreadable: {err}") from None
    return bool(config.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled")


def set_s3_legal_hold(store: ObjectStore, key: str, on: bool) -> bool:
    """Put (or lift) S3's object legal hold on the current version of ``key`` where the bucket
    has object lock. False when it does not (the hold record in the store still applies)."""
    if not isinstance(store, S3ObjectStore) or not object_lock_enabled(store):
        return False
    try:
        store.client.put_object_legal_hold(
            Bucket=store.bucket, Key=key, LegalHold={"Status": "ON" if on else "OFF"}
        )
    except Exception as err:
        raise ObjectStoreError(f"S3 legal hold on {key!r} failed: {err}") from None
    return True
