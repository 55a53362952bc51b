"""The capacity model: what a target load asks of each partition, item, message group and shard.

``make bench`` runs it (or ``.venv/bin/python benchmarks/capacity.py [--load …] [--json]``).
Nothing here knows the design. For each topology (``ConsumerDelivery`` = ``Streams``, then
``Queues``) the whole template runs on the devserver in this process, and every user action
is driven over HTTP as ``benchmarks/actions.py`` drives it (its site, browser, actions and
request observer): a few instances of each action (different users), each followed by
``wait_idle()`` so that every consumer ran as on AWS, and the viewings once more in a batch
(every mapping paused while they are posted) so that the consumers see them as under load.
Every DynamoDB, SNS and SQS request is recorded with its table (or index), partition key,
item keys and sizes, the message groups it carries, its invocation and its timing.

Then the target load (default: 10,000 viewings/s of one video, 100 registrations/s, 1,000
home-page reads/s) scales the per-action profile to rates, per partition key, per item
written optimistically, per FIFO message group and per ordered source (stream shard,
message group) of each consumer, against AWS's limits (``_capacity_model.LIMITS``); a line
above half of its limit is flagged. Counts, keys and sizes are exact from the run; the few
timings the model needs (how long a write's read-to-write window lasts, how long a batch
takes) are the run's own compute time plus an assumed AWS request latency
(``--request-ms``), and are labelled so.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import _capacity_model as model
import actions
from _capacity_model import LIMITS, Key, Spread
from actions import (
    PRICES_AS_OF,
    Browser,
    Capacity,
    CostLine,
    Invocation,
    Observer,
    Request,
    Scenario,
    Site,
    User,
    Window,
    change_video,
    describe_tables,
    log_in,
    publish_video,
    record_viewing,
    register,
    running_site,
)

from video_tutorials.demo import DEMO_VIDEOS

TOPOLOGIES = ("Streams", "Queues")
#: action name → what it does once (the names of ``--load``)
ACTION_TITLES = {
    "register": "register",
    "login": "log in",
    "view": "record a viewing",
    "home": "read the home page",
    "publish": "publish a video",
    "name": "name a video",
}
DEFAULT_LOAD = {"view": 10_000.0, "register": 100.0, "home": 1_000.0}
#: the one video every viewing of the load is of (named ``{viral}`` in keys)
VIRAL = next(iter(DEMO_VIDEOS))


# -- what is recorded ----------------------------------------------------------------------------


@dataclass
class Call:
    """One AWS request of an invocation, with its timing (``time.perf_counter()``): the
    benchmark's own work for it runs from ``prepared`` to ``started`` and from ``ended`` to
    ``released``, the request itself from ``started`` to ``ended``."""

    service: str
    operation: str
    prepared: float
    started: float
    ended: float
    released: float = 0.0


@dataclass
class Access:
    """One item (or, for a query or scan, one partition) read or written by a request."""

    table: str  # the table's logical id without "Table"
    index: str  # "" for the table itself
    partition: str  # the partition key's value
    item: str  # the item's key ("partition|sort"), "" for a query or scan
    write: bool
    units: float  # WCU or RCU
    size: int  # bytes: the largest item involved
    operation: str
    transactional: bool = False
    conditional: bool = False
    consistent: bool = False
    failed: bool = False
    existed: bool = False  # a write: the item was there before
    #: an optimistic write: "partition" (it takes the next sort key of a partition it read),
    #: "item" (it relies on the item as read, or is a transaction), "" (neither)
    race: str = ""
    call: Call | None = None  # its request
    read: Call | None = None  # the read it relies on (None: only its own request)


@dataclass(frozen=True)
class GroupMessage:
    """One message of a FIFO message group, on a topic or into a consumer's queue."""

    channel: str
    group: str


@dataclass
class Trace:
    """What one invocation did, beyond ``actions.Invocation``."""

    invocation: Invocation
    source: str  # "api", "stream", "queue" or "other"
    ordering: list[str] = field(default_factory=list)  # its records' streams or groups
    queue: str = ""  # the queue it was invoked from
    calls: list[Call] = field(default_factory=list)
    accesses: list[Access] = field(default_factory=list)
    published: list[GroupMessage] = field(default_factory=list)
    delivered: list[GroupMessage] = field(default_factory=list)
    _reads: dict[tuple[str, str, str], Call] = field(default_factory=dict)


def attribute_value(value: Mapping[str, Any]) -> str:
    """A key attribute's value as text (``{"S": "x"}`` → ``x``)."""
    ((_kind, inner),) = value.items()
    return inner if isinstance(inner, str) else repr(inner)


def partition_of_condition(params: Mapping[str, Any], key_name: str) -> str:
    """The partition key's value in a query's key condition."""
    names = params.get("ExpressionAttributeNames", {})
    values = params.get("ExpressionAttributeValues", {})
    for clause in re.split(r"\s+AND\s+", params.get("KeyConditionExpression", ""), flags=re.I):
        match = re.fullmatch(r"\s*\(?\s*([#\w.]+)\s*=\s*(:\w+)\s*\)?\s*", clause)
        if match and names.get(match[1], match[1]) == key_name and match[2] in values:
            return attribute_value(values[match[2]])
    for name, condition in (params.get("KeyConditions") or {}).items():
        if name == key_name:
            return attribute_value(condition["AttributeValueList"][0])
    return "?"


