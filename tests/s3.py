"""The S3-compatible server the storage tests run against (``tests/s3server.py``), and how they use it.

``S3Server.start()`` runs ``python -m tests.s3server`` as a process of its own on a free port and
makes the two buckets as a deployment has them: the public one readable by anyone (a bucket policy),
the private one by nobody without credentials or a signed URL.
"""

import json
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from shop.objectstore import object_store, s3_storages
from tests.s3server import ACCESS_KEY, REGION, SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_BUCKET, PRIVATE_BUCKET = "shop-test-public", "shop-test-private"


def public_read_policy(bucket: str) -> str:
    """The bucket policy that opens a bucket's objects to anonymous reads (and nothing else)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicRead",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
    )


@dataclass
class Fetched:
    status: int
    headers: object  # case-insensitive, as HTTP headers are (email.message.Message)
    body: bytes


def anonymous_get(url: str) -> Fetched:
    """GET ``url`` with no credentials at all, as a browser or a stranger would."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local test server
            return Fetched(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, error.headers, error.read())


class S3Server:
    def __init__(self, process: subprocess.Popen, port: int):
        self.process = process
        self.endpoint_url = f"http://127.0.0.1:{port}"
        self.client = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    @classmethod
    def start(cls, *, env: dict | None = None) -> "S3Server":
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.s3server", "--port", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = process.stdout.readline()
        if not line.startswith("listening on "):
            process.kill()
            raise RuntimeError(f"the S3 test server did not start: {line!r}")
        server = cls(process, int(line.split()[-1]))
        server.buckets_create()
        return server

    def buckets_create(self) -> None:
        for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
            self.client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        self.client.put_bucket_policy(Bucket=PUBLIC_BUCKET, Policy=public_read_policy(PUBLIC_BUCKET))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def storage_url(self) -> str:
        """The ``STORAGE_URL`` a deployment would set for these two buckets."""
        return (
            f"s3://{PUBLIC_BUCKET}?private_bucket={PRIVATE_BUCKET}"
            f"&endpoint_url={quote(self.endpoint_url, safe='')}&region={REGION}"
        )

    def storages(self, *, signed_url_seconds: int = 300) -> dict:
        """``STORAGES["default"]`` and ``["private"]`` on these buckets, as the settings build them."""
        store = object_store(
            public_bucket=PUBLIC_BUCKET, private_bucket=PRIVATE_BUCKET, endpoint_url=self.endpoint_url,
            region=REGION,
        )  # fmt: skip
        return s3_storages(
            store, signed_url_seconds=signed_url_seconds, access_key=ACCESS_KEY, secret_key=SECRET_KEY
        )

    def object(self, bucket: str, name: str):
        """The stored object's ``head_object`` answer, or None when the bucket has no such object."""
        try:
            return self.client.head_object(Bucket=bucket, Key=name)
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return None
            raise

    def read(self, bucket: str, name: str) -> bytes:
        return self.client.get_object(Bucket=bucket, Key=name)["Body"].read()

    def plain_url(self, bucket: str, name: str) -> str:
        """The object's address with no signature: what anyone who learned the name could try."""
        return f"{self.endpoint_url}/{bucket}/{quote(name)}"
