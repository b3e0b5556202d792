"""Create the media bucket if it does not exist yet (docker-compose start, bench/scaleout.py).

Reads the same variables as the site: AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL,
AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY. Retries for a while, because the
object store may still be starting. Exit status 0 when the bucket exists at the end.
"""

from __future__ import annotations

import os
import sys
import time

import boto3
from botocore.exceptions import BotoCoreError, ClientError


def ensure_bucket(*, attempts: int = 30, pause_seconds: float = 1.0) -> str:
    bucket = os.environ["AWS_STORAGE_BUCKET_NAME"]
    region = os.environ.get("AWS_S3_REGION_NAME") or "us-east-1"
    client = boto3.client(
        "s3",
        endpoint_url=os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        region_name=region,
    )
    for attempt in range(1, attempts + 1):
        try:
            try:
                client.head_bucket(Bucket=bucket)
                return "exists"
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket"}:
                    raise
            options = {}
            if region != "us-east-1":  # S3 rejects an explicit us-east-1 location constraint
                options["CreateBucketConfiguration"] = {"LocationConstraint": region}
            client.create_bucket(Bucket=bucket, **options)
            return "created"
        except (BotoCoreError, ClientError) as error:
            if attempt == attempts:
                raise
            print(f"object store not ready ({error.__class__.__name__}); retrying", flush=True)
            time.sleep(pause_seconds)
    raise AssertionError("unreachable")


if __name__ == "__main__":
    outcome = ensure_bucket()
    print(f"bucket {os.environ['AWS_STORAGE_BUCKET_NAME']}: {outcome}")
    sys.exit(0)