class Recorder:
    """Turns the observed requests into accesses, messages and calls, per invocation."""

    def __init__(self, capacity: Capacity) -> None:
        self.capacity = capacity
        self.tables = capacity.tables
        self.traces: dict[int, Trace] = {}
        #: what the recorder could not make sense of (printed: a model with holes says so)
        self.problems: list[str] = []

    def trace(self, invocation: Invocation) -> Trace | None:
        return self.traces.get(id(invocation))

    # -- Observer's hooks

    def on_invoke(self, invocation: Invocation, event: Any) -> None:
        trace = Trace(invocation, "other")
        if isinstance(event, dict) and "httpMethod" in event:
            trace.source = "api"
        for record in (event or {}).get("Records") or [] if isinstance(event, dict) else []:
            if "dynamodb" in record:
                trace.source = "stream"
                table = self._table_of_arn(record.get("eventSourceARN", ""))
                keys = record["dynamodb"].get("Keys") or {}
                name = table.keys[0] if table else next(iter(keys), "")
                if name in keys:
                    trace.ordering.append(attribute_value(keys[name]))
            elif record.get("eventSource") == "aws:sqs":
                trace.source = "queue"
                trace.queue = record.get("eventSourceARN", "").rsplit(":", 1)[-1]
                group = (record.get("attributes") or {}).get("MessageGroupId", "")
                trace.ordering.append(group)
                trace.delivered.append(GroupMessage(f"queue {trace.queue}", group))
        self.traces[id(invocation)] = trace

    def on_request(
        self,
        invocation: Invocation | None,
        request: Request,
        params: Mapping[str, Any],
        response: Mapping[str, Any],
        before: list[dict | None],
    ) -> None:
        trace = self.trace(invocation) if invocation is not None else None
        if trace is None:
            return  # Lambda's pollers: their reads are free, their SQS requests in the cost
        try:  # never let the model break the function it watches
            self._record(trace, request, params, response, before)
        except Exception as exc:
            self.problems.append(f"{request.service} {request.operation}: {exc!r}")

    def _record(
        self,
        trace: Trace,
        request: Request,
        params: Mapping[str, Any],
        response: Mapping[str, Any],
        before: list[dict | None],
    ) -> None:
        call = Call(
            request.service, request.operation, request.prepared, request.started,
            request.started + request.seconds,
        )  # fmt: skip
        trace.calls.append(call)
        if request.service == "dynamodb":
            for access in self._accesses(request, params, response, before):
                self._place(trace, access, call)
                trace.accesses.append(access)
        elif request.service == "sns" and request.operation in ("Publish", "PublishBatch"):
            topic = str(params.get("TopicArn", "")).rsplit(":", 1)[-1]
            entries = params.get("PublishBatchRequestEntries") or [params]
            for entry in entries:
                if entry.get("MessageGroupId"):
                    trace.published.append(GroupMessage(f"topic {topic}", entry["MessageGroupId"]))
        call.released = time.perf_counter()

    # -- DynamoDB requests, item by item

    def _table_of_arn(self, arn: str) -> actions.Table | None:
        match = re.search(r":table/([^/]+)", arn)
        return self.tables.get(match[1]) if match else None

    def _item_key(self, table: actions.Table, item: Mapping[str, Any]) -> tuple[str, str]:
        values = [attribute_value(item[name]) for name in table.keys if name in item]
        return (values[0] if values else "?"), "|".join(values)

    def _accesses(
        self,
        request: Request,
        params: Mapping[str, Any],
        response: Mapping[str, Any],
        before: list[dict | None],
    ) -> list[Access]:
        operation = request.operation
        failed = request.error is not None
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            table = self.tables[params["TableName"]]
            key = params["Item"] if operation == "PutItem" else params["Key"]
            old = before[0] if before else None
            if failed:
                new = old
            elif operation == "PutItem":
                new = params["Item"]
            elif operation == "UpdateItem":
                new = self.capacity._get(table.name, table.key_of(key))
            else:
                new = None
            return self._writes(
                table, key, old, new, operation, failed=failed,
                conditional="ConditionExpression" in params,
            )  # fmt: skip
        if operation == "TransactWriteItems":
            found = []
            for entry, old in zip(params["TransactItems"], before, strict=True):
                ((kind, action),) = entry.items()
                table = self.tables[action["TableName"]]
                key = action["Item"] if kind == "Put" else action["Key"]
                if kind == "ConditionCheck":
                    partition, item = self._item_key(table, key)
                    found.append(Access(
                        table.short, "", partition, item, write=False,
                        units=0 if failed else 2 * model.read_units(model.item_size(old)),
                        size=model.item_size(old), operation=operation, transactional=True,
                        consistent=True, failed=failed,
                    ))  # fmt: skip
                    continue
                if failed:
                    new = old
                elif kind == "Put":
                    new = action["Item"]
                elif kind == "Update":
                    new = self.capacity._get(table.name, table.key_of(key))
                else:
                    new = None
                found += self._writes(
                    table, key, old, new, operation, failed=failed, transactional=True,
                    conditional="ConditionExpression" in action,
                )  # fmt: skip
            return found
        if operation == "BatchWriteItem":
            found, olds = [], iter(before)
            for name, writes in params["RequestItems"].items():
                table = self.tables[name]
                for write in writes:
                    put = write.get("PutRequest")
                    key = put["Item"] if put else write["DeleteRequest"]["Key"]
                    new = put["Item"] if put else None
                    found += self._writes(table, key, next(olds), new, operation, failed=failed)
            return found
        if operation == "GetItem":
            table = self.tables[params["TableName"]]
            partition, item = self._item_key(table, params["Key"])
            return [Access(
                table.short, "", partition, item, write=False, units=request.rru,
                size=model.item_size(response.get("Item")), operation=operation,
                consistent=bool(params.get("ConsistentRead")), failed=failed,
            )]  # fmt: skip
        if operation == "BatchGetItem":
            found = []
            for name, wanted in params["RequestItems"].items():
                table = self.tables[name]
                items = {
                    self._item_key(table, item)[1]: item
                    for item in (response.get("Responses") or {}).get(name, [])
                }
                consistent = bool(wanted.get("ConsistentRead"))
                for key in wanted["Keys"]:
                    partition, item = self._item_key(table, key)
                    size = model.item_size(items.get(item))
                    found.append(Access(
                        table.short, "", partition, item, write=False,
                        units=model.read_cost(size, consistent=consistent), size=size,
                        operation=operation, consistent=consistent, failed=failed,
                    ))  # fmt: skip
            return found
        if operation in ("Query", "Scan"):
            table = self.tables[params["TableName"]]
            index_name = params.get("IndexName") or ""
            index = next((i for i in table.indexes if i.name == index_name), None)
            key_name = index.keys[0] if index else table.keys[0]
            partition = (
                partition_of_condition(params, key_name) if operation == "Query" else "(scan)"
            )
            items = response.get("Items") or []
            return [Access(
                table.short, index_name, partition, "", write=False, units=request.rru,
                size=max((model.item_size(i) for i in items), default=0), operation=operation,
                consistent=bool(params.get("ConsistentRead")), failed=failed,
            )]  # fmt: skip
        return []

    def _writes(
        self,
        table: actions.Table,
        key: Mapping[str, Any],
        old: Mapping[str, Any] | None,
        new: Mapping[str, Any] | None,
        operation: str,
        *,
        failed: bool,
        transactional: bool = False,
        conditional: bool = False,
    ) -> list[Access]:
        """The item written, and each index entry the write creates, changes or removes."""
        partition, item = self._item_key(table, key)
        size = max(model.item_size(old), model.item_size(new))
        if failed and transactional:
            units = 0.0  # a cancelled transaction: counted as the actions benchmark does
        elif failed:
            units = float(model.write_units(model.item_size(old)))  # a failed condition costs
        else:
            units = float(model.write_cost(size, transactional=transactional))
        found = [
            Access(
                table.short, "", partition, item, write=True, units=units, size=size,
                operation=operation, transactional=transactional, conditional=conditional,
                failed=failed, existed=old is not None,
            )
        ]  # fmt: skip
        if failed:
            return found
        for index in table.indexes:
            before, after = index.entry(table.keys, old), index.entry(table.keys, new)
            if before == after:
                continue
            entries = [e for e in (before, after) if e is not None]
            if (
                before is not None
                and after is not None
                and all(before[k] == after[k] for k in index.keys)
            ):
                entries = [after]  # changed in place
            for entry in entries:
                entry_size = model.item_size(entry)
                if before is not None and after is not None and len(entries) == 1:
                    entry_size = max(model.item_size(before), model.item_size(after))
                found.append(Access(
                    table.short, index.name, attribute_value(entry[index.keys[0]]), "",
                    write=True, units=float(model.write_units(entry_size)), size=entry_size,
                    operation=operation, transactional=transactional,
                ))  # fmt: skip
        return found

    def _place(self, trace: Trace, access: Access, call: Call) -> None:
        """Remember reads; give an optimistic write its race and the read it relies on."""
        access.call = call
        reads = trace._reads
        if not access.write:
            reads[(access.table, access.index, access.partition)] = call
            if access.item:
                reads[(access.table, "#item", access.item)] = call
            return
        if access.index or not (access.conditional or access.transactional):
            return
        read_partition = reads.get((access.table, "", access.partition))
        read_item = reads.get((access.table, "#item", access.item))
        takes_next = not access.existed or access.failed  # a new key, or lost the race for it
        if access.conditional and read_partition and not read_item and takes_next:
            access.race, access.read = "partition", read_partition
        else:
            access.race = "item"
            found = [c for c in (read_item, read_partition) if c is not None]
            access.read = max(found, key=lambda c: c.ended) if found else None


# -- running the actions ---------------------------------------------------------------------------


@dataclass
class Sample:
    """The runs of one action: one window per instance (``per`` actions in each)."""

    action: str
    windows: list[Window]
    per: int = 1


@dataclass
class Mapping_:
    """An event source mapping as the model needs it."""

    function_id: str
    source: str  # "stream" or "queue"
    source_arn: str
    batch_size: int
    parallel: int  # batches at once per shard (ParallelizationFactor), 1 for a queue
    window: float = 0.0  # MaximumBatchingWindowInSeconds
    follows_view: bool = False  # reads a view table's own stream, not the store's


@dataclass
class TopologyRecord:
    """Everything recorded in one topology."""

    topology: str
    singles: dict[str, Sample]
    batched: dict[str, Sample]
    recorder: Recorder
    mappings: list[Mapping_]
    memory: dict[str, int]
    names: dict[str, str]
    secret_users: set[str]
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def measure_instances(
    site: Site,
    observer: Observer,
    runs: Sequence[tuple[Browser, Callable[[Window], None]]],
    pace: float = 0.0,
) -> list[Window]:
    """Each run in a window of its own, until idle (every consumer finished); runs start at
    least ``pace`` seconds apart (so that reads a function makes by the clock show)."""
    windows = []
    last = -pace
    for browser, run in runs:
        site.wait_idle()
        time.sleep(max(0.0, last + pace - time.perf_counter()))
        last = time.perf_counter()
        api, s3 = browser.api_requests, browser.s3_requests
        with observer.recording() as window:
            run(window)
            site.wait_idle()
        window.api_requests = browser.api_requests - api
        window.browser_s3 = browser.s3_requests - s3
        windows.append(window)
    return windows


def home_page(browser: Browser, _window: Window) -> None:
    """``GET /`` by a visitor without a session."""
    actions.expect(browser.get("/"), 200, "GET /")


def follows_view(source_arn: str, tables: Mapping[str, str]) -> bool:
    """Whether a mapping reads a table's stream other than the message store's (a view's:
    the home-page roll-up)."""
    table = re.search(r":table/([^/]+)/stream/", source_arn)
    return table is not None and tables.get(table[1]) != "MessageStoreTable"


