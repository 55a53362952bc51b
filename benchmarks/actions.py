"""Requests and cost per user action: what recording a viewing, registering and logging in
cost in AWS requests, against the minimum DESIGN.md allows, and in dollars per million.

``make bench`` runs it (or ``.venv/bin/python benchmarks/actions.py``). One moto server (a
real HTTP endpoint, in its own process) holds the tables of ``template.yaml``. Each action
runs through the real code: the application's Lambda handler gets an API Gateway REST event,
then every record the written messages put on the message store's stream (read from moto's
DynamoDB stream) goes, as a Lambda stream event, to each function whose ``FilterCriteria``
in the template match it, round after round until nothing new is written. Every AWS request
of the functions' clients is counted (botocore ``before-call``/``after-call`` events) and
attributed to the function and the message (or route) that caused it.

Capacity units are computed from the items' sizes with DynamoDB's rules; the harness looks
items up through its own client (never counted) and its time is taken out of the functions'.
A report, not a test: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import statistics
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import (
    REGION,
    Function,
    load_template,
    moto_process,
    put_project_on_path,
    resource_refs,
    template_functions,
    use_fake_credentials,
)

put_project_on_path()
use_fake_credentials()

PREFIX = "bench"
REPEATS = 5  # measured runs of each action, after one warm-up run
BATCHES = (10, 100)  # viewings of different videos aggregated in one batch
BATCH_REPEATS = 3
PASSWORD = "correct horse battery staple"
SESSION_SECRET = "a-session-secret-of-the-benchmark-0123456789abcdef"

# -- prices and assumptions -----------------------------------------------------------------

PRICES_AS_OF = "2025 (us-east-1 list prices; DynamoDB on-demand after the 2024-11-01 cut)"
PRICE = {
    "wru": 0.625 / 1e6,  # DynamoDB on-demand write request unit (Standard table class)
    "rru": 0.125 / 1e6,  # DynamoDB on-demand read request unit
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000133334,  # arm64, first 7.5 billion GB-s a month
    "api_request": 3.50 / 1e6,  # API Gateway REST API, first 333 million a month
    "email": 0.10 / 1000,  # SES outbound email
    "secret_call": 0.05 / 10_000,  # Secrets Manager API calls
    "log_gb": 0.50,  # CloudWatch Logs ingestion (Standard)
    "trace": 5.00 / 1e6,  # X-Ray traces recorded
}
#: Lambda gives a function CPU in proportion to its memory: 1,769 MB is one vCPU.
FULL_VCPU_MB = 1769
#: Round trips assumed on AWS (same region); moto's own latency says nothing about them.
LATENCY_SECONDS = {
    ("dynamodb", "BatchGetItem"): 0.008,
    ("dynamodb", "TransactWriteItems"): 0.015,
    ("dynamodb", ""): 0.005,
    ("ses", ""): 0.050,
    ("secretsmanager", ""): 0.020,
}
#: X-Ray's default sampling rule: the first request each second, then 5 %.
TRACE_SAMPLING = 0.05
#: Secrets Manager: one GetSecretValue per warm execution environment per 5 minutes (cache).
SECRET_CACHE_SECONDS = 300
SECRET_ENVIRONMENTS = 10  # warm environments of the function, assumed
SECRET_ACTIONS_PER_DAY = 1_000_000  # of that action, assumed

# -- DynamoDB item sizes and capacity units ----------------------------------------------------

WRITE_UNIT = 1024
READ_UNIT = 4096


def number_size(text: str) -> int:
    """DynamoDB's size of a number: 1 byte per two significant digits, plus 1."""
    mantissa = text.lower().lstrip("-+").split("e")[0].replace(".", "")
    digits = mantissa.strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def value_size(value: Mapping[str, Any]) -> int:
    """The size of one attribute value (wire form: ``{"S": …}``), by DynamoDB's rules."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return number_size(inner)
    if kind == "B":
        return len(inner) * 3 // 4  # base64 on the wire
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(number_size(n) for n in inner)
    if kind == "M":  # 3 bytes, and 1 byte per element
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: Mapping[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_UNIT))


def read_units(size: int) -> int:
    return max(1, math.ceil(size / READ_UNIT))


@dataclass(frozen=True)
class Index:
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
    name: str
    keys: tuple[str, ...]
    indexes: tuple[Index, ...]

    @property
    def short(self) -> str:
        return self.name.removeprefix(f"{PREFIX}-")

    def key_of(self, item: Mapping[str, Any]) -> dict[str, Any]:
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


def describe_tables(client: Any, names: Sequence[str]) -> dict[str, Table]:
    tables = {}
    for name in names:
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
        tables[name] = Table(name, keys, indexes)
    return tables


# -- requests, invocations and the recorder ------------------------------------------------------


def short(value: str, keep: int = 8) -> str:
    """Long ids shortened for the trace (``7b0c2a1e…``)."""
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{32}", lambda m: m[0][:keep] + "…", value)


def plain(value: Mapping[str, Any]) -> str:
    ((_, inner),) = value.items()
    return str(inner)


@dataclass
class Request:
    """One AWS API call a function made."""

    service: str
    operation: str
    target: str = ""  # table[/index]
    detail: str = ""
    wru: float = 0.0
    rru: float = 0.0
    error: str | None = None

    @property
    def dynamodb(self) -> bool:
        return self.service == "dynamodb"

    def describe(self) -> str:
        units = []
        if self.wru:
            units.append(f"{self.wru:g} WRU")
        if self.rru:
            units.append(f"{self.rru:g} RRU")
        error = f" → {self.error}" if self.error else ""
        return (
            f"{self.operation:<19} {self.target:<37} {short(self.detail):<46} "
            f"{', '.join(units)}{error}"
        )


@dataclass
class Invocation:
    """One call of a function's handler: what caused it, what it cost."""

    function: Function
    trigger: str  # "POST /register" or the message types of the batch
    records: int = 0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    log_bytes: int = 0
    secret_uses: int = 0
    requests: list[Request] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.function.name} ← {self.trigger}"

    def estimated_seconds(self) -> float:
        """Lambda's duration: this CPU time at the memory's CPU share, plus the round trips."""
        share = min(1.0, self.function.memory_mb / FULL_VCPU_MB)
        waits = sum(
            LATENCY_SECONDS.get(
                (r.service, r.operation), LATENCY_SECONDS.get((r.service, ""), 0.010)
            )
            for r in self.requests
        )
        return math.ceil((self.cpu_seconds / share + waits) * 1000) / 1000


