"""Fixtures shared by every test: fake AWS credentials, moto, tables from template.yaml."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Set before boto3 is imported anywhere: no test may reach a real AWS account.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    # moto 5.2 does not route the account-based DynamoDB Streams endpoints
    AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture
def aws() -> Iterator[None]:
    """An empty in-process moto; the store's shared clients are rebuilt inside it."""
    from moto import mock_aws

    from message_store import aws as aws_clients
    from message_store.settings import message_store_settings

    message_store_settings.cache_clear()
    aws_clients.reset_clients()
    with mock_aws():
        yield
    aws_clients.reset_clients()


@pytest.fixture
def tables(aws: None) -> dict[str, str]:
    """Every table of template.yaml, created in moto: ``{logical id: table name}``."""
    from message_store import aws as aws_clients
    from tests.support.moto import create_template_tables

    return create_template_tables(aws_clients.client("dynamodb"))


@pytest.fixture
def message_store_table(tables: dict[str, str]) -> str:
    return tables["MessageStoreTable"]


@pytest.fixture
def store(message_store_table: str):
    """A store on the template's table, with no settle window (tests read at once)."""
    from message_store import MessageStore

    return MessageStore(message_store_table, settle_window=0)