def record_topology(topology: str, options: argparse.Namespace) -> TopologyRecord:
    """Every action, a few instances each, and the viewings in a batch, on a devserver."""
    started = time.perf_counter()
    with running_site(topology) as site:
        server = site.server
        assert server.runtime is not None
        assert server.application is not None
        if options.site_videos:
            actions.publish_seed_videos(site, options.site_videos)
        dynamodb = site.clients["dynamodb"]
        capacity = Capacity(dynamodb, describe_tables(dynamodb, site.tables()))
        recorder = Recorder(capacity)
        observer = Observer(
            capacity, site.own_clients, on_invoke=recorder.on_invoke,
            on_request=recorder.on_request,
        )  # fmt: skip
        api_url = server.api_url or ""
        users = [User(Browser(api_url)) for _ in range(options.instances)]
        warm = User(Browser(api_url))
        # twice the largest batch: every consumer gets full batches, and more than one (a
        # function following a view table's stream waits for its window instead)
        tables = site.tables()
        consumers = [
            m for m in server.application.mappings if not follows_view(m.source_arn, tables)
        ]
        batch = options.batch or 2 * max(m.batch_size for m in consumers)
        singles: dict[str, Sample] = {}
        batched: dict[str, Sample] = {}

        def each(run: Callable[[User, Window], None]) -> list[tuple[Browser, Any]]:
            return [(u.browser, lambda w, u=u: run(u, w)) for u in users]

        def name(user: User, window: Window) -> None:
            change_video(user, window, "name", f"Tutorial {uuid.uuid4().hex[:6]}")

        def view(user: User, window: Window) -> None:
            record_viewing(user, window, VIRAL)

        steps: list[tuple[str, Callable[[User, Window], None]]] = [
            ("register", register),
            ("login", log_in),
            ("view", view),
            ("home", lambda user, window: home_page(Browser(api_url), window)),
            ("publish", publish_video),
            ("name", name),
        ]
        with observer.installed(server):
            for _, run in steps:  # warm-up: cold starts, caches, first-time writes
                run(warm, Window())
                site.wait_idle()
            for action, run in steps:
                if action == "home":  # a new visitor each time, no session
                    # paced over --page-span at least: a page kept for a period shows it
                    count = max(len(users), math.ceil(options.page_span / options.page_pace) + 1)
                    runs = [
                        (b, lambda w, b=b: home_page(b, w))
                        for b in (Browser(api_url) for _ in range(count))
                    ]
                    singles[action] = Sample(
                        action, measure_instances(site, observer, runs, options.page_pace)
                    )
                else:
                    singles[action] = Sample(action, measure_instances(site, observer, each(run)))
            with observer.recording() as window:  # the viewings as under load: in batches
                with site.mappings_paused():
                    for number in range(batch):
                        record_viewing(users[number % len(users)], window, VIRAL, follow=False)
                window.posted = None
                site.wait_idle()
            window.api_requests = batch
            batched["view"] = Sample("view", [window], per=batch)
        listed = site.clients["lambda"].list_event_source_mappings()["EventSourceMappings"]
        parallel = {m["UUID"]: int(m.get("ParallelizationFactor") or 1) for m in listed}
        mappings = [
            Mapping_(
                m.function_id,
                "queue" if m.source_arn.startswith("arn:aws:sqs") else "stream",
                m.source_arn,
                m.batch_size,
                parallel.get(m.uuid, 1) if not m.source_arn.startswith("arn:aws:sqs") else 1,
                m.batching_window,
                follows_view(m.source_arn, tables),
            )
            for m in server.application.mappings
        ]
        errors = [
            f"{i.function_id} ← {i.trigger}: {i.error}"
            for sample in (*singles.values(), *batched.values())
            for w in sample.windows
            for i in w.invocations
            if i.error
        ]
        return TopologyRecord(
            topology,
            singles,
            batched,
            recorder,
            mappings,
            {f: site.memory_mb(f) for f in server.runtime.functions},
            {f: site.function_name(f) for f in server.runtime.functions},
            {
                f
                for f, spec in server.runtime.functions.items()
                if "SESSION_SECRET_ARN" in spec.environment
            },
            time.perf_counter() - started,
            errors,
        )


# -- from the runs to a profile per action ---------------------------------------------------


@dataclass
class Observation:
    """One thing an action did, of one key shape (``shape``), on one concrete key."""

    shape: tuple[str, ...]
    key: Key
    concrete: str
    consumer: bool  # done by a consumer (else by the application the user called)
    counts: dict[str, float]
    sizes: dict[str, float] = field(default_factory=dict)  # largest values, not summed
    samples: dict[str, list[float]] = field(default_factory=dict)  # timings, for medians
    unit: tuple[str, ...] | None = None  # the ordering source of the invocation that did it


@dataclass
class Profile:
    """What one action does to one key shape, per action, and how it spreads over keys."""

    shape: tuple[str, ...]
    action: str
    spread: Spread
    per_action: dict[str, float]  # all keys of the shape together, per action
    per_key: dict[str, float]  # one entity's key, per action ("each" shapes)
    sizes: dict[str, float]
    samples: dict[str, list[float]]
    units: dict[tuple[str, ...], float]  # writes per action by ordering source shape


Observer_ = Callable[[Trace], Iterable[Observation]]


def traces_of(record: TopologyRecord, window: Window) -> list[Trace]:
    found = (record.recorder.trace(i) for i in window.invocations)
    return [t for t in found if t is not None]


def _gather(
    observations: Iterable[tuple[int, Observation]],
) -> dict[tuple[str, ...], list[tuple[int, Observation]]]:
    shapes: dict[tuple[str, ...], list[tuple[int, Observation]]] = defaultdict(list)
    for instance, observation in observations:
        shapes[observation.shape].append((instance, observation))
    return shapes


def _sum(found: Iterable[Observation]) -> tuple[dict[str, float], dict[str, float]]:
    counts: dict[str, float] = defaultdict(float)
    sizes: dict[str, float] = defaultdict(float)
    for observation in found:
        for name, value in observation.counts.items():
            counts[name] += value
        for name, value in observation.sizes.items():
            sizes[name] = max(sizes[name], value)
    return counts, sizes


def profiles(record: TopologyRecord, action: str, observe: Observer_) -> list[Profile]:
    """Per key shape: what ``action`` does, per action.

    The shape's spread comes from the single instances (each a different user). What the
    application does is counted in those; what consumers do to shared keys (one key, or a
    pool) is counted in the batched run when there is one — consumers coalesce a batch's
    messages, as under load — and to a key per entity in the single instances (at load each
    entity is different, so nothing of theirs coalesces).
    """
    single = record.singles[action]
    batched = record.batched.get(action)
    instances = len(single.windows)
    seen = _gather(
        (number, observation)
        for number, window in enumerate(single.windows)
        for trace in traces_of(record, window)
        for observation in observe(trace)
    )
    in_batch: dict[tuple[str, ...], list[tuple[int, Observation]]] = {}
    if batched is not None:
        in_batch = _gather(
            (0, observation)
            for window in batched.windows
            for trace in traces_of(record, window)
            for observation in observe(trace)
            if observation.consumer
        )
    spreads = {
        shape: model.spread([(n, o.key) for n, o in observed]) for shape, observed in seen.items()
    }
    pools = model.pool_sizes(
        {shape: [(n, o.key) for n, o in seen[shape]]
         for shape, spread in spreads.items() if spread.kind == "pool"}
    )  # fmt: skip
    found = []
    for shape in {*seen, *in_batch}:
        observed = seen.get(shape, [])
        spread = spreads.get(shape) or model.spread([(0, in_batch[shape][0][1].key)])
        if spread.kind == "pool":
            spread = Spread("pool", pools[shape], observed=spread.observed)
        from_batch = batched is not None and spread.kind != "each"
        parts: list[tuple[list[tuple[int, Observation]], int]] = [
            ([(n, o) for n, o in observed if not (from_batch and o.consumer)], instances)
        ]
        if from_batch and shape in in_batch:
            parts.append((in_batch[shape], batched.per * len(batched.windows)))
        per_action: dict[str, float] = defaultdict(float)
        sizes: dict[str, float] = defaultdict(float)
        samples: dict[str, list[float]] = defaultdict(list)
        units: dict[tuple[str, ...], float] = defaultdict(float)
        for part, divisor in parts:
            counts, largest = _sum(o for _, o in part)
            for name, value in counts.items():
                per_action[name] += value / divisor
            for name, value in largest.items():
                sizes[name] = max(sizes[name], value)
            for _, observation in part:
                for name, values in observation.samples.items():
                    samples[name].extend(values)
                units[observation.unit or ("api",)] += (
                    observation.counts.get("writes", 1.0) / divisor
                )
        per_key: dict[str, float] = defaultdict(float)
        if spread.kind == "each":  # one entity's own key: its busiest key in an instance
            for number in range(instances):
                by_key: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
                for n, observation in observed:
                    if n == number:
                        for name, value in observation.counts.items():
                            by_key[observation.concrete][name] += value
                for name in per_action:
                    busiest = max((c.get(name, 0.0) for c in by_key.values()), default=0.0)
                    per_key[name] += busiest / instances
        found.append(
            Profile(shape, action, spread, dict(per_action), dict(per_key), sizes, samples, units)
        )
    return found