class LogCounter(io.TextIOBase):
    """A function's stdout (Powertools' Logger writes there): counts the bytes logged."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)

    def writable(self) -> bool:
        return True


class Recorder:
    """Counts every API call of the functions' clients and attributes it to an invocation.

    botocore ``before-call``: the request (its JSON body for DynamoDB), and the items a write
    replaces (looked up through the harness's own client); ``after-call``: the response,
    the capacity units, the error code. Time spent here is taken out of the invocation's.
    """

    def __init__(self, harness_client: Any, tables: Mapping[str, Table]) -> None:
        self.harness = harness_client
        self.tables = tables
        self.current: Invocation | None = None
        self.stray: list[Request] = []
        self.calls = 0
        self.attempts = 0
        self._overhead_cpu = 0.0
        self._overhead_wall = 0.0

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-call", self._before, unique_id="bench-actions-before")
        events.register("after-call", self._after, unique_id="bench-actions-after")
        events.register("before-send", self._send, unique_id="bench-actions-send")

    @contextmanager
    def measuring(self, invocation: Invocation, log: LogCounter) -> Iterator[None]:
        self.current = invocation
        self._overhead_cpu = self._overhead_wall = 0.0
        log_before = log.bytes
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            yield
        finally:
            invocation.cpu_seconds = time.process_time() - cpu - self._overhead_cpu
            invocation.wall_seconds = time.perf_counter() - wall - self._overhead_wall
            invocation.log_bytes = log.bytes - log_before
            self.current = None

    @contextmanager
    def _overhead(self) -> Iterator[None]:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            yield
        finally:
            self._overhead_cpu += time.process_time() - cpu
            self._overhead_wall += time.perf_counter() - wall

    def _send(self, **_: Any) -> None:
        self.attempts += 1

    def _before(self, model: Any, params: Mapping[str, Any], context: dict, **_: Any) -> None:
        with self._overhead():
            self.calls += 1
            service = model.service_model.service_name
            request = Request(service, model.name)
            body: dict[str, Any] = {}
            if service == "dynamodb":
                body = json.loads(params.get("body") or b"{}")
            before = self._items_before(model.name, body)
            context["bench_request"] = (request, body, before)
            if self.current is not None:
                self.current.requests.append(request)
            else:
                self.stray.append(request)

    def _after(
        self, parsed: Mapping[str, Any], context: dict, http_response: Any, **_: Any
    ) -> None:
        with self._overhead():
            request, body, before = context.pop("bench_request")
            if http_response.status_code >= 300:
                request.error = parsed.get("Error", {}).get("Code", str(http_response.status_code))
            if request.dynamodb:
                self._dynamodb(request, body, before, parsed)
            else:
                request.detail = request.operation

    # -- DynamoDB: what each request touched and its capacity units -------------------------

    def _get(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        response = self.harness.get_item(TableName=table, Key=dict(key), ConsistentRead=True)
        return response.get("Item")

    def _items_before(self, operation: str, body: Mapping[str, Any]) -> list[dict | None]:
        """The items a write is about to replace (``None`` where there is none)."""
        if operation == "PutItem":
            table = self.tables[body["TableName"]]
            return [self._get(table.name, table.key_of(body["Item"]))]
        if operation in ("UpdateItem", "DeleteItem"):
            return [self._get(body["TableName"], body["Key"])]
        if operation == "TransactWriteItems":
            items = []
            for entry in body["TransactItems"]:
                ((kind, action),) = entry.items()
                table = self.tables[action["TableName"]]
                key = table.key_of(action["Item"]) if kind == "Put" else action["Key"]
                items.append(self._get(table.name, key))
            return items
        return []

    def _dynamodb(
        self,
        request: Request,
        body: Mapping[str, Any],
        before: list[dict | None],
        parsed: Mapping[str, Any],
    ) -> None:
        operation = request.operation
        if operation == "PutItem":
            table = self.tables[body["TableName"]]
            item = body["Item"]
            request.target = table.short
            request.detail = self._item_label(table, item)
            if request.error == "ConditionalCheckFailedException":
                request.wru = write_units(item_size(before[0]))  # a failed condition costs too
            elif not request.error:
                request.wru = table.write_units(before[0], item)
        elif operation == "TransactWriteItems":
            self._transaction(request, body, before)
        elif operation == "Query":
            self._query(request, body, parsed)
        elif operation == "BatchGetItem":
            self._batch_get(request, body, parsed)
        else:
            request.target = str(body.get("TableName", ""))
            request.detail = "(capacity not computed)"

    def _item_label(self, table: Table, item: Mapping[str, Any]) -> str:
        key = "@".join(plain(item[k]) for k in table.keys)
        kind = plain(item["type"]) if "type" in item else ""
        return f"{key} {kind} ({item_size(item)} B)".replace("  ", " ")

    def _transaction(
        self, request: Request, body: Mapping[str, Any], before: list[dict | None]
    ) -> None:
        kinds: Counter[str] = Counter()
        targets = set()
        for entry, old in zip(body["TransactItems"], before, strict=True):
            ((kind, action),) = entry.items()
            kinds[kind] += 1
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
        request.target = ", ".join(sorted(targets))
        request.detail = " + ".join(f"{n} {kind}" for kind, n in kinds.items())

    def _query(self, request: Request, body: Mapping[str, Any], parsed: Mapping[str, Any]) -> None:
        table = self.tables[body["TableName"]]
        index = body.get("IndexName")
        request.target = f"{table.short}/{index}" if index else table.short
        items = parsed.get("Items", [])
        if "ProjectionExpression" in body and items:
            items = self._full_items(body)  # capacity counts whole items, not the projection
        consistent = bool(body.get("ConsistentRead"))
        units = read_units(sum(item_size(item) for item in items))
        request.rru = units if consistent else units / 2
        values = {
            name: plain(value) for name, value in body.get("ExpressionAttributeValues", {}).items()
        }
        partition = body["KeyConditionExpression"].split(" AND ")[0].split("=")[-1].strip()
        words = [values.get(partition, partition)]
        if body.get("ScanIndexForward") is False:
            words.append(f"newest {body.get('Limit', '')}".strip())
        elif ":from" in values:
            words.append(f"from {values[':from']}")
        words.append("consistent" if consistent else "eventual")
        words.append(f"{len(parsed.get('Items', []))} items")
        request.detail = ", ".join(words)

    def _full_items(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The same query without its projection (through the harness's client)."""
        again = {k: v for k, v in body.items() if k != "ProjectionExpression"}
        expressions = " ".join(
            str(body.get(k, "")) for k in ("KeyConditionExpression", "FilterExpression")
        )
        names = {
            k: v for k, v in body.get("ExpressionAttributeNames", {}).items() if k in expressions
        }
        again.pop("ExpressionAttributeNames", None)
        if names:
            again["ExpressionAttributeNames"] = names
        return self.harness.query(**again).get("Items", [])

    def _batch_get(
        self, request: Request, body: Mapping[str, Any], parsed: Mapping[str, Any]
    ) -> None:
        keys_total = found_count = 0
        targets = []
        for table_name, wanted in body["RequestItems"].items():
            table = self.tables[table_name]
            targets.append(table.short)
            found = {
                json.dumps(table.key_of(item), sort_keys=True): item
                for item in parsed.get("Responses", {}).get(table_name, [])
            }
            factor = 1 if wanted.get("ConsistentRead") else 0.5
            for key in wanted["Keys"]:
                item = found.get(json.dumps(key, sort_keys=True))
                request.rru += factor * read_units(item_size(item))  # a missing item costs 1
                keys_total += 1
            found_count += len(found)
        request.target = ", ".join(targets)
        request.detail = f"{keys_total} keys, {found_count} found, consistent"


# -- stream records, filters, routes -------------------------------------------------------


def matches(pattern: Any, value: Any) -> bool:
    """An event-filtering pattern of Lambda against a record (the subset the template uses).

    Objects nest; a list matches when the value equals one of its entries or satisfies one
    of its ``{"prefix": …}`` entries. Any other operator is refused, so that a template
    using one is reported instead of being matched wrongly.
    """
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return False
        return all(key in value and matches(sub, value[key]) for key, sub in pattern.items())
    if isinstance(pattern, list):
        if isinstance(value, dict | list):
            return False
        for entry in pattern:
            if isinstance(entry, dict):
                if set(entry) != {"prefix"}:
                    raise NotImplementedError(f"filter operator {entry} is not supported here")
                if isinstance(value, str) and value.startswith(entry["prefix"]):
                    return True
            elif entry == value:
                return True
        return False
    raise NotImplementedError(f"filter pattern {pattern!r} is not supported here")


class MessageStoreStream:
    """The message store's DynamoDB stream, read from moto: records in Lambda's shape."""

    def __init__(self, streams_client: Any, stream_arn: str) -> None:
        self.client = streams_client
        self.arn = stream_arn
        shards = streams_client.describe_stream(StreamArn=stream_arn)["StreamDescription"]
        self.iterators = [
            streams_client.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            for shard in shards["Shards"]
        ]

    def new_records(self) -> list[dict[str, Any]]:
        records = []
        for number, iterator in enumerate(self.iterators):
            while iterator:
                response = self.client.get_records(ShardIterator=iterator)
                iterator = response.get("NextShardIterator")
                if not response["Records"]:
                    break
                records.extend(self._lambda_record(r) for r in response["Records"])
            self.iterators[number] = iterator
        return records

    def _lambda_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        change["ApproximateCreationDateTime"] = (
            int(created.timestamp()) if hasattr(created, "timestamp") else int(time.time())
        )
        return {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": REGION,
            "dynamodb": change,
            "eventSourceARN": self.arn,
        }


def match_route(route_path: str, path: str) -> dict[str, str] | None:
    """The path parameters when ``path`` fits the API Gateway route, else ``None``."""
    route = [s for s in route_path.split("/") if s]
    parts = [s for s in path.split("/") if s]
    parameters: dict[str, str] = {}
    for number, segment in enumerate(route):
        if segment.startswith("{") and segment.endswith("+}"):
            if number >= len(parts):
                return None
            parameters[segment[1:-2]] = "/".join(parts[number:])
            return parameters
        if number >= len(parts):
            return None
        if segment.startswith("{"):
            parameters[segment[1:-1]] = parts[number]
        elif segment != parts[number]:
            return None
    return parameters if len(parts) == len(route) else None


# -- the system under test ------------------------------------------------------------------


@dataclass
class Loaded:
    function: Function
    module: ModuleType
    log: LogCounter


class System:
    """Every function of the template loaded as Lambda loads it, on one moto server."""

    def __init__(self, endpoint: str) -> None:
        # Before anything reads the library's settings: the functions' endpoint is moto.
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        import boto3

        from devserver.resources import create_tables
        from devserver.template import Intrinsics, parameter_defaults
        from message_store import MessageStore
        from message_store import aws as aws_clients
        from message_store.settings import message_store_settings
        from webglue import sessions

        message_store_settings.cache_clear()
        aws_clients.reset_clients()
        template = load_template()
        refs = resource_refs(template, PREFIX)
        self.functions = template_functions(template, refs)
        self.harness = boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION)
        intrinsics = Intrinsics(refs={**parameter_defaults(template), "AWS::StackName": PREFIX})
        self.table_names = create_tables(
            self.harness, template, lambda logical_id: refs[logical_id], intrinsics
        )
        self.tables = describe_tables(self.harness, list(self.table_names.values()))
        store_table = self.table_names["MessageStoreTable"]
        stream_arn = self.harness.describe_table(TableName=store_table)["Table"]["LatestStreamArn"]
        streams = boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name=REGION)
        self.stream = MessageStoreStream(streams, stream_arn)
        self.harness_store = MessageStore(store_table, client=self.harness, settle_window=0)

        self.sender = refs["EmailSender"]
        boto3.client("ses", endpoint_url=endpoint, region_name=REGION).verify_email_identity(
            EmailAddress=self.sender
        )
        self.secrets = boto3.client("secretsmanager", endpoint_url=endpoint, region_name=REGION)

        # The functions' clients come from the library's one factory (AWS_ENDPOINT_URL):
        # made now, so that every request they make is counted.
        self.recorder = Recorder(self.harness, self.tables)
        for service in ("dynamodb", "ses", "secretsmanager"):
            self.recorder.attach(aws_clients.client(service))
        self._factory_clients = aws_clients._clients

        # which invocations use the session secret (on AWS: Secrets Manager, cached)
        original_call = sessions.SessionSecret.__call__
        recorder = self.recorder

        def counted_secret(secret: Any) -> bytes:
            if recorder.current is not None:
                recorder.current.secret_uses += 1
            return original_call(secret)

        sessions.SessionSecret.__call__ = counted_secret  # type: ignore[method-assign]

        self.loaded = {
            logical_id: self._load(function) for logical_id, function in self.functions.items()
        }
        self.invocations: list[Invocation] = []

    def _load(self, function: Function, **overrides: str | None) -> Loaded:
        from tests.support.functions import load_function

        env: dict[str, str | None] = {**function.environment, "STAGE": "local"}
        if "SESSION_SECRET_ARN" in env:
            env["SESSION_SECRET"] = SESSION_SECRET
        env.update(overrides)
        log = LogCounter()
        saved, sys.stdout = sys.stdout, log  # Powertools' Logger keeps the stdout it finds
        try:
            module = load_function(function.directory, env)  # type: ignore[arg-type]
        finally:
            sys.stdout = saved
        return Loaded(function, module, log)

    def unseen_clients(self) -> int:
        """Clients the factory made after the recorder attached (their calls were not seen)."""
        return len(self._factory_clients) - 3

    # -- invoking ----------------------------------------------------------------------------

    def invoke(self, loaded: Loaded, event: dict[str, Any], trigger: str, records: int = 0) -> Any:
        from tests.support.functions import a_lambda_context

        invocation = Invocation(loaded.function, trigger, records)
        context = a_lambda_context(
            function_name=f"{PREFIX}-{loaded.function.logical_id}",
            memory_limit_in_mb=loaded.function.memory_mb,
        )
        with self.recorder.measuring(invocation, loaded.log):
            response = loaded.module.lambda_handler(event, context)
        self.invocations.append(invocation)
        return response

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        expect: int = 303,
        via: Loaded | None = None,
    ) -> dict[str, Any]:
        """An API Gateway REST request to the function whose route (in the template) fits."""
        from tests.support.factories import an_api_request

        for loaded in [via] if via else self.loaded.values():
            routes = sorted(loaded.function.routes, key=lambda r: r.path.count("{"))
            for route in routes:
                parameters = match_route(route.path, path)
                if parameters is None or route.method not in ("ANY", method):
                    continue
                event = an_api_request(
                    method,
                    path,
                    form=form,
                    cookies=cookies,
                    resource=route.path,
                    path_parameters=parameters or None,
                )
                response = self.invoke(loaded, event, f"{method} {route.path}")
                if response["statusCode"] != expect:
                    raise RuntimeError(f"{method} {path}: {response['statusCode']}, not {expect}")
                return response
        raise LookupError(f"no function of the template serves {method} {path}")

    def settle(self, max_rounds: int = 20) -> int:
        """Deliver new stream records to every consumer whose filters match, until none."""
        for round_number in range(max_rounds):
            records = self.stream.new_records()
            if not records:
                return round_number
            for loaded in self.loaded.values():
                for trigger in loaded.function.triggers:
                    if trigger.table != "MessageStoreTable":
                        continue
                    chosen = [
                        r
                        for r in records
                        if not trigger.filters or any(matches(p, r) for p in trigger.filters)
                    ]
                    for start in range(0, len(chosen), trigger.batch_size):
                        batch = chosen[start : start + trigger.batch_size]
                        types = dict.fromkeys(r["dynamodb"]["NewImage"]["type"]["S"] for r in batch)
                        response = self.invoke(
                            loaded, {"Records": batch}, "+".join(types), len(batch)
                        )
                        if response.get("batchItemFailures"):
                            raise RuntimeError(f"{loaded.function.name} failed: {response}")
        raise RuntimeError(f"the cascade did not settle in {max_rounds} rounds")

    @contextmanager
    def run(self) -> Iterator[list[Invocation]]:
        """The invocations of one run of an action (the app's and the cascade's)."""
        start = len(self.invocations)
        collected: list[Invocation] = []
        yield collected
        collected.extend(self.invocations[start:])

    def by_name(self, name: str) -> Loaded:
        return next(loaded for loaded in self.loaded.values() if loaded.function.name == name)


