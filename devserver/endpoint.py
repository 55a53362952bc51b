"""The AWS endpoint the functions use: the embedded emulator, LocalStack or AWS itself.

It gives boto3 clients of the devserver's own (explicit endpoint, region, credentials),
the credentials the functions get (fake ones for the emulator, the host's otherwise), the
account id, and — against a deployed stack — the physical id of each of its resources.
"""

from __future__ import annotations

import os
from typing import Any

from .errors import DevServerError

LOCAL_ACCOUNT_ID = "123456789012"  # moto's default account
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
_CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)


class Endpoint:
    """One endpoint (``url`` None: AWS's own), embedded emulator or not, in one region."""

    def __init__(self, url: str | None, *, embedded: bool, region: str) -> None:
        self.url = url
        self.embedded = embedded
        self.region = region
        self._clients: dict[str, Any] = {}
        self._session: Any = None

    def credentials(self) -> dict[str, str]:
        """The credentials the functions (and this devserver) use on the endpoint."""
        if self.embedded:
            return dict(FAKE_CREDENTIALS)
        found = {name: os.environ[name] for name in _CREDENTIAL_VARIABLES if name in os.environ}
        return found or {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}

    def client(self, service: str) -> Any:
        """A boto3 client of the devserver's own (explicit endpoint, region, credentials)."""
        existing = self._clients.get(service)
        if existing is not None:
            return existing
        import boto3
        from botocore.config import Config

        if self._session is None:
            credentials = self.credentials()
            self._session = boto3.session.Session(
                aws_access_key_id=credentials.get("AWS_ACCESS_KEY_ID"),
                aws_secret_access_key=credentials.get("AWS_SECRET_ACCESS_KEY"),
                aws_session_token=credentials.get("AWS_SESSION_TOKEN"),
                profile_name=credentials.get("AWS_PROFILE"),
                region_name=self.region,
            )
        config = Config(
            retries={"mode": "standard", "max_attempts": 4},
            connect_timeout=5,
            read_timeout=30,
            account_id_endpoint_mode="disabled",
            max_pool_connections=16,
        )
        client = self._session.client(service, endpoint_url=self.url, config=config)
        self._clients[service] = client
        return client

    def account_id(self) -> str:
        """The account the resources live in (moto's for the emulator)."""
        if self.embedded:
            return LOCAL_ACCOUNT_ID
        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except Exception:
            return "000000000000"

    def stack_physical_ids(self, stack_name: str) -> dict[str, str]:
        """The deployed stack's resources: ``{logical id: physical id}`` (CloudFormation)."""
        cloudformation = self.client("cloudformation")
        try:
            paginator = cloudformation.get_paginator("list_stack_resources")
            return {
                resource["LogicalResourceId"]: resource["PhysicalResourceId"]
                for page in paginator.paginate(StackName=stack_name)
                for resource in page["StackResourceSummaries"]
                if resource.get("PhysicalResourceId")
            }
        except Exception as exc:
            raise DevServerError(
                f"no stack {stack_name} at {self.url or 'AWS'} ({exc}): deploy it "
                "(sam deploy), name it with --stack-name, or pass --create-resources"
            ) from exc