@dataclass
class Rated:
    """A key shape at the target load: per key and in all."""

    shape: tuple[str, ...]
    per_key: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    total: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    sizes: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    spreads: dict[str, Spread] = field(default_factory=dict)  # by action
    #: per-key writes a second by (action, ordering source shape)
    sources: dict[tuple[str, tuple[str, ...]], float] = field(default_factory=dict)

    def spread_text(self) -> str:
        kinds = {s.kind for s in self.spreads.values()}
        for kind in ("one", "pool", "each"):
            if kind in kinds:
                return next(s for s in self.spreads.values() if s.kind == kind).describe()
        return "-"


def at_load(
    record: TopologyRecord, load: Mapping[str, float], observe: Observer_, entity_rate: float
) -> dict[tuple[str, ...], Rated]:
    """Every key shape at the load: ``one`` key takes its actions' whole rate, a ``pool`` of
    N keys 1/N of it each, a key per entity only its entity's own actions (``entity_rate``
    of each action a second, assumed)."""
    rated: dict[tuple[str, ...], Rated] = {}
    for action, rate in load.items():
        if rate <= 0:
            continue
        for profile in profiles(record, action, observe):
            shape = profile.shape
            line = rated.setdefault(shape, Rated(shape))
            line.spreads[action] = profile.spread
            spread = profile.spread
            for name, value in profile.per_action.items():
                line.total[name] += rate * value
                if spread.kind == "one":
                    line.per_key[name] += rate * value
                elif spread.kind == "pool":
                    line.per_key[name] += rate * value / spread.keys
                else:
                    line.per_key[name] += entity_rate * profile.per_key.get(name, 0.0)
            for name, value in profile.sizes.items():
                line.sizes[name] = max(line.sizes[name], value)
            for name, values in profile.samples.items():
                line.samples[name].extend(values)
            for unit, writes in profile.units.items():
                if spread.kind == "one":
                    keyed = rate * writes
                elif spread.kind == "pool":
                    keyed = rate * writes / spread.keys
                else:
                    share = writes / max(profile.per_action.get("writes", 0.0), 1e-12)
                    keyed = entity_rate * profile.per_key.get("writes", 0.0) * share
                line.sources[(action, unit)] = line.sources.get((action, unit), 0.0) + keyed
    return rated


# -- what is observed, shape by shape ------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """How the model turns the run's timings into AWS's: the run's own compute time, plus
    ``request`` seconds for each AWS request (assumed; moto's time is not AWS's)."""

    request: float
    named: Mapping[str, str]

    def invocation(self, trace: Trace) -> float:
        """An invocation's duration on AWS (modelled), in seconds."""
        measured = trace.invocation.duration_ms / 1000
        waited = sum(c.ended - c.started for c in trace.calls)
        cpu = trace.invocation.cpu_ms / 1000
        # its sleeps (a page waiting for its user's write) are time here as on AWS; the rest
        # is its compute, and its requests at the assumed latency
        away = trace.invocation.away_ms / 1000
        compute = model.compute_time(max(0.0, measured - away), waited, cpu)
        return compute + away + len(trace.calls) * self.request

    def window(self, access: Access, trace: Trace) -> tuple[float, float]:
        """An optimistic write's window, modelled for AWS and as it was here (seconds): from
        the read it relies on (its answer) to the write's own answer — the code's time between
        them, and each request in between (the write's included), ``request`` each on AWS.
        A write that relies on no read (a transaction's own items) has its request alone."""
        call = access.call
        assert call is not None
        if access.read is None:
            return self.request, call.ended - call.started
        start, end = access.read.released, call.ended
        inside = [c for c in trace.calls if c.prepared >= start and c.ended <= end]
        benchmark = sum(min(c.released or end, end) - c.prepared for c in inside)
        benchmark -= sum(c.ended - c.started for c in inside)
        compute = max(0.0, end - start - benchmark - sum(c.ended - c.started for c in inside))
        here = compute + sum(c.ended - c.started for c in inside)
        return compute + len(inside) * self.request, here

    def key(self, value: str) -> Key:
        return model.generalise(value, self.named)


def unit_shape(trace: Trace, timing: Timing) -> tuple[str, ...]:
    """The ordered source an invocation's work came from: the API (no order), or its
    function and the shape of its records' stream (shard) or message group."""
    if trace.source == "api" or not trace.ordering:
        return ("api",)
    return ("unit", trace.invocation.function_id, timing.key(trace.ordering[0]).label)


ClockWrites = Mapping[tuple[str, str, str], tuple[float, int]]


def by_clock(
    trace: Trace, access: Access, timing: Timing, clock: ClockWrites, *, item: bool = False
) -> bool:
    """Whether ``access`` is one of the writes (or reads) its function makes by the clock
    (``item``: ``clock`` is by item key, not by partition key)."""
    label = timing.key((access.item or access.partition) if item else access.partition).label
    return not access.index and (trace.invocation.function_id, access.table, label) in clock


def partitions(
    timing: Timing,
    clock: ClockWrites | None = None,
    clock_read: ClockWrites | None = None,
    *,
    leaving: Collection[str] = (),
) -> Observer_:
    """Each request by partition key (``leaving``: not those of these functions)."""

    def observe(trace: Trace) -> Iterable[Observation]:
        if trace.invocation.function_id in leaving:
            return
        for access in trace.accesses:
            key = timing.key(access.partition)
            if access.write:
                prefix = "clock " if clock and by_clock(trace, access, timing, clock) else ""
                counts = {f"{prefix}writes": 1.0, f"{prefix}wcu": access.units}
            else:
                by = clock_read and by_clock(trace, access, timing, clock_read)
                prefix = "clock " if by else ""
                counts = {f"{prefix}reads": 1.0, f"{prefix}rcu": access.units}
            yield Observation(
                ("partition", access.table, access.index, key.label), key, access.partition,
                trace.source != "api", counts, {"size": float(access.size)},
            )  # fmt: skip

    return observe


def items(timing: Timing, clock: ClockWrites | None = None) -> Observer_:
    def observe(trace: Trace) -> Iterable[Observation]:
        for access in trace.accesses:
            if not access.write or not access.item or access.failed:
                continue
            # an item is created once: what can make one item hot is writing it again (a
            # creation counts nothing, but tells which items of the shape there are)
            again = 1.0 if access.existed else 0.0
            key = timing.key(access.item)
            by = clock and by_clock(trace, access, timing, clock, item=True)
            prefix = "clock " if by else ""
            yield Observation(
                ("item", access.table, key.label), key, access.item, trace.source != "api",
                {f"{prefix}writes": again, f"{prefix}wcu": again * access.units,
                 "transactional": again if access.transactional else 0.0},
                {"size": float(access.size)},
            )  # fmt: skip

    return observe


def races(timing: Timing, clock: ClockWrites | None = None) -> Observer_:
    def observe(trace: Trace) -> Iterable[Observation]:
        for access in trace.accesses:
            if not access.write or not access.race:
                continue
            by = clock and by_clock(trace, access, timing, clock, item=True)
            written = "clock writes" if by else "writes"
            concrete = access.partition if access.race == "partition" else access.item
            window, here = timing.window(access, trace)
            key = timing.key(concrete)
            label = f"{key.label} (its next sort key)" if access.race == "partition" else key.label
            unit = unit_shape(trace, timing)
            if access.race == "item" and access.partition in trace.ordering:
                # the item of a stream (or group) the batch is ordered by: whoever writes it
                # holds that stream's records, and those are handled one batch after another
                unit = (model.OWN_STREAM, *unit[1:])
            yield Observation(
                ("race", access.table, access.race, label), key, concrete, trace.source != "api",
                {written: 0.0 if access.failed else 1.0, "attempts": 1.0,
                 "failed": 1.0 if access.failed else 0.0},
                {"size": float(access.size)},
                {"window": [window], "window_here": [here]},
                unit,
            )  # fmt: skip

    return observe


