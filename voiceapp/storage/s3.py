"""Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, ...) through boto3, for web
processes and workers on several hosts. Each area is a prefix in one bucket."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from voiceapp.storage import CHUNK, StorageError, StoredFile, check_key

MISSING = {"404", "NoSuchKey", "NotFound"}


@lru_cache(maxsize=8)
def _client(endpoint_url, region, access_key, secret_key, timeout):
    """One client per configuration and process: boto3 clients are thread-safe and
    costly to build (tens of milliseconds)."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        # None: boto3's own chain (environment, instance role, ~/.aws).
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        config=Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"max_attempts": 3, "mode": "standard"},
            # Path-style addressing works with every S3-compatible server; virtual-hosted
            # style needs DNS for each bucket, which local servers do not have.
            s3={"addressing_style": "path"} if endpoint_url else None,
        ),
    )


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in MISSING


class S3Store:
    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings, *, prefix: str) -> S3Store:
        client = _client(
            settings.s3_endpoint_url,
            settings.s3_region,
            settings.s3_access_key_id,
            settings.s3_secret_access_key,
            settings.s3_timeout_seconds,
        )
        return cls(client, settings.s3_bucket, (settings.s3_prefix or "") + prefix)

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _fail(self, what: str, key: str, exc: Exception) -> StorageError:
        return StorageError(f"storage: could not {what} {self.bucket}/{self.prefix}{key}: {exc}")

    def put(self, key: str, data: bytes, content_type: str) -> None:
        # One PUT: S3 makes an object visible whole or not at all.
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("store", key, exc) from exc

    def stat(self, key: str) -> StoredFile | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _missing(exc):
                return None
            raise self._fail("look up", key, exc) from exc
        except BotoCoreError as exc:
            raise self._fail("look up", key, exc) from exc
        return StoredFile(
            key=key,
            size=int(head["ContentLength"]),
            modified=head["LastModified"],
            etag=str(head.get("ETag", "")).strip('"'),
        )

    def read_range(self, key: str, start: int, stop: int) -> Iterator[bytes]:
        if stop <= start:
            return iter(())
        try:
            got = self.client.get_object(
                Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{stop - 1}"
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("read", key, exc) from exc
        return self._chunks(got["Body"])

    @staticmethod
    def _chunks(body) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def read(self, key: str) -> bytes | None:
        try:
            got = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            return got["Body"].read()
        except ClientError as exc:
            if _missing(exc):
                return None
            raise self._fail("read", key, exc) from exc
        except BotoCoreError as exc:
            raise self._fail("read", key, exc) from exc

    def delete(self, key: str) -> None:
        # S3 answers 204 for a key that is not there: deleting twice is fine.
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("delete", key, exc) from exc

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield StoredFile(
                        key=item["Key"].removeprefix(self.prefix),
                        size=int(item["Size"]),
                        modified=item["LastModified"],
                        etag=str(item.get("ETag", "")).strip('"'),
                    )
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("list", prefix, exc) from exc