# -- the actions -----------------------------------------------------------------------------


def session_cookie(response: Mapping[str, Any]) -> dict[str, str]:
    [cookie] = (response.get("multiValueHeaders") or {}).get("Set-Cookie", [])
    name, value = cookie.split(";", 1)[0].split("=", 1)
    return {name: value}


def register(system: System, email: str) -> None:
    form = {"id": str(uuid.uuid4()), "email": email, "password": PASSWORD}
    system.request("POST", "/register", form=form)
    system.settle()


def log_in(system: System, email: str) -> dict[str, str]:
    response = system.request("POST", "/auth/log-in", form={"email": email, "password": PASSWORD})
    system.settle()
    return session_cookie(response)


def record_viewings(system: System, video_ids: Sequence[str], cookies: dict[str, str]) -> None:
    """Each video viewed once, then the cascade: the aggregator gets them in one batch."""
    for video_id in video_ids:
        system.request("POST", f"/record-viewing/{video_id}", cookies=cookies)
    system.settle()


def publish_videos(system: System, count: int) -> list[str]:
    """Published, named videos (written by the harness, aggregated by the real aggregator)."""
    from message_store import Metadata
    from video_tutorials.contracts.video_publishing import (
        VideoNamed,
        VideoPublished,
        video_stream,
    )

    video_ids = [str(uuid.uuid4()) for _ in range(count)]
    for number, video_id in enumerate(video_ids):
        metadata = Metadata(trace_id=str(uuid.uuid4()))
        published = VideoPublished(
            owner_id=str(uuid.uuid4()),
            source_uri=f"s3://video-tutorials-bench/source/{video_id}.mp4",
            transcoded_uri=f"s3://video-tutorials-bench/transcoded/{video_id}.mp4",
            video_id=video_id,
        )
        stream = video_stream(video_id)
        system.harness_store.write(stream, published.to_message(metadata), expected_version=-1)
        named = VideoNamed(video_id=video_id, name=f"Benchmark video {number}")
        system.harness_store.write(stream, named.to_message(metadata), expected_version=0)
    system.settle()
    return video_ids