def units(timing: Timing) -> Observer_:
    def observe(trace: Trace) -> Iterable[Observation]:
        if trace.source not in ("stream", "queue"):
            return
        for ordering, messages in Counter(trace.ordering).items():
            key = timing.key(ordering)
            yield Observation(
                ("unit", trace.invocation.function_id, key.label), key, ordering, True,
                {"invocations": 1.0, "messages": float(messages)}, {},
                {"duration": [timing.invocation(trace)],
                 "duration_here": [trace.invocation.duration_ms / 1000],
                 # the whole batch's messages (any stream's): what its duration grew with
                 "batch messages": [float(len(trace.ordering))]},
            )  # fmt: skip

    return observe


def groups(timing: Timing) -> Observer_:
    def observe(trace: Trace) -> Iterable[Observation]:
        for message in (*trace.published, *trace.delivered):
            key = timing.key(message.group)
            yield Observation(
                ("group", message.channel, key.label), key, message.group,
                trace.source != "api", {"messages": 1.0},
            )  # fmt: skip

    return observe


def functions(timing: Timing) -> Observer_:
    def observe(trace: Trace) -> Iterable[Observation]:
        function_id = trace.invocation.function_id
        yield Observation(
            ("function", function_id), Key(function_id, (), ()), function_id,
            trace.source != "api",
            {"invocations": 1.0, "busy": timing.invocation(trace),
             "busy_here": trace.invocation.duration_ms / 1000},
        )  # fmt: skip

    return observe


def _started(trace: Trace) -> float:
    return trace.invocation.ended - trace.invocation.duration_ms / 1000


#: ``(function, table, partition shape)`` → (a lower bound of its period, requests a time)
ClockPeriods = dict[tuple[str, str, str], tuple[float, int]]


def _clock_periods(groups: Iterable[list[Trace]], timing: Timing, *, write: bool) -> ClockPeriods:
    """``model.clock_periods`` of each group of invocations (of one function, one kind):
    ``(function, table, partition shape)`` → a lower bound of its period, and how many
    requests of it one invocation makes."""
    found: ClockPeriods = {}
    for traces in groups:
        runs = [
            (
                _started(trace),
                [
                    (
                        (
                            trace.invocation.function_id,
                            access.table,
                            timing.key(access.partition).label,
                        ),
                        access.call.ended,
                    )
                    for access in trace.accesses
                    if access.write == write and not access.index and access.call is not None
                ],
            )
            for trace in sorted(traces, key=_started)
        ]
        for shape, (period, count) in model.clock_periods(runs).items():
            assert isinstance(shape, tuple)
            before, most = found.get(shape, (0.0, 0))
            found[shape] = (max(before, period), max(most, count))
    return found


def clock_writes(record: TopologyRecord, timing: Timing) -> ClockPeriods:
    """Writes a consumer makes by the clock rather than per batch (a progress record "at
    most once a second"), found in the batched run, where every batch of a consumer carries
    the same kind of messages: a write of one key shape that some of the function's batches
    make and others, soon after, do not. ``(function, table, partition shape)`` → the
    shortest time it was seen to wait (a lower bound of its period: the longest gap from such
    a write to a batch that skipped it), and the writes one batch makes of it."""
    groups = []
    for sample in record.batched.values():
        by_function: dict[str, list[Trace]] = defaultdict(list)
        for window in sample.windows:
            for trace in traces_of(record, window):
                if trace.source != "api":
                    by_function[trace.invocation.function_id].append(trace)
        groups.extend(by_function.values())
    return _clock_periods(groups, timing, write=True)


def clock_reads(record: TopologyRecord, timing: Timing) -> ClockPeriods:
    """Reads an application makes by the clock rather than per request (a page an instance
    keeps a copy of for a period), found in the single runs: a read of one partition shape
    that some requests of one route (in one action's runs) make and others, soon after, do
    not. ``(function, table, partition shape)`` → a lower bound of its period, as for
    ``clock_writes``."""
    groups = []
    for sample in record.singles.values():
        by_route: dict[tuple[str, str], list[Trace]] = defaultdict(list)
        for window in sample.windows:
            for trace in traces_of(record, window):
                if trace.source == "api":
                    invocation = trace.invocation
                    by_route[(invocation.function_id, invocation.trigger)].append(trace)
        groups.extend(by_route.values())
    return _clock_periods(groups, timing, write=False)


def follower_clock(
    record: TopologyRecord, timing: Timing, *, write: bool, items: bool = False
) -> ClockPeriods:
    """Requests of functions that follow a view table's own stream with a batching window
    (the home-page roll-up): such a function runs once a window per stream shard at most,
    however many writes it follows, so each of its requests is one by the clock, its period
    the window, as many a time as one invocation made at most (in any run); by partition
    key, or (``items``) by item key."""
    windows = {m.function_id: m.window for m in record.mappings if m.follows_view and m.window > 0}
    found: ClockPeriods = {}
    for sample in (*record.singles.values(), *record.batched.values()):
        for window in sample.windows:
            for trace in traces_of(record, window):
                function_id = trace.invocation.function_id
                if function_id not in windows or trace.source == "api":
                    continue
                counts: dict[tuple[str, str, str], int] = defaultdict(int)
                for access in trace.accesses:
                    if access.write == write and not access.index and access.call is not None:
                        where = (access.item or access.partition) if items else access.partition
                        counts[(function_id, access.table, timing.key(where).label)] += 1
                for shape, count in counts.items():
                    found[shape] = (windows[function_id], max(found.get(shape, (0.0, 0))[1], count))
    return found


def follower_instances(
    record: TopologyRecord, partition_rated: Mapping[tuple[str, ...], Rated]
) -> dict[str, float]:
    """The most instances of each view-stream follower run at once: one a shard of its
    table's stream (times ``ParallelizationFactor``), a shard a partition of the table, and
    the table at least as many partitions as its writes at the load need (1,000 WCU/s each;
    adaptive capacity may split further: an estimate, docs/scale.md)."""
    wcu: dict[str, float] = defaultdict(float)
    for shape, line in partition_rated.items():
        wcu[shape[1]] += line.total.get("wcu", 0.0)
    found = {}
    for m in record.mappings:
        if m.follows_view:
            table = re.search(r":table/([^/]+)/stream/", m.source_arn)
            known = record.recorder.capacity.tables.get(table[1]) if table else None
            logical = known.short if known else ""
            shards = max(1.0, math.ceil(wcu.get(logical, 0.0) / LIMITS["partition_wcu"].value))
            found[m.function_id] = shards * m.parallel
    return found


def clock_bounds(
    clock: ClockWrites, busy: Mapping[str, float], key: Callable[[str, str], tuple[str, ...]]
) -> dict[tuple[str, ...], float]:
    """Writes (or reads) a second each clock-driven shape can take at most: each running
    instance of its function (its concurrency at the load, at least one) once per period,
    as many as one invocation made."""
    bounds: dict[tuple[str, ...], float] = defaultdict(float)
    for (function_id, table, label), (period, count) in clock.items():
        instances = max(1.0, busy.get(function_id, 0.0))
        bounds[key(table, label)] += count * instances / max(period, 1e-3)
    return bounds


def with_clock(
    rated: Mapping[tuple[str, ...], Rated],
    bounds: Mapping[tuple[str, ...], float],
    read_bounds: Mapping[tuple[str, ...], float] | None = None,
) -> dict[tuple[str, ...], Rated]:
    """Clock-driven writes at the smaller of their rate per action and their clock's bound;
    clock-driven reads at the bound (what a run's requests skip depends on its timing, so
    their rate per action says nothing of the load: every running instance is taken to read
    once a period, the most there can be)."""
    kinds = [("writes", "wcu", "by the clock", bounds, False)]
    if read_bounds is not None:
        kinds.append(("reads", "rcu", "read by the clock", read_bounds, True))
    for shape, line in rated.items():
        # a bound is the shape's in all: a pool's key takes its share (one invocation's
        # requests of a pool spread over its keys — the roll-up reads each counter once)
        pools = [s.keys for s in line.spreads.values() if s.kind == "pool"]
        share = 1.0 / max(pools) if pools else 1.0
        for figures, part in ((line.per_key, share), (line.total, 1.0)):
            for count, unit, noted, limits, at_bound in kinds:
                done = figures.pop(f"clock {count}", 0.0)
                units = figures.pop(f"clock {unit}", 0.0)
                if not done:
                    continue
                bound = limits[shape] * part if shape in limits else done
                kept = bound if at_bound else min(done, bound)
                figures[count] = figures.get(count, 0.0) + kept
                figures[unit] = figures.get(unit, 0.0) + units * kept / done
                figures[noted] = figures.get(noted, 0.0) + kept
    return dict(rated)


# -- the model's lines ---------------------------------------------------------------------------


@dataclass
class Line:
    """One line of a table: what it measures, its figures, its limit, whether it is flagged."""

    table: str
    what: str
    spread: str
    figures: dict[str, float]
    limit: float
    limit_name: str
    load: float  # the figure compared with the limit
    note: str = ""

    @property
    def share(self) -> float:
        return model.share_of(self.load, self.limit)

    @property
    def flagged(self) -> bool:
        return model.flagged(self.load, self.limit)


