"""A local S3-compatible server for the storage tests: moto's ThreadedMotoServer speaks
S3's HTTP protocol on a free port, and the app's boto3 client talks to it over a socket
as it would to AWS, MinIO or any S3-compatible store."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config

REGION = "eu-central-1"
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture
def s3_bucket(s3_endpoint) -> str:
    """A new empty bucket for each test."""
    name = f"voiceapp-test-{secrets.token_hex(6)}"
    s3_client(s3_endpoint).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return name


@pytest.fixture
def s3_settings(s3_endpoint, s3_bucket) -> dict:
    """The settings (make_app's overrides) of an app that keeps its files in the bucket."""
    return {
        "storage": "s3",
        "s3_bucket": s3_bucket,
        "s3_endpoint_url": s3_endpoint,
        "s3_region": REGION,
        "s3_access_key_id": ACCESS_KEY,
        "s3_secret_access_key": SECRET_KEY,
    }


def bucket_keys(endpoint: str, bucket: str) -> dict[str, bytes]:
    """Everything in the bucket, read through a client of the test's own."""
    client = s3_client(endpoint)
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found