# -- the minimum DESIGN.md allows --------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """Requests the design cannot do without: ``count`` of ``operation`` by one handler."""

    function: str
    trigger: str
    operation: str
    count: int
    match: str  # a regex on "target detail" naming which requests these are
    why: str

    @property
    def label(self) -> str:
        return f"{self.function} ← {self.trigger}"


def register_minimum() -> list[Need]:
    app, identity = "register-users", "identity-component"
    return [
        Need(app, "POST /register", "Query", 1, r"email-index",
             "is the email taken? one query of the credentials view (CONTRACTS: taken → 400)"),
        Need(app, "POST /register", "PutItem", 1, r"identity:command-",
             "Register at expected version -1: a conditional put, no read (DESIGN §3)"),
        Need(identity, "Register", "Query", 1, r"MessageStoreTable identity-",
             "fetch identity-{userId}: the entity and its last command (DESIGN §4: load)"),
        Need(identity, "Register", "PutItem", 1, r"identityEmail-",
             "EmailReserved at -1: the conditional put decides who holds the address"),
        Need(identity, "Register", "PutItem", 1, r"identity-.*Registered",
             "Registered at the fetched version (known: no read)"),
        Need(identity, "Registered", "Query", 1, r"MessageStoreTable identity-",
             "fetch identity: guard 'welcome email already asked for'"),
        Need(identity, "Registered", "PutItem", 1, r"sendEmail:command-",
             "Send at -1 (a conflict means: already asked)"),
        Need("send-email-component", "Send", "Query", 1, r"MessageStoreTable sendEmail-",
             "fetch sendEmail-{emailId}: guard 'already sent'"),
        Need("send-email-component", "Send", "SendEmail", 1, r"",
             "the email itself (SES)"),
        Need("send-email-component", "Send", "PutItem", 1, r"sendEmail-.*Sent",
             "Sent at the fetched version"),
        Need(identity, "Sent", "Query", 1, r"MessageStoreTable identity-",
             "fetch identity: guard 'already recorded'"),
        Need(identity, "Sent", "PutItem", 1, r"RegistrationEmailSent",
             "RegistrationEmailSent at the fetched version"),
        Need("user-credentials-aggregator", "Registered", "BatchGetItem", 1, r"",
             "load the user's view item (one BatchGetItem per batch, DESIGN §4)"),
        Need("user-credentials-aggregator", "Registered", "PutItem", 1, r"UserCredentials",
             "one conditional put per user per batch"),
    ]  # fmt: skip