def shape_text(shape: tuple[str, ...]) -> str:
    if shape[0] == "partition":
        _, table, index, label = shape
        return f"{table}{'/' + index if index else ''} {label}"
    return " ".join(shape[1:])


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


@dataclass
class Model:
    """The model's lines for one topology at one load."""

    topology: str
    partitions: list[Line]
    items: list[Line]
    races: list[Line]
    units: list[Line]
    groups: list[Line]
    readers: list[Line]
    concurrency: list[Line]
    costs: dict[str, Any]

    def all_lines(self) -> list[Line]:
        return [
            *self.partitions, *self.items, *self.races, *self.units, *self.groups, *self.readers,
            *self.concurrency,
        ]  # fmt: skip


def partition_lines(rated: Mapping[tuple[str, ...], Rated]) -> list[Line]:
    lines = []
    for shape, line in rated.items():
        wcu, rcu = line.per_key.get("wcu", 0.0), line.per_key.get("rcu", 0.0)
        write_share = model.share_of(wcu, LIMITS["partition_wcu"].value)
        read_share = model.share_of(rcu, LIMITS["partition_rcu"].value)
        writes_bind = write_share >= read_share
        lines.append(Line(
            "partition", shape_text(shape), line.spread_text(),
            {"writes/s": line.per_key.get("writes", 0.0), "WCU/s": wcu,
             "reads/s": line.per_key.get("reads", 0.0), "RCU/s": rcu,
             "largest item B": line.sizes.get("size", 0.0),
             "WCU/s all keys": line.total.get("wcu", 0.0),
             "RCU/s all keys": line.total.get("rcu", 0.0)},
            LIMITS["partition_wcu" if writes_bind else "partition_rcu"].value,
            "WCU/s" if writes_bind else "RCU/s",
            wcu if writes_bind else rcu,
            clock_note(line),
        ))  # fmt: skip
    return sorted(lines, key=lambda line: -line.share)


def clock_note(line: Rated) -> str:
    notes = []
    clocked = line.per_key.get("by the clock", 0.0)
    if clocked:
        notes.append(
            f"{clocked:,.1f} writes/s by the clock: at most one a period per running instance "
            "of the function (seen in the batched run), not one per batch"
        )
    read = line.per_key.get("read by the clock", 0.0)
    if read:
        notes.append(
            f"{read:,.1f} reads/s by the clock: at most one a period per running instance of "
            "the function (a copy kept, seen in the single runs), not one per request"
        )
    return "; ".join(notes)


def item_lines(rated: Mapping[tuple[str, ...], Rated]) -> list[Line]:
    """Items written: one item lives on one partition, whatever adaptive capacity does."""
    lines = []
    for shape, line in rated.items():
        wcu = line.per_key.get("wcu", 0.0)
        lines.append(Line(
            "item", f"{shape[1]} {shape[2]}", line.spread_text(),
            {"writes/s": line.per_key.get("writes", 0.0), "WCU/s": wcu,
             "in transactions/s": line.per_key.get("transactional", 0.0),
             "largest item B": line.sizes.get("size", 0.0)},
            LIMITS["partition_wcu"].value, "WCU/s (one item, one partition)", wcu,
            clock_note(line),
        ))  # fmt: skip
    return sorted(lines, key=lambda line: -line.share)


def race_lines(
    rated: Mapping[tuple[str, ...], Rated], unit_spreads: Mapping[tuple[str, tuple], Spread]
) -> list[Line]:
    lines = []
    for shape, line in rated.items():
        writes = line.per_key.get("writes", 0.0)
        concurrent = model.concurrent_share(
            line.sources, {source: unit_spreads.get(source) for source in line.sources}
        )
        window = median(line.samples.get("window", []))
        found = model.contention(writes, window, concurrent)
        kind = shape[2]
        lines.append(Line(
            "race", f"{shape[1]} {shape[3]}", line.spread_text(),
            {"writes/s": writes, "window ms": window * 1000,
             "window here ms": median(line.samples.get("window_here", [])) * 1000,
             "concurrent share": concurrent, "ceiling/s": found.ceiling,
             "conflicts/s": found.failures, "conflicts per write": found.failures_per_write,
             "failed in the run": line.total.get("failed", 0.0)},
            found.ceiling, "successful writes/s (1/(e·f·W))", writes,
            "appends racing for the next position" if kind == "partition"
            else "transactions / conditional writes on one item",
        ))  # fmt: skip
    return sorted(lines, key=lambda line: -line.share)


def unit_lines(
    rated: Mapping[tuple[str, ...], Rated], mappings: Sequence[Mapping_], names: Mapping[str, str]
) -> list[Line]:
    """Each ordered source's messages a second against what it can take: full batches of
    its mapping's size, one after another, each as long as the run's batches say a batch of
    that size takes (``model.batch_time``: a line through their durations). A stream's
    backlog at the load fills its batches; the run's backlog — fewer messages a stream as the
    run has more instances — does not decide it."""
    lines = []
    for shape, line in rated.items():
        _, function_id, _label = shape
        mapping = next((m for m in mappings if m.function_id == function_id), None)
        parallel = mapping.parallel if mapping else 1
        source = "shard (partition key)" if mapping and mapping.source == "stream" else "group"
        durations = line.samples.get("duration", [])
        sizes = line.samples.get("batch messages", [])
        time = model.batch_time(sizes, durations)
        largest = mapping.batch_size if mapping else max(sizes, default=1.0)
        invocations = line.per_key.get("invocations", 0.0)
        messages = line.per_key.get("messages", 0.0)
        lines.append(Line(
            "unit", f"{names.get(function_id, function_id)} ← {_label}", line.spread_text(),
            {"messages/s": messages, "batches/s": invocations,
             "messages per batch": messages / invocations if invocations else 0.0,
             "batch ms": median(durations) * 1000,
             "batch here ms": median(line.samples.get("duration_here", [])) * 1000,
             "ms fixed": time.fixed * 1000,
             "ms a message": time.per_message * 1000,
             "full batch": float(largest),
             "full batch ms": time.of(largest) * 1000,
             "parallel": float(parallel)},
            model.ordered_capacity(time, int(largest), parallel),
            f"messages/s one {source} takes, full batches one after another",
            messages,
            f"a batch: {time.fixed * 1000:.1f} ms + {time.per_message * 1000:.2f} ms a message"
            f"{'' if time.fitted else ' (proportional: one batch size seen)'}, "
            f"{max(sizes, default=0):g} at most in the run",
        ))  # fmt: skip
    return sorted(lines, key=lambda line: -line.share)


def group_lines(rated: Mapping[tuple[str, ...], Rated]) -> list[Line]:
    lines = []
    totals: dict[str, float] = defaultdict(float)
    for shape, line in rated.items():
        _, channel, label = shape
        totals[channel] += line.total.get("messages", 0.0)
        limit = LIMITS["sns_group" if channel.startswith("topic") else "sqs_group"]
        lines.append(Line(
            "group", f"{channel}: {label}", line.spread_text(),
            {"messages/s": line.per_key.get("messages", 0.0),
             "messages/s all groups": line.total.get("messages", 0.0)},
            limit.value, "messages/s per group", line.per_key.get("messages", 0.0),
        ))  # fmt: skip
    for channel, total in totals.items():
        limit = LIMITS["sns_account" if channel.startswith("topic") else "sqs_queue"]
        lines.append(Line(
            "group", f"{channel}: every group", "all", {"messages/s": total},
            limit.value, limit.unit, total,
        ))  # fmt: skip
    return sorted(lines, key=lambda line: -line.share)


def reader_lines(mappings: Sequence[Mapping_], names: Mapping[str, str]) -> list[Line]:
    streams: dict[str, list[str]] = defaultdict(list)
    for mapping in mappings:
        if mapping.source == "stream":
            streams[mapping.source_arn].append(names.get(mapping.function_id, mapping.function_id))
    lines = []
    for arn, readers in streams.items():
        table = re.search(r":table/([^/]+)", arn)
        lines.append(Line(
            "readers", f"stream of {table[1] if table else arn}", "each shard",
            {"readers per shard": float(len(readers))},
            LIMITS["stream_readers"].value, "readers per shard", float(len(readers)),
            ", ".join(sorted(readers)),
        ))  # fmt: skip
    return lines


