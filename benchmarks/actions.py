"""Requests, cost and propagation per user action, in both consumer topologies, on the devserver.

``make bench`` runs it (or ``.venv/bin/python benchmarks/actions.py``). For each topology
(``ConsumerDelivery`` = ``Streams``, then ``Queues``) the devserver starts in this process
with the whole template, and every user action is driven over HTTP as a browser drives it
(forms, the site's ``Origin`` on every POST, redirects followed, the upload posted straight to
S3), then ``wait_idle()`` lets every consumer finish. Every AWS request made meanwhile is
counted and attributed: to the function whose invocation made it (on the invoking thread,
the devserver's ``Runtime.invoke``), or to Lambda's pollers (the devserver's own reads of
the stream and of the consumers' queues). The benchmark's own requests (seeding, the
capacity lookups) are not counted.

DynamoDB capacity units are computed from the items' sizes by DynamoDB's rules; Lambda
duration is the function's ``MemorySize`` times its duration measured here (on moto, on
this machine: not AWS's). A report, not a test: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
# The devserver at the root, the layers' packages by the names Lambda gives them: imported
# here, at module level, before any function runs (a layer package imported by the host
# while a function runs would be the function's copy).
for _path in (ROOT, ROOT / "layers" / "message_store", ROOT / "layers" / "video_tutorials"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import boto3  # noqa: E402
import requests  # noqa: E402
from _capacity_model import item_size, read_units, write_units  # noqa: E402
from botocore.client import BaseClient  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

import devserver  # noqa: E402
from message_store import MessageStore, Metadata  # noqa: E402
from video_tutorials.contracts.video_publishing import (  # noqa: E402
    NameVideo,
    PublishVideo,
    command_stream,
)
from video_tutorials.demo import DEMO_FILE, DEMO_VIDEOS, publish_demo_videos  # noqa: E402
from video_tutorials.storage import s3_uri, upload_key  # noqa: E402

TOPOLOGIES = ("Streams", "Queues")
REPEATS = 5  # measured runs of each action, after one warm-up run
BATCHES = (10, 100)  # viewings of different videos aggregated together
BATCH_REPEATS = 3
PASSWORD = "correct horse battery staple"
IDLE_TIMEOUT = 120.0
#: the owner of the videos the batches view (published through the real path at start)
SEED_OWNER = "00000000-0000-4000-8000-00000000b0b0"

# -- prices and assumptions -----------------------------------------------------------------

PRICES_AS_OF = (
    "us-east-1 list prices as of 2025, recalled, not checked live (DynamoDB on-demand after "
    "the 2024-11-01 cut): check them before relying on the dollars"
)
PRICE = {
    "wru": 0.625 / 1e6,  # DynamoDB on-demand write request unit (Standard table class)
    "rru": 0.125 / 1e6,  # DynamoDB on-demand read request unit
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000133334,  # arm64, first 7.5 billion GB-s a month
    "api_request": 3.50 / 1e6,  # API Gateway REST API, first 333 million a month
    "sns_fifo_publish": 0.30 / 1e6,  # SNS FIFO publish requests (each 64 KB chunk)
    "sns_fifo_delivery": 0.01 / 1e6,  # SNS FIFO subscription messages (to SQS)
    "sns_fifo_gb": 0.017 + 0.001,  # SNS FIFO payload: published + delivered, per GB
    "sqs_fifo_request": 0.50 / 1e6,  # SQS FIFO requests (each 64 KB chunk)
    "s3_write": 0.005 / 1000,  # S3 Standard PUT, COPY, POST, LIST
    "s3_read": 0.0004 / 1000,  # S3 Standard GET, HEAD and the rest
    "email": 0.10 / 1000,  # SES outbound email
    "secret_call": 0.05 / 10_000,  # Secrets Manager API calls
    "log_gb": 0.50,  # CloudWatch Logs ingestion (Standard)
    "trace": 5.00 / 1e6,  # X-Ray traces recorded
}
CHUNK = 64 * 1024  # SNS and SQS bill a request per 64 KB of payload
S3_WRITE_OPERATIONS = {"PutObject", "CopyObject", "PostObject", "ListObjects", "ListObjectsV2"}
#: X-Ray's default sampling rule: the first request each second, then 5 %.
TRACE_SAMPLING = 0.05
#: Secrets Manager: one GetSecretValue per warm execution environment per 5 minutes (cache).
SECRET_CACHE_SECONDS = 300
SECRET_ENVIRONMENTS = 10  # warm environments of the function, assumed
SECRET_ACTIONS_PER_DAY = 1_000_000  # of that action, assumed
#: Lambda's idle SQS polling, assumed: 5 pollers per queue, each a 20 s long poll in a loop.
SQS_IDLE_POLLERS = 5
SQS_LONG_POLL_SECONDS = 20
MONTH_SECONDS = 30 * 86_400

# -- DynamoDB item sizes and capacity units ----------------------------------------------------
# (shared with the capacity model: ``benchmarks/_capacity_model.py``)


@dataclass(frozen=True)
class Index:
    """A global secondary index: its keys and what it projects."""

    name: str
    keys: tuple[str, ...]
    projection: str  # ALL, KEYS_ONLY, INCLUDE
    non_key: tuple[str, ...] = ()

    def entry(self, table_keys: Sequence[str], item: Mapping[str, Any] | None) -> dict | None:
        """The item's entry in this index (``None``: the item is not in it)."""
        if not item or any(key not in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return dict(item)
        names = {*table_keys, *self.keys, *(self.non_key if self.projection == "INCLUDE" else ())}
        return {name: item[name] for name in names if name in item}


@dataclass(frozen=True)
class Table:
    """A table's keys and indexes (what a write's units depend on) and its logical id."""

    name: str
    logical_id: str
    keys: tuple[str, ...]
    indexes: tuple[Index, ...]

    @property
    def short(self) -> str:
        """Its logical id without "Table", for the listings."""
        return self.logical_id.removesuffix("Table")

    def key_of(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """The item's primary key."""
        return {name: item[name] for name in self.keys}

    def write_units(
        self, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, factor: int = 1
    ) -> int:
        """A write that turns ``before`` into ``after``: the table's units and each index's."""
        units = factor * write_units(max(item_size(before), item_size(after)))
        for index in self.indexes:
            old, new = index.entry(self.keys, before), index.entry(self.keys, after)
            if (old is None and new is None) or old == new:
                continue  # not in the index, or nothing it projects changed
            if old is None or new is None:
                units += write_units(item_size(old or new))
            elif any(old[k] != new[k] for k in index.keys):  # moved: a delete and a put
                units += write_units(item_size(old)) + write_units(item_size(new))
            else:
                units += write_units(max(item_size(old), item_size(new)))
        return units


def describe_tables(client: Any, logical_ids: Mapping[str, str]) -> dict[str, Table]:
    """``{physical name: Table}`` for the tables named ``{physical name: logical id}``."""
    tables = {}
    for name, logical_id in logical_ids.items():
        description = client.describe_table(TableName=name)["Table"]
        indexes = tuple(
            Index(
                name=index["IndexName"],
                keys=tuple(k["AttributeName"] for k in index["KeySchema"]),
                projection=index["Projection"]["ProjectionType"],
                non_key=tuple(index["Projection"].get("NonKeyAttributes", ())),
            )
            for index in description.get("GlobalSecondaryIndexes", [])
        )
        keys = tuple(k["AttributeName"] for k in description["KeySchema"])
        tables[name] = Table(name, logical_id, keys, indexes)
    return tables


# -- requests and invocations ------------------------------------------------------------------

POLLERS = "Lambda's pollers"


@dataclass
class Request:
    """One AWS API call, with what it costs."""

    service: str
    operation: str
    target: str = ""  # the table's logical id, for DynamoDB
    wru: float = 0.0
    rru: float = 0.0
    messages: int = 0  # SQS messages received or deleted, SNS messages published
    payload: int = 0  # bytes of message bodies (SNS, SQS)
    message_ids: tuple[str, ...] = ()  # SQS messages received
    error: str | None = None
    prepared: float = 0.0  # time.perf_counter() before the benchmark's own lookups for it
    started: float = 0.0  # time.perf_counter() when sent
    seconds: float = 0.0  # how long it took (the benchmark's own lookups not included)

    @property
    def name(self) -> str:
        return f"{self.operation}({self.target})" if self.target else self.operation


@dataclass
class Invocation:
    """One invocation of a function: what caused it, its requests, its measured duration."""

    function_id: str
    trigger: str  # "POST /register", or the message types of a batch
    records: int = 0
    requests: list[Request] = field(default_factory=list)
    duration_ms: float = 0.0
    overhead_ms: float = 0.0  # the benchmark's capacity lookups, taken out of the duration
    cpu_ms: float = 0.0  # its thread's CPU time, the same lookups taken out
    away_ms: float = 0.0  # handed over: its sleeps (and the world back after them)
    ended: float = 0.0  # time.perf_counter() when it returned
    log_bytes: int = 0
    error: str | None = None


def describe_event(event: Any) -> tuple[str, int]:
    """What an event is, for a label: the API route, or the message types of a batch."""
    if not isinstance(event, dict):
        return "-", 0
    if "httpMethod" in event:
        resource = str(event.get("resource", ""))
        if "{proxy+}" in resource:  # the path says more, its ids masked so that runs agree
            resource = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", str(event.get("path", "")))
        return f"{event['httpMethod']} {resource}", 0
    records = event.get("Records") or []
    types: dict[str, None] = {}
    for record in records:
        if "dynamodb" in record:
            kind = record["dynamodb"].get("NewImage", {}).get("type", {}).get("S", "?")
        else:
            try:
                kind = json.loads(record.get("body") or "{}").get("type", "?")
            except ValueError:
                kind = "?"
        types[kind] = None
    return "+".join(types) or "(empty batch)", len(records)


@dataclass
class Window:
    """What happened during one run of an action."""

    invocations: list[Invocation] = field(default_factory=list)
    poller_requests: list[Request] = field(default_factory=list)
    api_requests: int = 0  # the browser's requests to the API (API Gateway)
    browser_s3: int = 0  # the browser's requests straight to S3 (the upload)
    posted: float | None = None  # when the action's writing POST was answered
    propagation_ms: float | None = None
    #: pages after a POST that said "on its way" instead of showing the user's own write
    pending_pages: int = 0


class Capacity:
    """DynamoDB capacity units of each request, from the items it reads and writes.

    The items a write replaces are looked up before it (and an update's result after it)
    through the benchmark's own client: those lookups are not counted, and their time is
    taken out of the invocation's duration.
    """

    def __init__(self, client: Any, tables: Mapping[str, Table]) -> None:
        self.client = client
        self.tables = tables

    def before(self, operation: str, params: Mapping[str, Any]) -> list[dict | None]:
        """The items a write is about to replace (``None`` where there is none)."""
        if operation == "PutItem":
            table = self.tables[params["TableName"]]
            return [self._get(table.name, table.key_of(params["Item"]))]
        if operation in ("UpdateItem", "DeleteItem"):
            return [self._get(params["TableName"], params["Key"])]
        if operation == "TransactWriteItems":
            found = []
            for entry in params["TransactItems"]:
                ((kind, action),) = entry.items()
                table = self.tables[action["TableName"]]
                key = table.key_of(action["Item"]) if kind == "Put" else action["Key"]
                found.append(self._get(table.name, key))
            return found
        if operation == "BatchWriteItem":
            found = []
            for name, writes in params["RequestItems"].items():
                table = self.tables[name]
                for write in writes:
                    if "PutRequest" in write:
                        key = table.key_of(write["PutRequest"]["Item"])
                    else:
                        key = write["DeleteRequest"]["Key"]
                    found.append(self._get(name, key))
            return found
        return []

    def after(
        self,
        request: Request,
        params: Mapping[str, Any],
        response: Mapping[str, Any],
        before: list[dict | None],
    ) -> None:
        """Fill in the request's target and units."""
        operation = request.operation
        if "TableName" in params and params["TableName"] in self.tables:
            request.target = self.tables[params["TableName"]].short
        if operation == "PutItem":
            table = self.tables[params["TableName"]]
            if request.error == "ConditionalCheckFailedException":
                request.wru = write_units(item_size(before[0]))  # a failed condition costs too
            elif not request.error:
                request.wru = table.write_units(before[0], params["Item"])
        elif operation in ("UpdateItem", "DeleteItem"):
            table = self.tables[params["TableName"]]
            if request.error:
                request.wru = write_units(item_size(before[0]))
            else:
                after = self._get(table.name, params["Key"]) if operation == "UpdateItem" else None
                request.wru = table.write_units(before[0], after)
        elif operation == "TransactWriteItems":
            self._transaction(request, params, before)
        elif operation == "BatchWriteItem":
            self._batch_write(request, params, before)
        elif operation in ("Query", "Scan"):
            self._query(request, params, response)
        elif operation == "GetItem":
            factor = 1 if params.get("ConsistentRead") else 0.5
            request.rru = factor * read_units(item_size(response.get("Item")))
        elif operation == "BatchGetItem":
            self._batch_get(request, params, response)

    def _get(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        response = self.client.get_item(TableName=table, Key=dict(key), ConsistentRead=True)
        return response.get("Item")

    def _transaction(
        self, request: Request, params: Mapping[str, Any], before: list[dict | None]
    ) -> None:
        targets = set()
        for entry, old in zip(params["TransactItems"], before, strict=True):
            ((kind, action),) = entry.items()
            table = self.tables[action["TableName"]]
            targets.add(table.short)
            if request.error:
                continue
            if kind == "Put":
                new = action["Item"]
            elif kind == "Update":
                new = self._get(table.name, action["Key"])
            else:
                new = None if kind == "Delete" else old
            if kind != "ConditionCheck":
                request.wru += table.write_units(old, new, factor=2)  # transactional: x2
            else:
                request.rru += 2 * read_units(item_size(old))
        request.target = "+".join(sorted(targets))

    def _batch_write(
        self, request: Request, params: Mapping[str, Any], before: list[dict | None]
    ) -> None:
        olds = iter(before)
        for name, writes in params["RequestItems"].items():
            table = self.tables[name]
            request.target = table.short
            for write in writes:
                new = write["PutRequest"]["Item"] if "PutRequest" in write else None
                request.wru += table.write_units(next(olds), new)

    def _query(
        self, request: Request, params: Mapping[str, Any], response: Mapping[str, Any]
    ) -> None:
        items = response.get("Items", [])
        if "ProjectionExpression" in params and items:
            items = self._full_items(request.operation, params)  # units count whole items
        units = read_units(sum(item_size(item) for item in items))
        request.rru = units if params.get("ConsistentRead") else units / 2
        if params.get("IndexName"):
            request.target += f"/{params['IndexName']}"

    def _full_items(self, operation: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The same read without its projection (through the benchmark's client)."""
        again = {k: v for k, v in params.items() if k != "ProjectionExpression"}
        expressions = " ".join(
            str(params.get(k, "")) for k in ("KeyConditionExpression", "FilterExpression")
        )
        names = {
            k: v for k, v in params.get("ExpressionAttributeNames", {}).items() if k in expressions
        }
        again.pop("ExpressionAttributeNames", None)
        if names:
            again["ExpressionAttributeNames"] = names
        read = self.client.query if operation == "Query" else self.client.scan
        return read(**again).get("Items", [])

    def _batch_get(
        self, request: Request, params: Mapping[str, Any], response: Mapping[str, Any]
    ) -> None:
        targets = []
        for name, wanted in params["RequestItems"].items():
            table = self.tables[name]
            targets.append(table.short)
            found = {
                json.dumps(table.key_of(item), sort_keys=True): item
                for item in response.get("Responses", {}).get(name, [])
            }
            factor = 1 if wanted.get("ConsistentRead") else 0.5
            for key in wanted["Keys"]:
                item = found.get(json.dumps(key, sort_keys=True))
                request.rru += factor * read_units(item_size(item))  # a missing item costs 1
        request.target = "+".join(targets)


def message_traffic(
    request: Request, params: Mapping[str, Any], response: Mapping[str, Any]
) -> None:
    """SNS and SQS: how many messages a request carried, and their bytes."""
    operation = request.operation
    if operation == "Publish":
        request.messages, request.payload = 1, len(str(params.get("Message", "")).encode())
    elif operation == "PublishBatch":
        entries = params.get("PublishBatchRequestEntries", [])
        request.messages = len(entries)
        request.payload = sum(len(str(e.get("Message", "")).encode()) for e in entries)
    elif operation == "ReceiveMessage":
        received = response.get("Messages") or []
        request.messages = len(received)
        request.payload = sum(len(str(m.get("Body", "")).encode()) for m in received)
        request.message_ids = tuple(m["MessageId"] for m in received)
    elif operation in ("DeleteMessageBatch", "SendMessageBatch"):
        request.messages = len(params.get("Entries", []))


class Observer:
    """Every AWS request and every invocation in this process while installed.

    ``botocore.client.BaseClient._make_api_call`` (botocore is shared by every function and
    the devserver in this process) is wrapped to see each request, and the running
    devserver's ``runtime.invoke`` to know which function runs on which thread: a request
    made on a thread while an invocation runs there is that function's; any other request
    is the devserver's own (its pollers), except the benchmark's own clients, never counted.
    """

    def __init__(
        self,
        capacity: Capacity,
        own_clients: Sequence[Any],
        *,
        on_invoke: Callable[[Invocation, Any], None] | None = None,
        on_request: Callable[[Invocation | None, Request, Mapping, Mapping, list], None]
        | None = None,
    ) -> None:
        """``on_invoke(invocation, event)`` is told of each invocation before it runs;
        ``on_request(invocation, request, params, response, before)`` of each request counted,
        with the items a write replaced (``before``), its time taken out of the invocation's."""
        self.capacity = capacity
        self.own = {id(client) for client in own_clients}
        self.on_invoke = on_invoke
        self.on_request = on_request
        self.window: Window | None = None
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def installed(self, server: devserver.DevServer) -> Iterator[Observer]:
        """Observe while inside the ``with``; everything put back after."""
        runtime = server.runtime
        assert runtime is not None
        original_call = BaseClient._make_api_call
        original_invoke = runtime.invoke
        observer = self

        def _make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            return observer._call(original_call, client, operation, params)

        def invoke(function_id: str, event: Any, **kwargs: Any) -> Any:
            return observer._invoke(original_invoke, function_id, event, **kwargs)

        BaseClient._make_api_call = _make_api_call  # type: ignore[method-assign]
        runtime.invoke = invoke  # type: ignore[method-assign]
        try:
            yield self
        finally:
            BaseClient._make_api_call = original_call  # type: ignore[method-assign]
            del runtime.invoke  # the class's method again

    @contextmanager
    def recording(self) -> Iterator[Window]:
        """Collect what happens inside the ``with`` into a window."""
        window = Window()
        with self._lock:
            self.window = window
        try:
            yield window
        finally:
            with self._lock:
                self.window = None

    def _invoke(
        self, original: Callable[..., Any], function_id: str, event: Any, **kwargs: Any
    ) -> Any:
        trigger, records = describe_event(event)
        invocation = Invocation(function_id, trigger, records)
        if self.on_invoke is not None:
            self.on_invoke(invocation, event)
        outer = getattr(self._local, "invocation", None)
        self._local.invocation = invocation
        try:
            result = original(function_id, event, **kwargs)
        finally:
            self._local.invocation = outer
        invocation.ended = time.perf_counter()
        invocation.duration_ms = max(0.0, result.duration_ms - invocation.overhead_ms)
        invocation.cpu_ms = max(0.0, result.cpu_ms - invocation.overhead_ms)
        invocation.away_ms = result.away_ms
        invocation.log_bytes = sum(len(line.encode()) + 1 for line in result.logs)
        invocation.error = result.error.type if result.error is not None else None
        with self._lock:
            if self.window is not None:
                self.window.invocations.append(invocation)
        return result

    def _call(
        self, original: Callable[..., Any], client: Any, operation: str, params: dict[str, Any]
    ) -> Any:
        if id(client) in self.own:
            return original(client, operation, params)
        invocation: Invocation | None = getattr(self._local, "invocation", None)
        service = client.meta.service_model.service_name
        request = Request(service, operation)
        started = request.prepared = time.perf_counter()
        before = self.capacity.before(operation, params) if service == "dynamodb" else []
        overhead = time.perf_counter() - started
        response: Mapping[str, Any] = {}
        request.started = time.perf_counter()
        try:
            response = original(client, operation, params)
            return response
        except ClientError as exc:
            request.error = exc.response.get("Error", {}).get("Code", "error")
            response = exc.response
            raise
        finally:
            started = time.perf_counter()
            request.seconds = started - request.started
            if service == "dynamodb":
                self.capacity.after(request, params, response, before)
            else:
                message_traffic(request, params, response)
            if self.on_request is not None:
                self.on_request(invocation, request, params, response, before)
            overhead += time.perf_counter() - started
            if invocation is not None:
                invocation.requests.append(request)
                invocation.overhead_ms += overhead * 1000
            else:
                with self._lock:
                    if self.window is not None:
                        self.window.poller_requests.append(request)


# -- a browser ---------------------------------------------------------------------------------


class Browser:
    """An HTTP client that keeps cookies, sends the site's ``Origin`` on every POST (as a
    browser does on a form post) and follows nothing by itself; counts its requests."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.session = requests.Session()
        self.api_requests = 0
        self.s3_requests = 0

    def url(self, path: str) -> str:
        return urljoin(self.api_url + "/", path)

    def get(self, path: str) -> requests.Response:
        self.api_requests += 1
        return self.session.get(self.url(path), allow_redirects=False, timeout=60)

    def post(self, path: str, form: Mapping[str, str] | None = None) -> requests.Response:
        self.api_requests += 1
        return self.session.post(
            self.url(path),
            data=dict(form or {}),
            headers={"Origin": self.api_url},
            allow_redirects=False,
            timeout=60,
        )

    def upload(self, url: str, fields: Mapping[str, str], content: bytes) -> requests.Response:
        """A form posted straight to S3 (a presigned POST), the file last, as browsers send it."""
        self.s3_requests += 1
        return self.session.post(
            url,
            data=dict(fields),
            files={"file": ("clip.mp4", content, "video/mp4")},
            headers={"Origin": self.api_url},
            allow_redirects=False,
            timeout=60,
        )

    def follow(self, response: requests.Response) -> requests.Response:
        """The page a ``303`` sends the browser to."""
        if response.status_code != 303:
            raise RuntimeError(f"expected a 303, got {response.status_code}: {response.text[:300]}")
        return self.get(response.headers["Location"])


def hidden_fields(page: str) -> dict[str, str]:
    """A page's hidden form fields, by name."""
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    }


def watched(page: str) -> int:
    """The home page's "Viewers have watched N videos"."""
    match = re.search(r"Viewers have watched (\d+) videos?", page)
    if match is None:
        raise RuntimeError(f"not the home page: {page[:300]}")
    return int(match.group(1))


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value at ``fraction`` of the sorted values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# -- the running system ---------------------------------------------------------------------


@dataclass
class Site:
    """A devserver running the whole template, and the benchmark's own clients on it."""

    topology: str
    server: devserver.DevServer
    clients: dict[str, Any]
    store: MessageStore

    @property
    def own_clients(self) -> list[Any]:
        return list(self.clients.values())

    def wait_idle(self) -> None:
        self.server.wait_idle(timeout=IDLE_TIMEOUT)

    def consumers(self) -> set[str]:
        """The functions an event source mapping invokes."""
        assert self.server.application is not None
        return {mapping.function_id for mapping in self.server.application.mappings}

    def tables(self) -> dict[str, str]:
        """``{physical name: logical id}`` of every table."""
        assert self.server.resources is not None
        return {
            resource.physical_id: resource.logical_id
            for resource in self.server.resources.of_type("AWS::DynamoDB::Table")
        }

    def function_name(self, function_id: str) -> str:
        """A function's service name (``POWERTOOLS_SERVICE_NAME``), else its logical id."""
        assert self.server.runtime is not None
        spec = self.server.runtime.functions[function_id]
        return spec.environment.get("POWERTOOLS_SERVICE_NAME", function_id)

    def memory_mb(self, function_id: str) -> int:
        assert self.server.runtime is not None
        return self.server.runtime.functions[function_id].memory

    @contextmanager
    def mappings_paused(self) -> Iterator[None]:
        """Every event source mapping disabled (Lambda API), then enabled again: what is
        written meanwhile waits, and is delivered in batches once they run again."""
        lambda_api = self.clients["lambda"]
        mappings = lambda_api.list_event_source_mappings()["EventSourceMappings"]
        self._set_mappings(mappings, enabled=False)
        try:
            yield
        finally:
            self._set_mappings(mappings, enabled=True)

    def _set_mappings(self, mappings: list[dict[str, Any]], *, enabled: bool) -> None:
        lambda_api = self.clients["lambda"]
        for mapping in mappings:
            lambda_api.update_event_source_mapping(UUID=mapping["UUID"], Enabled=enabled)
        wanted = "Enabled" if enabled else "Disabled"
        deadline = time.monotonic() + 30
        for mapping in mappings:
            while lambda_api.get_event_source_mapping(UUID=mapping["UUID"])["State"] != wanted:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{mapping['UUID']} not {wanted}")
                time.sleep(0.01)


@contextmanager
def running_site(topology: str, **options: Any) -> Iterator[Site]:
    """The whole template on a devserver of its own (fresh state, free ports), in one
    topology, with the demo videos published through the real path."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{topology.lower()}-") as state:
        server = devserver.start(
            state_dir=state,
            api_port=0,
            emulator_port=0,
            lambda_port=0,
            reset=True,
            console=io.StringIO(),
            parameter_overrides={"ConsumerDelivery": topology},
            **options,
        )
        try:
            assert server.endpoint_url is not None
            clients = own_clients(server.endpoint_url, server.lambda_url)
            store = MessageStore(
                server.physical_name("MessageStoreTable"),
                client=clients["dynamodb"],
                settle_window=0,
            )
            publish_demo_videos(store, clients["s3"], server.physical_name("VideosBucket"))
            server.wait_idle(timeout=IDLE_TIMEOUT)
            yield Site(topology, server, clients, store)
        finally:
            server.stop()


def own_clients(endpoint_url: str, lambda_url: str | None) -> dict[str, Any]:
    """The benchmark's own clients (explicit endpoint and fake credentials): never counted."""
    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # the emulator's fake credentials
        region_name="us-east-1",
    )
    # moto routes DynamoDB (Streams) only on the regional endpoint (DESIGN.md section 7)
    config = Config(account_id_endpoint_mode="disabled", retries={"mode": "standard"})
    clients = {
        service: session.client(service, endpoint_url=endpoint_url, config=config)
        for service in ("dynamodb", "s3")
    }
    clients["lambda"] = session.client("lambda", endpoint_url=lambda_url, config=config)
    return clients


def publish_seed_videos(site: Site, count: int) -> list[str]:
    """``count`` more published videos, through the real path (upload, ``PublishVideo``,
    ``NameVideo``), as the demo videos are: the batches view videos that exist."""
    bucket = site.server.physical_name("VideosBucket")
    video_ids = [str(uuid.uuid4()) for _ in range(count)]
    for number, video_id in enumerate(video_ids):
        key = upload_key(SEED_OWNER, video_id)
        site.clients["s3"].put_object(Bucket=bucket, Key=key, Body=DEMO_FILE)
        metadata = Metadata(trace_id=str(uuid.uuid4()), user_id=SEED_OWNER)
        commands = [
            PublishVideo(owner_id=SEED_OWNER, source_uri=s3_uri(bucket, key), video_id=video_id),
            NameVideo(video_id=video_id, name=f"Benchmark video {number}"),
        ]
        for position, command in enumerate(commands):
            message = command.to_message(metadata)
            site.store.write(command_stream(video_id), message, expected_version=position - 1)
    site.wait_idle()
    return video_ids


# -- the actions ---------------------------------------------------------------------------------

#: a tiny file that starts like an MP4 (an ISO base media "ftyp" box)
CLIP = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 2048


@dataclass
class User:
    """A browser with a user's account (``email``) and, once logged in, a session."""

    browser: Browser
    email: str = ""
    videos: list[str] = field(default_factory=list)  # published by this user


def expect(response: requests.Response, status: int, what: str) -> requests.Response:
    if response.status_code != status:
        raise RuntimeError(f"{what}: {response.status_code}, not {status}: {response.text[:400]}")
    return response


def register(user: User, window: Window) -> None:
    """The form, then ``POST /register`` and the registration-complete page."""
    user.email = f"viewer-{uuid.uuid4().hex[:10]}@example.com"
    form = hidden_fields(expect(user.browser.get("/register"), 200, "GET /register").text)
    posted = user.browser.post(
        "/register", {"id": form["id"], "email": user.email, "password": PASSWORD}
    )
    window.posted = time.perf_counter()
    page = expect(user.browser.follow(expect(posted, 303, "POST /register")), 200, "registered")
    window.pending_pages += "Your account is ready" not in page.text


def log_in(user: User, window: Window) -> None:
    """The log-in form, then ``POST /auth/log-in`` and the page it leads to."""
    form = hidden_fields(expect(user.browser.get("/auth/log-in"), 200, "GET /auth/log-in").text)
    posted = user.browser.post("/auth/log-in", {**form, "email": user.email, "password": PASSWORD})
    window.posted = time.perf_counter()
    expect(user.browser.follow(expect(posted, 303, "POST /auth/log-in")), 200, "logged in")


def record_viewing(user: User, window: Window, video_id: str, *, follow: bool = True) -> None:
    """``POST /record-viewing/{id}`` (the button on the home page), then the home page."""
    posted = expect(user.browser.post(f"/record-viewing/{video_id}"), 303, "POST viewing")
    window.posted = time.perf_counter()
    if follow:
        page = expect(user.browser.follow(posted), 200, "home page")
        window.pending_pages += "on its way" in page.text


def publish_video(user: User, window: Window) -> None:
    """The dashboard's upload form straight to S3, back to the site, then Publish."""
    dashboard = expect(user.browser.get("/creators-portal"), 200, "GET /creators-portal")
    match = re.search(r'<form method="post" action="([^"]+)" enctype', dashboard.text)
    if match is None:
        raise RuntimeError("no upload form on the dashboard")
    action = html.unescape(match.group(1))
    form_html = dashboard.text[match.start() :]
    uploaded = expect(user.browser.upload(action, hidden_fields(form_html), CLIP), 303, "upload")
    page = expect(user.browser.follow(uploaded), 200, "GET /creators-portal/uploaded")
    fields = hidden_fields(page.text)
    posted = user.browser.post("/creators-portal/publish-video", fields)
    window.posted = time.perf_counter()
    after = expect(user.browser.follow(expect(posted, 303, "POST publish-video")), 200, "dash")
    window.pending_pages += "on its way" in after.text
    user.videos.append(fields["videoId"])


def change_video(user: User, window: Window, what: str, value: str) -> None:
    """The video's page, then its name (``what`` = "name") or description form; the
    operation's page, which leads back to the video's page once it succeeded."""
    video_id = user.videos[0]
    path = f"/creators-portal/videos/{video_id}"
    expect(user.browser.get(path), 200, f"GET {path}")
    field_name = "name" if what == "name" else "description"
    posted = expect(user.browser.post(f"{path}/{what}", {field_name: value}), 303, what)
    window.posted = time.perf_counter()
    response = user.browser.follow(posted)
    window.pending_pages += response.status_code == 200 and "on its way" in response.text
    for _ in range(20):  # a pending operation's page refreshes itself, as a browser would
        if response.status_code == 303:
            response = user.browser.follow(response)
            continue
        if response.status_code == 200 and "on its way" not in response.text:
            break
        time.sleep(0.2)
        response = user.browser.get(response.url)
    expect(response, 200, f"{what} done")


# -- measuring -------------------------------------------------------------------------------


@dataclass
class Scenario:
    """One action in one topology: its runs."""

    title: str
    topology: str
    runs: list[Window]
    actions_per_run: int
    note: str
    memory: Mapping[str, int]  # MB by function id
    names: Mapping[str, str]  # service name by function id


def measure(
    site: Site,
    observer: Observer,
    browser: Browser,
    action: Callable[[Window, int], None],
    runs: int,
    *,
    warm_up: bool = True,
) -> list[Window]:
    """One warm-up run (cold starts, caches), then ``runs`` runs, each until idle."""
    consumers = site.consumers()
    if warm_up:
        action(Window(), -1)
        site.wait_idle()
    measured = []
    for number in range(runs):
        site.wait_idle()
        api, s3 = browser.api_requests, browser.s3_requests
        with observer.recording() as window:
            action(window, number)
            site.wait_idle()
        window.api_requests = browser.api_requests - api
        window.browser_s3 = browser.s3_requests - s3
        ends = [i.ended for i in window.invocations if i.function_id in consumers]
        if window.posted is not None and ends:
            window.propagation_ms = (max(ends) - window.posted) * 1000
        measured.append(window)
    return measured


@dataclass(frozen=True)
class Action:
    """One user action to measure: what it does in a run (``run(window, number)``)."""

    title: str
    run: Callable[[Window, int], None]
    note: str
    runs: int = REPEATS
    per_run: int = 1  # actions in one run
    warm_up: bool = True


def actions_of(site: Site, user: User, batch_videos: Sequence[str]) -> list[Action]:
    """The actions, in the order they run (each leaves what the next needs: an account, a
    session, a published video)."""
    demo_videos = list(DEMO_VIDEOS)
    accounts: list[str] = []

    def register_one(window: Window, _number: int) -> None:
        register(user, window)
        accounts.append(user.email)

    def log_in_first(window: Window, _number: int) -> None:
        user.email = accounts[0]
        log_in(user, window)

    def view(window: Window, number: int) -> None:
        record_viewing(user, window, demo_videos[number % len(demo_videos)])

    def batch_of(size: int) -> Callable[[Window, int], None]:
        def batch(window: Window, _number: int) -> None:
            with site.mappings_paused():
                for video_id in batch_videos[:size]:
                    record_viewing(user, window, video_id, follow=False)
            window.posted = None  # the mappings were paused: no propagation to tell

        return batch

    def name(window: Window, number: int) -> None:
        change_video(user, window, "name", f"Tutorial {number + 2}, {uuid.uuid4().hex[:6]}")

    def describe(window: Window, number: int) -> None:
        change_video(user, window, "describe", f"What it shows, take {number + 2}.")

    batches = [
        Action(
            f"record a viewing, batch of {size}",
            batch_of(size),
            f"{size} viewings of {size} videos posted while every mapping is paused, then "
            "delivered in batches (no page after each POST)",
            runs=BATCH_REPEATS,
            per_run=size,
            warm_up=False,
        )
        for size in BATCHES
    ]
    return [
        Action(
            "register",
            register_one,
            "GET /register, POST /register, the registration-complete page; then identity, "
            "send-email (SES) and user-credentials until idle",
        ),
        Action("log in", log_in_first, "GET /auth/log-in, POST /auth/log-in, the home page"),
        Action(
            "record a viewing",
            view,
            "a logged-in viewer: POST /record-viewing/{id}, the home page (the 303 followed)",
        ),
        *batches,
        Action(
            "publish a video",
            lambda window, _number: publish_video(user, window),
            "the dashboard, the upload straight to S3, the uploaded page, POST "
            "/creators-portal/publish-video, the dashboard",
        ),
        Action(
            "name a video",
            name,
            "the video's page, POST …/name, the operation's page, the video's page",
        ),
        Action(
            "describe a video",
            describe,
            "the video's page, POST …/describe, the operation's page, the video's page",
        ),
    ]


def run_topology(topology: str) -> tuple[list[Scenario], dict[str, Any]]:
    """Every action, measured on a devserver in one topology."""
    started = time.perf_counter()
    with running_site(topology) as site:
        server = site.server
        assert server.runtime is not None
        batch_videos = publish_seed_videos(site, max(BATCHES))
        dynamodb = site.clients["dynamodb"]
        observer = Observer(
            Capacity(dynamodb, describe_tables(dynamodb, site.tables())), site.own_clients
        )
        memory = {f: site.memory_mb(f) for f in server.runtime.functions}
        names = {f: site.function_name(f) for f in server.runtime.functions}
        user = User(Browser(server.api_url or ""))
        scenarios = []
        with observer.installed(server):
            for action in actions_of(site, user, batch_videos):
                runs = measure(
                    site, observer, user.browser, action.run, action.runs, warm_up=action.warm_up
                )
                scenarios.append(
                    Scenario(
                        action.title, topology, runs, action.per_run, action.note, memory, names
                    )
                )
        mappings = site.clients["lambda"].list_event_source_mappings()["EventSourceMappings"]
        expected = {("dynamodbstreams", op) for op in STREAM_READS} | {
            ("sqs", op) for op in QUEUE_POLLS
        }
        unexpected = Counter(
            f"{r.service} {r.operation}"
            for s in scenarios
            for run in s.runs
            for r in run.poller_requests
            if (r.service, r.operation) not in expected
        )
        facts = {
            "seconds": time.perf_counter() - started,
            "queue_mappings": sum(m["EventSourceArn"].startswith("arn:aws:sqs") for m in mappings),
            "secret_users": {
                function_id
                for function_id, spec in server.runtime.functions.items()
                if "SESSION_SECRET_ARN" in spec.environment
            },
            "unexpected": ", ".join(f"{k} {n}" for k, n in unexpected.items()),
            "errors": [
                f"{i.function_id} ← {i.trigger}: {i.error}"
                for s in scenarios
                for run in s.runs
                for i in run.invocations
                if i.error
            ],
        }
    return scenarios, facts


# -- figures -----------------------------------------------------------------------------------

POLLED_SQS_BILLED = {"ReceiveMessage", "DeleteMessageBatch"}
#: what Lambda's pollers do (the devserver's pollers, its stream reader and ``wait_idle``)
STREAM_READS = {"DescribeStream", "GetShardIterator", "GetRecords", "ListStreams"}
QUEUE_POLLS = {"ReceiveMessage", "DeleteMessageBatch", "GetQueueAttributes"}


def per_action(scenario: Scenario, value: Callable[[Window], float]) -> float:
    """The median over the runs of ``value(run)``, per action."""
    return statistics.median(value(run) for run in scenario.runs) / scenario.actions_per_run


def function_requests(run: Window) -> list[Request]:
    return [r for i in run.invocations for r in i.requests]


def sqs_billed(run: Window) -> float:
    """SQS requests billed for delivering: receives that returned messages and deletes (per
    64 KB), and each message SNS sent into a queue (assumed billed as a SendMessage)."""
    polled = sum(
        max(1, math.ceil(r.payload / CHUNK))
        for r in run.poller_requests
        if r.service == "sqs"
        and r.operation in POLLED_SQS_BILLED
        and (r.operation != "ReceiveMessage" or r.messages)
    )
    return polled + deliveries(run)


def deliveries(run: Window) -> int:
    """Messages SNS delivered into the consumers' queues (each received at least once)."""
    return len({m for r in run.poller_requests if r.service == "sqs" for m in r.message_ids})


def local_polls(run: Window) -> int:
    """The devserver's polling that carried nothing: empty receives, queue counts, stream
    reads (Lambda's stream reads are free; its idle long polls are the fixed cost)."""
    return sum(
        1
        for r in run.poller_requests
        if not (r.service == "sqs" and r.operation in POLLED_SQS_BILLED and r.messages)
        and not (r.service == "sqs" and r.operation == "DeleteMessageBatch")
    )


def gb_seconds(scenario: Scenario, run: Window) -> float:
    """Memory (the template's) x duration (measured here, rounded up to 1 ms as billed)."""
    return sum(
        scenario.memory[i.function_id] / 1024 * math.ceil(i.duration_ms) / 1000
        for i in run.invocations
    )


def billable_requests(run: Window) -> int:
    """The requests billed per action: API Gateway, every request a function made, S3 from
    the browser, and SQS deliveries (not the stream reads: free for Lambda)."""
    return run.api_requests + len(function_requests(run)) + run.browser_s3 + int(sqs_billed(run))


@dataclass
class CostLine:
    component: str
    units: float
    unit_name: str
    dollars_per_million: float
    core: bool = True  # in the list (logs and traces are not)


def costs(scenario: Scenario, secret_users: set[str]) -> list[CostLine]:
    """What a million such actions cost, line by line."""

    def of(select: Callable[[Request], float]) -> Callable[[Window], float]:
        return lambda run: sum(select(r) for r in function_requests(run))

    wru = per_action(scenario, of(lambda r: r.wru))
    rru = per_action(scenario, of(lambda r: r.rru))
    invocations = per_action(scenario, lambda run: len(run.invocations))
    gb_s = per_action(scenario, lambda run: gb_seconds(scenario, run))
    api = per_action(scenario, lambda run: run.api_requests)
    publishes = per_action(
        scenario,
        of(lambda r: max(1, math.ceil(r.payload / CHUNK)) if r.service == "sns" else 0),
    )
    delivered = per_action(scenario, deliveries)
    sns_bytes = per_action(
        scenario,
        lambda run: (
            sum(r.payload for r in function_requests(run) if r.service == "sns")
            + sum(r.payload for r in run.poller_requests if r.operation == "ReceiveMessage")
        ),
    )
    sqs = per_action(scenario, sqs_billed)
    s3_writes = per_action(
        scenario,
        lambda run: (
            run.browser_s3
            + sum(
                r.service == "s3" and r.operation in S3_WRITE_OPERATIONS
                for r in function_requests(run)
            )
        ),
    )
    s3_reads = per_action(
        scenario,
        of(lambda r: float(r.service == "s3" and r.operation not in S3_WRITE_OPERATIONS)),
    )
    emails = per_action(scenario, of(lambda r: float(r.service in ("ses", "sesv2"))))
    secret_calls = per_action(scenario, of(lambda r: float(r.service == "secretsmanager")))
    uses_secret = per_action(
        scenario, lambda run: any(i.function_id in secret_users for i in run.invocations)
    )
    if uses_secret:  # on AWS: one call per warm environment per cache period, shared by all
        secret_calls += SECRET_ENVIRONMENTS * 86_400 / SECRET_CACHE_SECONDS / SECRET_ACTIONS_PER_DAY
    logged = per_action(scenario, lambda run: sum(i.log_bytes for i in run.invocations))
    return [
        CostLine("DynamoDB write request units", wru, "WRU", wru * PRICE["wru"] * 1e6),
        CostLine("DynamoDB read request units", rru, "RRU", rru * PRICE["rru"] * 1e6),
        CostLine("DynamoDB Streams reads by Lambda", 0, "free", 0.0),
        CostLine("Lambda requests", invocations, "invocations",
                 invocations * PRICE["lambda_request"] * 1e6),
        CostLine("Lambda duration (measured here)", gb_s, "GB-s",
                 gb_s * PRICE["lambda_gb_second"] * 1e6),
        CostLine("API Gateway REST requests", api, "requests", api * PRICE["api_request"] * 1e6),
        CostLine("SNS FIFO publishes (64 KB units)", publishes, "requests",
                 publishes * PRICE["sns_fifo_publish"] * 1e6),
        CostLine("SNS FIFO deliveries to SQS", delivered, "messages",
                 delivered * PRICE["sns_fifo_delivery"] * 1e6),
        CostLine("SNS FIFO payload (in + out)", sns_bytes, "bytes",
                 sns_bytes / 1e9 * PRICE["sns_fifo_gb"] * 1e6),
        CostLine("SQS FIFO requests (delivery)", sqs, "requests",
                 sqs * PRICE["sqs_fifo_request"] * 1e6),
        CostLine("S3 PUT/COPY/POST requests", s3_writes, "requests",
                 s3_writes * PRICE["s3_write"] * 1e6),
        CostLine("S3 GET/HEAD requests", s3_reads, "requests", s3_reads * PRICE["s3_read"] * 1e6),
        CostLine("SES email", emails, "emails", emails * PRICE["email"] * 1e6),
        CostLine("Secrets Manager GetSecretValue", secret_calls, "calls",
                 secret_calls * PRICE["secret_call"] * 1e6),
        CostLine("CloudWatch Logs ingestion (INFO)", logged, "bytes",
                 logged / 1e9 * PRICE["log_gb"] * 1e6, core=False),
        CostLine(f"X-Ray traces ({TRACE_SAMPLING:.0%} sampled)", invocations * TRACE_SAMPLING,
                 "traces", invocations * TRACE_SAMPLING * PRICE["trace"] * 1e6, core=False),
    ]  # fmt: skip


def dollars(lines: Sequence[CostLine], *, core_only: bool = True) -> float:
    return sum(line.dollars_per_million for line in lines if line.core or not core_only)


def operations(requests_made: Sequence[Request]) -> str:
    """``Operation(Table) n, service Operation n, …`` in the order first made."""
    counted = Counter(
        r.name if r.service == "dynamodb" else f"{r.service} {r.name}" for r in requests_made
    )
    return ", ".join(f"{name} {n}" if n > 1 else name for name, n in counted.items()) or "-"


def by_operation(scenario: Scenario, made: Callable[[Window], Sequence[Request]]) -> str:
    """Requests per service and operation, per action (medians of the runs); receives
    that carried messages counted apart."""

    def kind(request: Request) -> str:
        carried = request.operation == "ReceiveMessage" and request.messages
        return f"{request.service} {request.operation}" + (" (with messages)" if carried else "")

    kinds = dict.fromkeys(kind(r) for run in scenario.runs for r in made(run))
    counts = {
        name: per_action(scenario, lambda run, name=name: sum(kind(r) == name for r in made(run)))
        for name in kinds
    }
    return ", ".join(f"{name} {count:g}" for name, count in counts.items() if count) or "-"


def signature(run: Window) -> Counter[tuple[str, str]]:
    """What the functions asked for in a run: ``{(function, request): count}``."""
    return Counter((i.function_id, r.name) for i in run.invocations for r in i.requests)


def differences(signatures: Sequence[Counter[tuple[str, str]]]) -> dict[tuple[str, str], list[int]]:
    """The requests whose count is not the same in every run, with each run's count (a page
    polling a view, for one, asks as often as the view keeps it waiting)."""
    keys = sorted({key for each in signatures for key in each})
    counts = {key: [each[key] for each in signatures] for key in keys}
    return {key: found for key, found in counts.items() if len(set(found)) > 1}


def propagation(scenario: Scenario) -> list[float]:
    return [run.propagation_ms for run in scenario.runs if run.propagation_ms is not None]


def print_scenario(scenario: Scenario, secret_users: set[str]) -> None:
    n = scenario.actions_per_run
    first = scenario.runs[0]
    print(f"\n=== {scenario.title} — {scenario.topology} ({len(scenario.runs)} runs)")
    print(f"    {scenario.note}")
    labels: dict[str, list[Invocation]] = defaultdict(list)
    for invocation in first.invocations:
        labels[f"{scenario.names[invocation.function_id]} ← {invocation.trigger}"].append(
            invocation
        )
    print(f"  {'function ← trigger':<58} {'calls':>5} {'ms here':>8} {'WRU':>6} {'RRU':>6}  "
          "requests (one run)")  # fmt: skip
    for label, invocations in labels.items():
        wanted = {(i.function_id, i.trigger) for i in invocations}
        durations = [
            i.duration_ms for run in scenario.runs for i in run.invocations
            if (i.function_id, i.trigger) in wanted
        ]  # fmt: skip
        made = [r for i in invocations for r in i.requests]
        print(
            f"  {label[:58]:<58} {len(invocations):>5} {statistics.median(durations):>8.1f} "
            f"{sum(r.wru for r in made):>6g} {sum(r.rru for r in made):>6g}  {operations(made)}"
        )
    print(f"  {POLLERS + ' (the devserver)':<58} {'':>5} {'':>8} {'':>6} {'':>6}  "
          f"{operations(first.poller_requests)}")  # fmt: skip
    differing = differences([signature(run) for run in scenario.runs])
    if differing:
        print("  runs that differ (requests by function, run by run):")
        for (function_id, name), counts in differing.items():
            shown = ", ".join(str(n) for n in counts)
            print(f"    {scenario.names[function_id]} {name}: {shown}")
    lines = {line.component: line for line in costs(scenario, secret_users)}
    per = f" (per viewing: runs of {n})" if n > 1 else ""
    dynamodb = per_action(
        scenario, lambda run: sum(r.service == "dynamodb" for r in function_requests(run))
    )
    print(f"  per action{per}, medians of the runs:")
    print(f"    by the functions: {by_operation(scenario, function_requests)}")
    print(f"    by Lambda's pollers: {by_operation(scenario, lambda run: run.poller_requests)}")
    print(
        f"    API Gateway {lines['API Gateway REST requests'].units:g} requests; Lambda "
        f"{lines['Lambda requests'].units:g} invocations, "
        f"{lines['Lambda duration (measured here)'].units:.4f} GB-s (measured on this machine); "
        f"DynamoDB {dynamodb:g} requests, {lines['DynamoDB write request units'].units:g} WRU, "
        f"{lines['DynamoDB read request units'].units:g} RRU"
    )
    local = per_action(scenario, local_polls)
    print(
        f"    SNS {lines['SNS FIFO publishes (64 KB units)'].units:g} publish requests, "
        f"{lines['SNS FIFO deliveries to SQS'].units:g} deliveries; SQS "
        f"{lines['SQS FIFO requests (delivery)'].units:g} billed requests (+ {local:g} "
        "requests of the pollers not billed per action: stream reads, empty polls); S3 "
        f"{lines['S3 PUT/COPY/POST requests'].units:g} PUT-class + "
        f"{lines['S3 GET/HEAD requests'].units:g} GET-class; SES "
        f"{lines['SES email'].units:g} emails; ${dollars(list(lines.values())):.2f} per million"
    )
    delays = propagation(scenario)
    if delays:
        print(
            f"    propagation (POST answered → last consumer finished): p50 "
            f"{statistics.median(delays):.1f} ms (runs {min(delays):.1f} to {max(delays):.1f} ms)"
        )
    else:
        print("    propagation: - (" + ("no consumer ran" if n == 1 else "mappings paused") + ")")
    pending = sum(run.pending_pages for run in scenario.runs)
    if pending:
        print(f"  !! {pending} page(s) after a POST said 'on its way' instead of showing the write")


def print_costs(scenarios: Sequence[Scenario], secret_users: set[str]) -> None:
    print("\n=== Cost per million actions (estimate)")
    print(f"  prices: {PRICES_AS_OF}:")
    print(
        f"    DynamoDB on-demand ${PRICE['wru'] * 1e6:.3f} per million WRU, "
        f"${PRICE['rru'] * 1e6:.3f} per million RRU, Streams reads by Lambda free; Lambda arm64 "
        f"${PRICE['lambda_gb_second']:.10f} per GB-s + ${PRICE['lambda_request'] * 1e6:.2f} per "
        f"million requests;\n    API Gateway REST ${PRICE['api_request'] * 1e6:.2f} per million; "
        f"SNS FIFO ${PRICE['sns_fifo_publish'] * 1e6:.2f} per million publishes (64 KB each) + "
        f"${PRICE['sns_fifo_delivery'] * 1e6:.2f} per million deliveries + "
        f"${PRICE['sns_fifo_gb']:.3f} per GB in and out;\n    SQS FIFO "
        f"${PRICE['sqs_fifo_request'] * 1e6:.2f} per million requests (64 KB each); S3 "
        f"${PRICE['s3_write'] * 1000:.4f} per 1,000 PUT/COPY/POST, "
        f"${PRICE['s3_read'] * 1000:.4f} per 1,000 GET/HEAD; SES ${PRICE['email'] * 1000:.2f} per "
        f"1,000 emails; Secrets Manager ${PRICE['secret_call'] * 1e4:.2f} per 10,000 calls;\n"
        f"    CloudWatch Logs ${PRICE['log_gb']:.2f} per GB; X-Ray ${PRICE['trace'] * 1e6:.2f} per "
        "million traces"
    )
    print(
        "  units: writes 1 WRU per KB (rounded up), x2 in a transaction, + each GSI entry "
        "written;\n    reads 1 RRU per 4 KB strongly consistent, 0.5 eventually consistent, "
        "a read finding nothing still 1 (0.5)"
    )
    print(
        "  Lambda duration: each invocation's duration measured here (on moto, on this machine; "
        "the benchmark's own lookups taken out),\n    rounded up to 1 ms, x the template's "
        "MemorySize; warm invocations only (the warm-up run took the cold starts)"
    )
    print(
        "  SQS: per action, the receives that carried messages and the deletes (Lambda's "
        "pollers), and each message SNS sends into a\n    queue (assumed billed as an SQS "
        "request); the idle long polls are a fixed monthly cost (below)"
    )
    print(
        f"  Secrets Manager: the apps cache the secret {SECRET_CACHE_SECONDS} s: counted as "
        f"{SECRET_ENVIRONMENTS} warm environments x {86_400 // SECRET_CACHE_SECONDS} calls a day "
        f"over {SECRET_ACTIONS_PER_DAY:,} such actions a day"
    )
    header = (
        f"  {'action':<34} {'topology':<8} {'component':<34} {'units per action':>18} "
        f"{'$ per million':>13}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for scenario in scenarios:
        lines = costs(scenario, secret_users)
        shown = [line for line in lines if line.units or line.unit_name == "free"]
        for number, line in enumerate(shown):
            units = f"{line.units:,.4g} {line.unit_name}" if line.unit_name != "free" else "-"
            title = (scenario.title, scenario.topology) if number == 0 else ("", "")
            print(
                f"  {title[0]:<34} {title[1]:<8} {line.component:<34} {units:>18} "
                f"{line.dollars_per_million:>13.4f}"
            )
        print(f"  {'':<34} {'':<8} {'total (the issue list)':<34} {'':>18} {dollars(lines):>13.4f}")
        print(
            f"  {'':<34} {'':<8} {'total with logs and traces':<34} {'':>18} "
            f"{dollars(lines, core_only=False):>13.4f}"
        )


def print_summary(scenarios: Sequence[Scenario], secret_users: set[str]) -> None:
    print("\n=== Summary per action: Streams vs Queues (medians of the runs)")
    header = (
        f"  {'action':<34} {'$/million S':>11} {'Q':>8} {'Q/S':>5}  {'requests S':>10} {'Q':>6}  "
        f"{'invocations S':>13} {'Q':>5}  {'propagation p50 S':>17} {'Q':>9}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    by_title: dict[str, dict[str, Scenario]] = defaultdict(dict)
    for scenario in scenarios:
        by_title[scenario.title][scenario.topology] = scenario
    for title, pair in by_title.items():
        if set(pair) != set(TOPOLOGIES):
            continue
        streams, queues = pair["Streams"], pair["Queues"]
        cost = [dollars(costs(s, secret_users)) for s in (streams, queues)]
        asked = [per_action(s, billable_requests) for s in (streams, queues)]
        calls = [per_action(s, lambda run: len(run.invocations)) for s in (streams, queues)]
        delays = [propagation(s) for s in (streams, queues)]
        shown = [f"{statistics.median(d):.1f} ms" if d else "-" for d in delays]
        print(
            f"  {title:<34} {cost[0]:>11.2f} {cost[1]:>8.2f} {cost[1] / cost[0]:>5.2f}  "
            f"{asked[0]:>10.4g} {asked[1]:>6.4g}  {calls[0]:>13.3g} {calls[1]:>5.3g}  "
            f"{shown[0]:>17} {shown[1]:>9}"
        )
    print(
        "  requests = API Gateway + every request the functions made + the browser's S3 upload "
        "+ SQS delivery requests (stream reads: free)"
    )


def print_fixed_costs(queue_mappings: int) -> None:
    polls = SQS_IDLE_POLLERS * MONTH_SECONDS / SQS_LONG_POLL_SECONDS
    monthly = polls * PRICE["sqs_fifo_request"]
    print("\n=== Fixed monthly cost of the Queues topology: Lambda's idle SQS polling")
    print(
        f"  assumed: Lambda long-polls each queue with {SQS_IDLE_POLLERS} pollers, "
        f"{SQS_LONG_POLL_SECONDS} s a ReceiveMessage, whether messages come or not:\n"
        f"  {polls:,.0f} requests a month per consumer = ${monthly:.2f} a month per consumer; "
        f"{queue_mappings} consumer queues = ${monthly * queue_mappings:.2f} a month "
        "(before the free tier's first million requests)"
    )
    print("  Streams topology: Lambda's reads of the DynamoDB stream are free: no fixed cost")


def main() -> int:
    import moto

    started = time.perf_counter()
    print(
        f"Requests, cost and propagation per user action, driven over HTTP on the devserver "
        f"(moto {moto.__version__}), {REPEATS} runs of each action after one warm-up "
        f"(batches: {BATCH_REPEATS}), in both topologies"
    )
    scenarios: list[Scenario] = []
    facts: dict[str, dict[str, Any]] = {}
    secret_users: set[str] = set()
    for topology in TOPOLOGIES:
        found, facts[topology] = run_topology(topology)
        scenarios.extend(found)
        secret_users |= facts[topology]["secret_users"]
        print(f"  {topology}: measured in {facts[topology]['seconds']:.0f} s")
    for scenario in scenarios:
        print_scenario(scenario, secret_users)
    print_costs(scenarios, secret_users)
    print_summary(scenarios, secret_users)
    print_fixed_costs(facts["Queues"]["queue_mappings"])
    print("\n=== Checks")
    for topology, found in facts.items():
        errors = found["errors"]
        print(
            f"  {topology}: function errors {len(errors)}"
            + (f" ({'; '.join(errors[:3])})" if errors else "")
            + f"; requests of the devserver beyond stream reads and queue polls: "
            f"{found['unexpected'] or 'none'}"
        )
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