def log_in_minimum() -> list[Need]:
    app = "authenticate"
    return [
        Need(app, "POST /auth/{proxy+}", "Query", 1, r"email-index",
             "find the credentials by email (the view's email-index)"),
        Need(app, "POST /auth/{proxy+}", "Query", 1, r"MessageStoreTable authentication-",
             "last position of authentication-{userId}: a write without expected version"),
        Need(app, "POST /auth/{proxy+}", "PutItem", 1, r"authentication-.*UserLoggedIn",
             "UserLoggedIn at last + 1"),
    ]  # fmt: skip


def viewing_minimum(viewings: int) -> list[Need]:
    app, aggregator = "home", "home-page-aggregator"
    route = "POST /record-viewing/{videoId}"
    return [
        Need(app, route, "Query", viewings, r"MessageStoreTable viewing-",
             "last position of viewing-{videoId}: a write without expected version"),
        Need(app, route, "PutItem", viewings, r"viewing-.*VideoViewed",
             "VideoViewed at last + 1"),
        Need(aggregator, "VideoViewed", "BatchGetItem", math.ceil(viewings / 100), r"",
             "the batch's video items in one BatchGetItem (100 keys a call)"),
        Need(aggregator, "VideoViewed", "TransactWriteItems", math.ceil(viewings / 99), r"",
             "each video item once + the total, in one transaction (99 videos + the summary)"),
    ]  # fmt: skip