def concurrency_lines(
    rated: Mapping[tuple[str, ...], Rated], names: Mapping[str, str]
) -> list[Line]:
    total = sum(line.total.get("busy", 0.0) for line in rated.values())
    top = sorted(rated.items(), key=lambda item: -item[1].total.get("busy", 0.0))[:4]
    note = ", ".join(
        f"{names.get(shape[1], shape[1])} {line.total.get('busy', 0.0):,.0f}" for shape, line in top
    )
    invocations = sum(line.total.get("invocations", 0.0) for line in rated.values())
    return [Line(
        "concurrency", "Lambda: every function", "all",
        {"invocations/s": invocations, "concurrent executions": total,
         "concurrent here": sum(line.total.get("busy_here", 0.0) for line in rated.values())},
        LIMITS["lambda_concurrency"].value, "concurrent executions", total, f"largest: {note}",
    )]  # fmt: skip


def api_lines(record: TopologyRecord, load: Mapping[str, float]) -> list[Line]:
    """Requests a second the browsers send to API Gateway (every page and form post)."""
    per_action = {
        action: statistics.fmean(w.api_requests for w in record.singles[action].windows)
        for action, rate in load.items()
        if rate > 0
    }
    total = sum(load[action] * requests for action, requests in per_action.items())
    note = ", ".join(f"{ACTION_TITLES[a]} {n:g} a time" for a, n in per_action.items())
    return [Line(
        "concurrency", "API Gateway: every API", "all", {"requests/s": total},
        LIMITS["api_gateway"].value, "requests/s", total, note,
    )]  # fmt: skip


def unit_spreads(
    record: TopologyRecord, load: Mapping[str, float], timing: Timing
) -> dict[tuple[str, tuple], Spread]:
    """How each ordered source (function and stream/group shape) spreads, per action."""
    found = {}
    for action, rate in load.items():
        if rate > 0:
            for profile in profiles(record, action, units(timing)):
                found[(action, profile.shape)] = profile.spread
    return found


# -- cost ------------------------------------------------------------------------------------


def part_window(record: TopologyRecord, window: Window, *, consumers: bool) -> Window:
    """The application's part of a run (its invocations, the browser's requests) or the
    consumers' (theirs, and Lambda's pollers')."""
    invocations = [
        i
        for i in window.invocations
        if (trace := record.recorder.trace(i)) is not None and (trace.source != "api") == consumers
    ]
    return Window(
        invocations=invocations,
        poller_requests=list(window.poller_requests) if consumers else [],
        api_requests=0 if consumers else window.api_requests,
        browser_s3=0 if consumers else window.browser_s3,
    )


def action_costs(record: TopologyRecord, action: str, units: tuple[float, float]) -> list[CostLine]:
    """What a million of ``action`` cost at the load: ``actions.costs`` of the application's
    part (single runs) plus the consumers' (the batched run when there is one), DynamoDB's
    units replaced by the model's (``units``: WCU, RCU per action), which count the writes
    to each entity's own items as many times as there are entities."""
    single, batched = record.singles[action], record.batched.get(action)
    consumer_sample = batched or single
    parts = [
        Scenario(action, record.topology,
                 [part_window(record, w, consumers=False) for w in single.windows], 1, "",
                 record.memory, record.names),
        Scenario(action, record.topology,
                 [part_window(record, w, consumers=True) for w in consumer_sample.windows],
                 consumer_sample.per, "", record.memory, record.names),
    ]  # fmt: skip
    lines: dict[str, CostLine] = {}
    for part in parts:
        for line in actions.costs(part, record.secret_users):
            if line.component in lines:
                lines[line.component].units += line.units
                lines[line.component].dollars_per_million += line.dollars_per_million
            else:
                lines[line.component] = CostLine(
                    line.component, line.units, line.unit_name, line.dollars_per_million, line.core
                )
    wcu, rcu = units
    lines["DynamoDB write request units"] = CostLine(
        "DynamoDB write request units", wcu, "WRU", wcu * actions.PRICE["wru"] * 1e6
    )
    lines["DynamoDB read request units"] = CostLine(
        "DynamoDB read request units", rcu, "RRU", rcu * actions.PRICE["rru"] * 1e6
    )
    return list(lines.values())


def load_costs(record: TopologyRecord, load: Mapping[str, float], timing: Timing) -> dict[str, Any]:
    per_action: dict[str, dict[str, Any]] = {}
    per_second = 0.0
    for action, rate in load.items():
        if rate <= 0:
            continue
        found = profiles(record, action, partitions(timing))
        units = (
            sum(p.per_action.get("wcu", 0.0) for p in found),
            sum(p.per_action.get("rcu", 0.0) for p in found),
        )
        lines = action_costs(record, action, units)
        dollars = actions.dollars(lines)
        per_second += rate * dollars / 1e6
        per_action[action] = {
            "rate": rate,
            "dollars_per_million": dollars,
            "lines": {line.component: [line.units, line.dollars_per_million] for line in lines},
        }
    views = load.get("view", 0.0)
    return {
        "per_action": per_action,
        "dollars_per_second": per_second,
        "dollars_per_million_viewings": per_second / views * 1e6 if views else None,
    }


# -- one topology at one load ----------------------------------------------------------------


def build_model(
    record: TopologyRecord, load: Mapping[str, float], timing: Timing, entity_rate: float
) -> Model:
    def rated(observe: Observer_) -> dict[tuple[str, ...], Rated]:
        return at_load(record, load, observe, entity_rate)

    running = rated(functions(timing))
    busy = {shape[1]: line.total.get("busy", 0.0) for shape, line in running.items()}
    clock = {**clock_writes(record, timing), **follower_clock(record, timing, write=True)}
    read = {**clock_reads(record, timing), **follower_clock(record, timing, write=False)}
    # a follower's shards come from the others' writes: its own are bounded by them
    followers = {m.function_id for m in record.mappings if m.follows_view}
    busy.update(follower_instances(record, rated(partitions(timing, leaving=followers))))
    # by item key: a single-key table's item key is its partition key
    item_clock = {
        **clock_writes(record, timing),
        **follower_clock(record, timing, write=True, items=True),
    }
    partition_bounds = clock_bounds(clock, busy, lambda t, label: ("partition", t, "", label))
    read_bounds = clock_bounds(read, busy, lambda t, label: ("partition", t, "", label))
    item_bounds = clock_bounds(item_clock, busy, lambda t, label: ("item", t, label))
    race_bounds = clock_bounds(item_clock, busy, lambda t, label: ("race", t, "item", label))
    return Model(
        record.topology,
        partition_lines(
            with_clock(rated(partitions(timing, clock, read)), partition_bounds, read_bounds)
        ),
        item_lines(with_clock(rated(items(timing, item_clock)), item_bounds)),
        race_lines(
            with_clock(rated(races(timing, item_clock)), race_bounds),
            unit_spreads(record, load, timing),
        ),
        unit_lines(rated(units(timing)), record.mappings, record.names),
        group_lines(rated(groups(timing))),
        reader_lines(record.mappings, record.names),
        [*concurrency_lines(running, record.names), *api_lines(record, load)],
        load_costs(record, load, timing),
    )


def request_profile(record: TopologyRecord, action: str) -> dict[str, dict[str, float]]:
    """Requests per action by service and operation: the application's (single runs) and
    the consumers' (the batched run when there is one)."""
    found: dict[str, dict[str, float]] = {}
    single, batched = record.singles[action], record.batched.get(action)
    for part, sample, consumers in (
        ("application", single, False),
        ("consumers", batched or single, True),
    ):
        counted: Counter[str] = Counter()
        for window in sample.windows:
            for trace in traces_of(record, window):
                if (trace.source != "api") == consumers:
                    counted.update(f"{c.service} {c.operation}" for c in trace.calls)
        divisor = sample.per * len(sample.windows)
        found[part] = {name: n / divisor for name, n in sorted(counted.items())}
    return found


# -- printing ----------------------------------------------------------------------------------


def number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if math.isinf(value):
        return "∞"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:.3g}"


COLUMNS = {
    "partition": ("writes/s", "WCU/s", "reads/s", "RCU/s", "largest item B"),
    "item": ("writes/s", "WCU/s", "in transactions/s", "largest item B"),
    "race": (
        "writes/s",
        "window ms",
        "window here ms",
        "concurrent share",
        "ceiling/s",
        "conflicts/s",
    ),
    "unit": (
        "messages/s",
        "messages per batch",
        "batch ms",
        "ms fixed",
        "ms a message",
        "full batch",
        "full batch ms",
    ),
    "group": ("messages/s",),
    "readers": ("readers per shard",),
    "concurrency": ("invocations/s", "concurrent executions", "concurrent here", "requests/s"),
}
TITLES = {
    "partition": "Partition keys (per key; DynamoDB: 1,000 WCU/s and 3,000 RCU/s a partition)",
    "item": "Items written again (one item is on one partition: 1,000 WCU/s)",
    "race": "Optimistic writes on one key: expected conflicts (ceiling 1/(e·f·W) writes/s)",
    "unit": "Ordered sources: messages/s one stream / message group takes, full batches in turn",
    "group": "FIFO message groups (SNS: 300 messages/s a group; SQS: 300 a group's partition)",
    "readers": "DynamoDB stream readers per shard (AWS: at most 2)",
    "concurrency": "Lambda and API Gateway, per account and Region (default quotas)",
}


