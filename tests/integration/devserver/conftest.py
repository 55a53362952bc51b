"""Fixtures of the devserver's integration tests: the sample system, running, on free ports."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SAMPLE = Path(__file__).parent / "sample"
SAMPLE_TEMPLATE = SAMPLE / "template.yaml"


class SampleLog:
    """The JSON lines the sample functions append (one per invocation)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self, function: str | None = None) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        text = self.path.read_text(encoding="utf-8")
        # a function may be appending a line right now: only whole lines count
        lines = text[: text.rfind("\n") + 1].splitlines()
        entries = [json.loads(line) for line in lines if line.strip()]
        return [e for e in entries if function is None or e.get("function") == function]

    def deliveries(self, function: str, prefix: str) -> list[list[str]]:
        """The keys of each batch ``function`` got, keeping only keys starting with ``prefix``."""
        batches = []
        for entry in self.entries(function):
            keys = [k for k in entry["keys"] if k.startswith(prefix)]
            if keys:
                batches.append(keys)
        return batches


class Sample:
    """A running sample devserver and helpers to drive it."""

    def __init__(self, server: Any, log: SampleLog, clock_offset: list[float]) -> None:
        self.server = server
        self.log = log
        self.clock_offset = clock_offset

    @property
    def dynamodb(self) -> Any:
        return self.server.client("dynamodb")

    @property
    def table(self) -> str:
        return self.server.physical_name("EventsTable")

    def put(self, pk: str, sk: int, **attributes: Any) -> None:
        item = {"pk": {"S": pk}, "sk": {"N": str(sk)}}
        for name, value in attributes.items():
            item[name] = {"N": str(value)} if isinstance(value, int) else {"S": str(value)}
        self.dynamodb.put_item(TableName=self.table, Item=item)

    def dead_letters(self, queue_id: str) -> list[dict[str, Any]]:
        sqs = self.server.client("sqs")
        url = self.server.physical_name(queue_id)
        messages = []
        while True:
            response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            batch = response.get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                messages.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def wait_for(self, condition: Callable[[], Any], timeout: float = 20.0) -> Any:
        """Poll ``condition`` until it is truthy (for states between idle points)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError("the condition did not come true")


def a_key(name: str = "k") -> str:
    """A partition key no other test uses."""
    return f"{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    """The sample system running on free ports, shared by every test that uses it.

    Tests keep to keys of their own (``a_key``) and put back what they change (a mapping
    disabled, the clock moved), so one devserver serves them all: a start costs 1.5 s.
    """
    import devserver

    state = tmp_path_factory.mktemp("devserver-state")
    log_path = state / "sample.log"
    clock_offset = [0.0]
    console = io.StringIO()
    server = devserver.start(
        SAMPLE_TEMPLATE,
        state_dir=state,
        api_port=0,
        poll_interval=0.05,
        parameter_overrides={"LogFile": str(log_path)},
        clock=lambda: time.time() + clock_offset[0],
        console=console,
    )
    server.console_output = console
    try:
        yield Sample(server, SampleLog(log_path), clock_offset)
    finally:
        server.stop()