def compare_with_minimum(
    run: Sequence[Invocation], needs: Sequence[Need]
) -> tuple[list[tuple[Invocation, Request]], list[tuple[Need, int]]]:
    """Requests no need covers (beyond the minimum), and needs left unmet (below it)."""
    remaining = {need: need.count for need in needs}
    beyond = []
    for invocation in run:
        for request in invocation.requests:
            text = f"{request.target} {request.detail}"
            for need in needs:
                if (
                    remaining[need] > 0
                    and need.label == invocation.label
                    and need.operation == request.operation
                    and re.search(need.match, text)
                ):
                    remaining[need] -= 1
                    break
            else:
                beyond.append((invocation, request))
    unmet = [(need, left) for need, left in remaining.items() if left > 0]
    return beyond, unmet


# -- figures ---------------------------------------------------------------------------------


@dataclass
class Scenario:
    title: str
    runs: list[list[Invocation]]
    actions_per_run: int
    needs: list[Need]
    note: str = ""


def signature(run: Sequence[Invocation]) -> Counter[tuple[str, str]]:
    return Counter((i.label, r.operation) for i in run for r in i.requests)


def per_action(scenario: Scenario, value: Callable[[list[Invocation]], float]) -> float:
    """The median over the runs of ``value(run)``, per action."""
    return statistics.median(value(run) for run in scenario.runs) / scenario.actions_per_run


def dynamodb_requests(run: Sequence[Invocation]) -> int:
    return sum(r.dynamodb for i in run for r in i.requests)