def print_lines(kind: str, lines: Sequence[Line], *, everything: bool) -> None:
    def worth(line: Line) -> bool:
        if everything or line.flagged or line.share >= 0.01:
            return True
        # an item many writers share, even when their order rules conflicts out
        return kind == "race" and not line.spread.startswith("one per") and line.load >= 1

    shown = [line for line in lines if worth(line)]
    print(f"\n  {TITLES[kind]}")
    if not shown:
        print("    (none)")
        return
    columns = COLUMNS[kind]
    width = min(64, max(len(line.what) for line in shown))
    header = (
        f"    {'':2} {'key':<{width}} {'keys':<22} "
        + " ".join(f"{c:>{max(12, len(c))}}" for c in columns)
        + f" {'of limit':>9}"
    )
    print(header)
    for line in shown:
        mark = "!!" if line.flagged else "  "
        figures = " ".join(
            f"{number(line.figures.get(c, 0.0)):>{max(12, len(c))}}" for c in columns
        )
        share = "∞" if math.isinf(line.share) else f"{line.share:.0%}"
        what, spread = line.what[:width], line.spread[:22]
        print(f"    {mark} {what:<{width}} {spread:<22} {figures} {share:>9}")
        always = kind in ("readers", "concurrency") or "reads/s by the clock" in line.note
        if line.note and (line.flagged or always):
            print(f"       {'':<{width}} {line.note}")
    hidden = len(lines) - len(shown)
    if hidden:
        print(f"    … and {hidden} more under 1% of their limit (--all shows them)")


def print_model(found: Model, record: TopologyRecord, *, everything: bool) -> None:
    print(
        f"\n=== {found.topology}: recorded in {record.seconds:.0f} s — "
        f"{len(record.singles['view'].windows)} instances of each action"
        + (f", the viewings also in a batch of {record.batched['view'].per}"
           if "view" in record.batched else "")
    )  # fmt: skip
    if record.errors:
        print(f"  !! function errors in the run: {'; '.join(record.errors[:3])}")
    if record.recorder.problems:
        print(f"  !! requests the model could not read: {'; '.join(record.recorder.problems[:3])}")
    for kind in ("partition", "item", "race", "unit", "group", "readers", "concurrency"):
        lines = [line for line in found.all_lines() if line.table == kind]
        if kind == "group" and not lines:
            continue
        print_lines(kind, lines, everything=everything)
    costs = found.costs
    print("\n  Cost at this load (prices recalled, not checked live: " + PRICES_AS_OF + ")")
    for action, figures in costs["per_action"].items():
        print(
            f"    {ACTION_TITLES[action]:<20} {figures['rate']:>9,.0f}/s  "
            f"${figures['dollars_per_million']:>8.2f} per million"
        )
    print(f"    the whole load: ${costs['dollars_per_second']:.4f} a second", end="")
    if costs["dollars_per_million_viewings"] is not None:
        print(
            f", ${costs['dollars_per_million_viewings']:.2f} per million viewings "
            "(its registrations and home-page reads included)",
            end="",
        )
    print()


def print_profiles(record: TopologyRecord) -> None:
    print(f"\n  Requests per action ({record.topology}; exact counts, means over the instances)")
    for action in record.singles:
        for part, counts in request_profile(record, action).items():
            text = ", ".join(f"{name} {n:.3g}" for name, n in counts.items()) or "-"
            print(f"    {ACTION_TITLES[action]:<20} {part:<12} {text}")


def flagged_summary(models: Sequence[Model]) -> None:
    print("\n=== Flagged (above half of the limit)")
    for found in models:
        flagged = [line for line in found.all_lines() if line.flagged]
        print(f"  {found.topology}: {len(flagged)} lines")
        for line in flagged:
            share = "∞" if math.isinf(line.share) else f"{line.share:.0%}"
            print(f"    {line.table:<11} {line.what[:70]:<70} {line.spread[:22]:<22} {share:>7}"
                  f" of {line.limit_name}")  # fmt: skip


def as_json(models: Sequence[Model], records: Sequence[TopologyRecord], options: Any) -> dict:
    def line_json(line: Line) -> dict[str, Any]:
        found = asdict(line)
        found["share"] = line.share
        found["flagged"] = line.flagged
        return found

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "load": options.load,
        "request_ms": options.request_ms,
        "entity_rate": options.entity_rate,
        "limits": {name: asdict(limit) for name, limit in LIMITS.items()},
        "prices": {"as_of": PRICES_AS_OF, **actions.PRICE},
        "topologies": {
            found.topology: {
                "seconds": record.seconds,
                "errors": record.errors,
                "unread_requests": record.recorder.problems,
                "lines": [line_json(line) for line in found.all_lines()],
                "costs": found.costs,
                "requests_per_action": {
                    action: request_profile(record, action) for action in record.singles
                },
            }
            for found, record in zip(models, records, strict=True)
        },
    }


def finite(value: Any) -> Any:
    """JSON without NaN or infinity (which JSON has not): those become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


# -- main ----------------------------------------------------------------------------------------


def parse_load(text: str) -> dict[str, float]:
    """``view=10000,register=100,home=1000`` → rates a second by action."""
    load = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, rate = part.partition("=")
        if name not in ACTION_TITLES:
            raise argparse.ArgumentTypeError(f"unknown action {name!r}: {', '.join(ACTION_TITLES)}")
        load[name] = float(rate)
    return load


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--load", type=parse_load,
        default=DEFAULT_LOAD,
        help="actions a second: view, register, home, login, publish, name "
        "(default view=10000,register=100,home=1000)",
    )  # fmt: skip
    parser.add_argument("--instances", type=int, default=6, help="instances of each action")
    parser.add_argument(
        "--batch", type=int, default=0,
        help="viewings in the batched run (default: twice the largest BatchSize of the mappings)",
    )  # fmt: skip
    parser.add_argument(
        "--site-videos", type=int, default=30,
        help="videos published before the run, so that the home page reads a full page",
    )  # fmt: skip
    parser.add_argument(
        "--request-ms", type=float, default=8.0,
        help="an AWS request's latency, assumed (moto's is not AWS's): 8 ms",
    )  # fmt: skip
    parser.add_argument(
        "--entity-rate", type=float, default=1.0,
        help="how often one entity (a user, a trace, a new video) repeats an action: 1/s",
    )  # fmt: skip
    parser.add_argument(
        "--page-pace", type=float, default=0.4,
        help="seconds between the home page's instances, so that a page an instance keeps "
        "for a period shows that period: 0.4",
    )  # fmt: skip
    parser.add_argument(
        "--page-span", type=float, default=5.0,
        help="seconds the home page's instances span at least (more instances if need be): "
        "a period of up to half of it is seen whole at least once: 5",
    )  # fmt: skip
    parser.add_argument("--topologies", default=",".join(TOPOLOGIES))
    parser.add_argument("--all", action="store_true", help="print lines under 1%% too")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import moto

    options = arguments(argv)
    started = time.perf_counter()
    load = {name: options.load.get(name, 0.0) for name in ACTION_TITLES}
    timing = Timing(options.request_ms / 1000, {VIRAL: "viral"})
    records, models = [], []
    for topology in filter(None, options.topologies.split(",")):
        record = record_topology(topology, options)
        records.append(record)
        models.append(build_model(record, load, timing, options.entity_rate))
    if options.json:
        print(json.dumps(finite(as_json(models, records, options)), indent=1, default=str))
        return 0
    shown = ", ".join(f"{ACTION_TITLES[a]} {r:,.0f}/s" for a, r in load.items() if r)
    print(
        f"Capacity model (moto {moto.__version__}): {shown}; the viewings all of one video "
        f"({{viral}}), by logged-in users.\n"
        f"Timings: the run's own compute time + {options.request_ms:g} ms per AWS request "
        "(assumed; moto's own time is shown as 'here'). A line is flagged (!!) above half of "
        "its limit.\nKeys: {id}, {email}, {hash} stand for ids; {n} for a number; 'one per …' "
        f"keys take one entity's actions ({options.entity_rate:g} a second each, assumed)."
    )
    for found, record in zip(models, records, strict=True):
        print_profiles(record)
        print_model(found, record, everything=options.all)
    flagged_summary(models)
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