def print_scenario(scenario: Scenario) -> None:
    run = scenario.runs[0]
    n = scenario.actions_per_run
    print(f"\n=== {scenario.title}")
    if scenario.note:
        print(f"    {scenario.note}")
    varies = any(signature(other) != signature(run) for other in scenario.runs[1:])
    per_label: dict[str, list[Invocation]] = defaultdict(list)
    for invocation in run:
        per_label[invocation.label].append(invocation)
    header = (
        f"  {'function ← trigger':<52} {'calls':>5}  {'requests (one run)':<40} "
        f"{'WRU':>6} {'RRU':>6} {'CPU ms':>7} {'log B':>6}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for label, invocations in per_label.items():
        operations = Counter(r.operation for i in invocations for r in i.requests)
        listed = ", ".join(f"{op} {count}" for op, count in operations.items()) or "(none)"
        wru = sum(r.wru for i in invocations for r in i.requests)
        rru = sum(r.rru for i in invocations for r in i.requests)
        cpu = statistics.median(
            sum(i.cpu_seconds for i in other if i.label == label) for other in scenario.runs
        )
        logged = sum(i.log_bytes for i in invocations)
        print(
            f"  {label:<52} {len(invocations):>5}  {listed:<40} {wru:>6g} {rru:>6g} "
            f"{cpu * 1e3:>7.1f} {logged:>6}"
        )
    counted = dynamodb_requests(run)
    minimum = sum(need.count for need in scenario.needs if need.operation != "SendEmail")
    ses = sum(r.service == "ses" for i in run for r in i.requests)
    per = (
        f" per run of {n} viewings; per viewing {counted / n:.2f} vs {minimum / n:.2f}"
        if n > 1
        else ""
    )
    print(
        f"  DynamoDB requests: {counted}   minimum: {minimum}   ratio {counted / minimum:.2f}"
        f"{per}" + (f"   (+ {ses} SES SendEmail)" if ses else "")
    )
    if varies:
        print("  !! the runs did not all make the same requests:")
        for other in scenario.runs:
            print("     ", sorted(signature(other).items()))
    print("  the minimum, line by line:")
    for need in scenario.needs:
        print(f"    {need.count:>3} {need.operation:<19} {need.label:<48} {need.why}")
    beyond, unmet = compare_with_minimum(run, scenario.needs)
    if beyond:
        print("  BEYOND THE MINIMUM (request trace):")
        for invocation, request in beyond:
            print(f"    {invocation.label:<48} {request.describe()}")
    if unmet:
        print("  below the minimum (the model above expects these):")
        for need, left in unmet:
            print(f"    {left} x {need.operation} of {need.label}: {need.why}")
    print(
        "  request trace (one run):"
        if n == 1
        else f"  request trace (one run; 1 of the {n} app calls):"
    )
    shown: set[str] = set()
    for invocation in run:
        if n > 1 and invocation.trigger.startswith("POST ") and invocation.label in shown:
            continue
        shown.add(invocation.label)
        for request in invocation.requests:
            print(f"    {invocation.label:<48} {request.describe()}")


@dataclass
class CostLine:
    component: str
    units: float
    unit_name: str
    dollars_per_million: float
    core: bool = True  # in the list (logs and traces are not)


def costs(scenario: Scenario) -> list[CostLine]:
    def total(value: Callable[[Invocation, Request], float]) -> Callable[[list[Invocation]], float]:
        return lambda run: sum(value(i, r) for i in run for r in i.requests)

    wru = per_action(scenario, total(lambda _i, r: r.wru))
    rru = per_action(scenario, total(lambda _i, r: r.rru))
    emails = per_action(scenario, total(lambda _i, r: float(r.service == "ses")))
    secret_calls = per_action(scenario, total(lambda _i, r: float(r.service == "secretsmanager")))
    invocations = per_action(scenario, len)
    api = per_action(
        scenario, lambda run: sum(i.trigger.startswith(("GET ", "POST ")) for i in run)
    )
    gb_seconds = per_action(
        scenario,
        lambda run: sum(i.function.memory_mb / 1024 * i.estimated_seconds() for i in run),
    )
    logged = per_action(scenario, lambda run: sum(i.log_bytes for i in run))
    secret_users = per_action(scenario, lambda run: sum(i.secret_uses > 0 for i in run))
    # on AWS: one GetSecretValue per warm environment per cache period, shared by all actions
    if secret_users:
        secret_calls += SECRET_ENVIRONMENTS * 86_400 / SECRET_CACHE_SECONDS / SECRET_ACTIONS_PER_DAY
    lines = [
        CostLine("DynamoDB write request units", wru, "WRU", wru * PRICE["wru"] * 1e6),
        CostLine("DynamoDB read request units", rru, "RRU", rru * PRICE["rru"] * 1e6),
        CostLine("DynamoDB Streams reads by Lambda", 0, "free", 0.0),
        CostLine("Lambda requests", invocations, "invocations",
                 invocations * PRICE["lambda_request"] * 1e6),
        CostLine("Lambda duration (arm64)", gb_seconds, "GB-s",
                 gb_seconds * PRICE["lambda_gb_second"] * 1e6),
        CostLine("API Gateway REST requests", api, "requests", api * PRICE["api_request"] * 1e6),
        CostLine("SES email", emails, "emails", emails * PRICE["email"] * 1e6),
        CostLine("Secrets Manager GetSecretValue", secret_calls, "calls",
                 secret_calls * PRICE["secret_call"] * 1e6),
        CostLine("CloudWatch Logs ingestion (INFO)", logged, "bytes",
                 logged / 1e9 * PRICE["log_gb"] * 1e6, core=False),
        CostLine(f"X-Ray traces ({TRACE_SAMPLING:.0%} sampled)", invocations * TRACE_SAMPLING,
                 "traces", invocations * TRACE_SAMPLING * PRICE["trace"] * 1e6, core=False),
    ]  # fmt: skip
    return lines


def print_costs(scenarios: Sequence[Scenario]) -> None:
    print("\n=== Cost per million actions (estimate)")
    print(f"  prices: {PRICES_AS_OF}:")
    print(
        f"    DynamoDB on-demand ${PRICE['wru'] * 1e6:.3f} per million WRU, "
        f"${PRICE['rru'] * 1e6:.3f} per million RRU; Lambda arm64 "
        f"${PRICE['lambda_gb_second']:.10f} per GB-s + ${PRICE['lambda_request'] * 1e6:.2f} "
        f"per million requests;\n    API Gateway REST ${PRICE['api_request'] * 1e6:.2f} per "
        f"million; SES ${PRICE['email'] * 1000:.2f} per 1,000 emails; Secrets Manager "
        f"${PRICE['secret_call'] * 1e4:.2f} per 10,000 calls; CloudWatch Logs "
        f"${PRICE['log_gb']:.2f} per GB; X-Ray ${PRICE['trace'] * 1e6:.2f} per million traces"
    )
    print(
        "  units: writes 1 WRU per KB (rounded up), x2 in a transaction, + each GSI entry "
        "written;\n    reads 1 RRU per 4 KB strongly consistent, 0.5 eventually consistent, "
        "a read finding nothing still 1 (0.5)"
    )
    print(
        f"  Lambda duration = the handler's CPU time here ÷ its CPU share (MemorySize / "
        f"{FULL_VCPU_MB} MB) + assumed round trips\n    (DynamoDB 5 ms, BatchGetItem 8 ms, "
        "TransactWriteItems 15 ms, SES 50 ms), rounded up to 1 ms; warm invocations only"
    )
    print(
        f"  Secrets Manager: the apps cache the secret {SECRET_CACHE_SECONDS} s: counted as "
        f"{SECRET_ENVIRONMENTS} warm environments x {86_400 // SECRET_CACHE_SECONDS} calls a day "
        f"over {SECRET_ACTIONS_PER_DAY:,} such actions a day"
    )
    header = f"  {'action':<42} {'component':<34} {'units per action':>22} {'$ per million':>14}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for scenario in scenarios:
        lines = costs(scenario)
        for number, line in enumerate(lines):
            units = f"{line.units:,.4g} {line.unit_name}" if line.unit_name != "free" else "-"
            name = scenario.title if number == 0 else ""
            print(
                f"  {name:<42} {line.component:<34} {units:>22} {line.dollars_per_million:>14.4f}"
            )
        core = sum(line.dollars_per_million for line in lines if line.core)
        every = sum(line.dollars_per_million for line in lines)
        print(f"  {'':<42} {'total (the issue list)':<34} {'':>22} {core:>14.4f}")
        print(f"  {'':<42} {'total with logs and traces':<34} {'':>22} {every:>14.4f}")


def print_durations(scenarios: Sequence[Scenario]) -> None:
    print("\n=== Lambda durations (warm; medians of the runs, per invocation)")
    print(
        f"  {'action':<42} {'function ← trigger':<52} {'CPU here ms':>11} "
        f"{'moto wall ms':>12} {'billed est. ms':>14}"
    )
    for scenario in scenarios:
        labels = dict.fromkeys(i.label for i in scenario.runs[0])
        for number, label in enumerate(labels):

            def median_of(
                value: Callable[[Invocation], float], label: str = label, runs: Any = scenario.runs
            ) -> float:
                return statistics.median(
                    statistics.mean(value(i) for i in run if i.label == label) for run in runs
                )

            print(
                f"  {scenario.title if number == 0 else '':<42} {label:<52} "
                f"{median_of(lambda i: i.cpu_seconds) * 1e3:>11.1f} "
                f"{median_of(lambda i: i.wall_seconds) * 1e3:>12.1f} "
                f"{median_of(lambda i: i.estimated_seconds()) * 1e3:>14.0f}"
            )


def print_summary(scenarios: Sequence[Scenario]) -> None:
    print("\n=== Summary (per action)")
    header = (
        f"  {'action':<38} {'DynamoDB requests':>17} {'minimum':>8} {'ratio':>6} "
        f"{'WRU':>6} {'RRU':>6} {'$/million':>10} {'+ logs, traces':>15}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for scenario in scenarios:
        n = scenario.actions_per_run
        counted = dynamodb_requests(scenario.runs[0]) / n
        minimum = sum(need.count for need in scenario.needs if need.operation != "SendEmail") / n
        lines = costs(scenario)
        units = {line.unit_name: line.units for line in lines}
        core = sum(line.dollars_per_million for line in lines if line.core)
        every = sum(line.dollars_per_million for line in lines)
        print(
            f"  {scenario.title:<38} {counted:>17.2f} {minimum:>8.2f} {counted / minimum:>6.2f} "
            f"{units['WRU']:>6.2f} {units['RRU']:>6.2f} {core:>10.2f} {every:>15.2f}"
        )


# -- main ------------------------------------------------------------------------------------


def measure(
    system: System, action: Callable[[int], None], repeats: int, warm_up: bool = True
) -> list[list[Invocation]]:
    if warm_up:
        action(-1)
    runs = []
    for number in range(repeats):
        with system.run() as invocations:
            action(number)
        runs.append(invocations)
    return runs


def check_secret_cache(system: System, email: str) -> str:
    """Log in three times with the secret in Secrets Manager: how many GetSecretValue?"""
    secret = system.secrets.create_secret(
        Name=f"{PREFIX}-SessionSecret-check", SecretString="s" * 64
    )
    loaded = system._load(
        system.by_name("authenticate").function,
        SESSION_SECRET=None,
        SESSION_SECRET_ARN=secret["ARN"],
    )
    form = {"email": email, "password": PASSWORD}
    with system.run() as invocations:
        for _ in range(3):
            system.request("POST", "/auth/log-in", form=form, via=loaded)
    calls = sum(r.operation == "GetSecretValue" for i in invocations for r in i.requests)
    return (
        f"3 log-ins with the secret in Secrets Manager (SESSION_SECRET unset): "
        f"{calls} GetSecretValue (cached {SECRET_CACHE_SECONDS} s)"
    )


def main() -> int:
    import moto

    started = time.perf_counter()
    with moto_process() as endpoint:
        system = System(endpoint)
        print(
            f"Requests and cost per user action: moto {moto.__version__} server at {endpoint} "
            f"(own process), tables of template.yaml, {REPEATS} runs of each action after one "
            f"warm-up"
        )

        # what the site has before anyone acts: the demo videos, videos for the batches
        system.invoke(system.by_name("demo-videos"), {}, "(invoked at start)")
        system.settle()
        batch_videos = publish_videos(system, max(BATCHES))
        from video_tutorials.demo import DEMO_VIDEOS

        demo_ids = list(DEMO_VIDEOS)
        system.invocations.clear()

        emails = [f"viewer-{uuid.uuid4().hex[:8]}@example.com" for _ in range(REPEATS + 1)]
        registrations = measure(system, lambda n: register(system, emails[n]), REPEATS)
        viewer = emails[0]
        cookies: dict[str, str] = {}

        def log_in_once(_: int) -> None:
            cookies.update(log_in(system, viewer))

        log_ins = measure(system, log_in_once, REPEATS)
        viewings = measure(
            system,
            lambda n: record_viewings(system, [demo_ids[n % len(demo_ids)]], cookies),
            REPEATS,
        )
        batches = {
            size: measure(
                system,
                lambda _n, size=size: record_viewings(system, batch_videos[:size], cookies),
                BATCH_REPEATS,
                warm_up=False,
            )
            for size in BATCHES
        }
        secret_check = check_secret_cache(system, viewer)
        stray, unseen = system.recorder.stray, system.unseen_clients()
        calls, attempts = system.recorder.calls, system.recorder.attempts

    scenarios = [
        Scenario("record a viewing (aggregated alone)", viewings, 1, viewing_minimum(1),
                 "POST /record-viewing/{videoId} by a logged-in viewer, then the home-page "
                 "aggregator with a batch of 1"),
        *[
            Scenario(f"record a viewing (batch of {size})", batches[size], size,
                     viewing_minimum(size),
                     f"{size} viewings of {size} different published videos, then one "
                     f"aggregator batch of {size}")
            for size in BATCHES
        ],
        Scenario("register", registrations, 1, register_minimum(),
                 "POST /register, then identity, send-email (SES) and user-credentials"),
        Scenario("log in", log_ins, 1, log_in_minimum(),
                 "POST /auth/log-in with the right password (nothing consumes authentication)"),
    ]  # fmt: skip
    for scenario in scenarios:
        print_scenario(scenario)
    print_durations(scenarios)
    print_costs(scenarios)
    print_summary(scenarios)

    print("\n=== Checks")
    print(f"  {secret_check}")
    print(f"  requests outside any invocation: {len(stray)}; clients not watched: {unseen}")
    print(f"  API calls {calls}, HTTP attempts {attempts} (more attempts = SDK retries)")
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
