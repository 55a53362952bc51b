"""The capacity model's arithmetic: DynamoDB sizes and units, AWS's limits, keys, contention.

Pure Python (no AWS, no devserver), so that ``tests/unit/test_capacity_model.py`` checks it
in milliseconds; ``benchmarks/capacity.py`` (the model) and ``benchmarks/actions.py`` (the
sizes and units) import it. What is here is the same whatever the design: the design reaches
the model only through the requests recorded on the devserver.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# -- DynamoDB item sizes and capacity units ----------------------------------------------------

WRITE_UNIT = 1024
READ_UNIT = 4096


def number_size(text: str) -> int:
    """DynamoDB's size of a number: 1 byte per two significant digits, plus 1."""
    mantissa = text.lower().lstrip("-+").split("e")[0].replace(".", "")
    digits = mantissa.strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def value_size(value: Mapping[str, Any]) -> int:
    """The size of one attribute value (``{"S": …}``), by DynamoDB's rules."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return number_size(inner)
    if kind == "B":
        return len(inner) if isinstance(inner, bytes | bytearray) else len(inner) * 3 // 4
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(number_size(n) for n in inner)
    if kind == "BS":
        return sum(len(b) for b in inner)
    if kind == "M":  # 3 bytes, and 1 byte per element
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: Mapping[str, Any] | None) -> int:
    """An item's size: its attribute names and values."""
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    """Write request units of an item of ``size`` bytes (1 per KB, rounded up)."""
    return max(1, math.ceil(size / WRITE_UNIT))


def read_units(size: int) -> int:
    """Strongly consistent read request units of ``size`` bytes (1 per 4 KB, rounded up)."""
    return max(1, math.ceil(size / READ_UNIT))


def write_cost(size: int, *, transactional: bool = False) -> int:
    """WCU of one item write: 1 per KB rounded up, twice inside a transaction."""
    return (2 if transactional else 1) * write_units(size)


def read_cost(size: int, *, consistent: bool, transactional: bool = False) -> float:
    """RCU of reading ``size`` bytes: 1 per 4 KB strongly consistent, half eventually
    consistent, twice inside a transaction (a read that finds nothing still costs the minimum)."""
    factor = 2.0 if transactional else 1.0 if consistent else 0.5
    return factor * read_units(size)


# -- AWS's limits ------------------------------------------------------------------------------

#: The issue's threshold: a line is flagged above this share of its limit.
HALF = 0.5


@dataclass(frozen=True)
class Limit:
    """One AWS limit, what it bounds, and where it is written."""

    name: str
    value: float
    unit: str
    source: str


LIMITS: dict[str, Limit] = {
    "partition_wcu": Limit(
        "DynamoDB writes per partition",
        1000,
        "WCU/s",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
        "warm-throughput-scenarios.html (each partition: 1,000 write and 3,000 read units a "
        "second; tables and GSIs alike: .../throttling-key-range-limit-exceeded-mitigation.html)",
    ),
    "partition_rcu": Limit(
        "DynamoDB reads per partition",
        3000,
        "RCU/s",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
        "warm-throughput-scenarios.html",
    ),
    "stream_readers": Limit(
        "readers of one DynamoDB stream shard",
        2,
        "readers",
        "DynamoDB's LimitExceededException: \"More than 2 processes are reading from the same "
        'streams shard at the same time" (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/'
        "dynamodb/aws.sdk.kotlin.services.dynamodb.model/-limit-exceeded-exception)",
    ),
    "sns_group": Limit(
        "SNS FIFO messages per message group",
        300,
        "messages/s",
        "https://docs.aws.amazon.com/sns/latest/dg/fifo-message-grouping.html",
    ),
    "sqs_group": Limit(
        "SQS FIFO messages per message group (one partition's requests per API action)",
        300,
        "messages/s",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
        "quotas-messages.html (300 transactions/s per partition and API action) and "
        ".../high-throughput-fifo.html (a group's messages hash to one partition)",
    ),
    "sqs_queue": Limit(
        "SQS FIFO high-throughput requests per queue, per API action (us-east-1)",
        70_000,
        "requests/s",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
        "quotas-messages.html",
    ),
    "sns_account": Limit(
        "SNS FIFO high-throughput publishes per account (us-east-1)",
        30_000,
        "messages/s",
        "AWS's announcement of 2025-01-21 as summarised at https://zircon.tech/?p=3781 "
        "(the AWS quota page itself was not found here)",
    ),
    "api_gateway": Limit(
        "API Gateway requests per account and Region (default, can be raised)",
        10_000,
        "requests/s",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
    ),
    "lambda_concurrency": Limit(
        "Lambda concurrent executions per Region (default, can be raised)",
        1000,
        "executions",
        "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    ),
}


def share_of(value: float, limit: float) -> float:
    """``value`` as a share of ``limit`` (infinite when the limit is zero)."""
    return value / limit if limit else math.inf


def flagged(value: float, limit: float) -> bool:
    """The issue's rule: above half of the limit."""
    return share_of(value, limit) > HALF


# -- keys: what a concrete key is an instance of -----------------------------------------------

_TOKENS = re.compile(
    r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"|(?P<hash>[0-9a-f]{16,})",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Key:
    """A concrete key split into its shape (``label``), its ids and its numbers."""

    label: str
    tokens: tuple[str, ...]
    numbers: tuple[int, ...]


def generalise(value: str, named: Mapping[str, str] | None = None) -> Key:
    """``viewing-4c3b…`` → label ``viewing-{id}`` (or ``{viral}`` when ``named`` names that
    id), ``viewing#2`` → ``viewing#{n}``: ids (UUIDs), emails and hashes become placeholders
    of their kind, numbers ``{n}``."""
    named = named or {}
    tokens: list[str] = []
    parts: list[str] = []
    last = 0
    for match in _TOKENS.finditer(value):
        parts.append(value[last : match.start()])
        token = match.group(0)
        tokens.append(token)
        parts.append("\0" + (named.get(token) or match.lastgroup or "id") + "\0")
        last = match.end()
    parts.append(value[last:])
    numbers: list[int] = []
    shaped = []
    for part in parts:
        if part.startswith("\0"):
            shaped.append("{" + part.strip("\0") + "}")
            continue
        numbers.extend(int(n) for n in _NUMBER.findall(part))
        shaped.append(_NUMBER.sub("{n}", part))
    return Key("".join(shaped), tuple(tokens), tuple(numbers))


@dataclass(frozen=True)
class Spread:
    """How the load of one key shape spreads over concrete keys.

    ``one``: every action hits the same key. ``pool``: a fixed pool of about ``keys`` keys
    (numbered, e.g. hash partitions), spread evenly. ``each``: a key per entity (a user, a
    trace, a new video), each taking only its own actions.
    """

    kind: str  # "one", "pool" or "each"
    keys: float = 1.0
    entity: str = ""
    observed: int = 1  # distinct concrete keys seen

    def describe(self) -> str:
        if self.kind == "one":
            return "one key"
        if self.kind == "pool":
            return f"≈{self.keys:.1f} keys ({self.observed} seen)"
        return f"one per {self.entity}"


def pool_size(numbers: Sequence[int], draws: int) -> float:
    """The size N of a pool numbered 0..N-1 from ``draws`` draws (German tank estimate:
    m + m/k - 1, m the largest number + 1, k the draws), at least the distinct numbers seen."""
    if not numbers:
        return 1.0
    largest = max(numbers) + 1
    draws = max(draws, 1)
    return max(float(len(set(numbers))), largest + largest / draws - 1)


def spread(keys: Sequence[tuple[int, Key]]) -> Spread:
    """How a key shape spreads, from the concrete keys each instance of an action touched
    (``(instance, key)``): an id that differs between keys → one key per entity; else
    numbers that differ → a pool (its size estimated); else one key."""
    distinct = {(key.tokens, key.numbers) for _, key in keys}
    if len(distinct) <= 1:
        return Spread("one", 1.0, observed=len(distinct))
    token_columns = list(zip(*(key.tokens for _, key in keys), strict=False))
    for position, column in enumerate(token_columns):
        if len(set(column)) > 1:
            label = keys[0][1].label
            kinds = re.findall(r"\{(\w+)\}", label)
            kinds = [kind for kind in kinds if kind != "n"]
            entity = kinds[position] if position < len(kinds) else "id"
            return Spread("each", 1.0, entity=entity, observed=len(distinct))
    number_columns = list(zip(*(key.numbers for _, key in keys), strict=False))
    draws = len({instance for instance, _ in keys})
    size = 1.0
    for column in number_columns:
        size *= pool_size(column, draws) if len(set(column)) > 1 else 1.0
    return Spread("pool", max(size, float(len(distinct))), observed=len(distinct))


def family(shape: tuple[str, ...]) -> tuple[str, ...]:
    """Key shapes numbered the same way: the same table (the shape but its label) and the
    same placeholders after the same separators (``identity|{n}`` and ``sendEmail|{n}``:
    ``|{n}``) — a category's shards, a table's hash partitions."""
    label = shape[-1]
    marks = "".join(f"{sep}{{{name}}}" for sep, name in re.findall(r"(\W?)\{(\w+)\}", label))
    return (*shape[:-1], marks)


def pool_sizes(pools: Mapping[tuple[str, ...], Sequence[tuple[int, Key]]]) -> dict:
    """The size of each pool of keys (``spread``'s "pool"), estimated from every pool of its
    family together (more draws of the same numbering than one shape alone gives)."""
    families: dict[tuple[str, ...], list[tuple[int, ...]]] = {}
    for shape, keys in pools.items():  # one draw per instance and key
        drawn = {(instance, key.numbers) for instance, key in keys}
        families.setdefault(family(shape), []).extend(numbers for _, numbers in drawn)
    sizes = {}
    for shape in pools:
        drawn = families[family(shape)]
        size = 1.0
        for column in zip(*drawn, strict=False):
            if len(set(column)) > 1:
                size *= pool_size(column, len(drawn))
        sizes[shape] = max(size, float(len({key.numbers for _, key in pools[shape]})))
    return sizes


# -- contention: optimistic writes racing on one key -------------------------------------------


def conflict_ceiling(window: float, concurrent_share: float = 1.0) -> float:
    """The most writes a second that succeed on one key when each write fails if another
    concurrent write lands within its window ``window`` (seconds): 1 / (e · f · W), f the
    share of the writes that are concurrent with it (writes of one ordered source are not).

    The model (slotted ALOHA's): attempts arrive as a Poisson process of rate A; an attempt
    succeeds when no concurrent attempt lands in its window, so successes S = A · e^(-f·A·W),
    largest at A = 1 / (f·W), where S = 1 / (e·f·W). Past it, retries only add failures.
    """
    exposure = concurrent_share * window
    return math.inf if exposure <= 0 else 1.0 / (math.e * exposure)


def attempt_rate(successes: float, window: float, concurrent_share: float = 1.0) -> float | None:
    """The attempts a second that yield ``successes`` a second (S = A · e^(-f·A·W), the
    stable branch); ``None`` past the ceiling: retries then grow without a bound."""
    if successes <= 0:
        return 0.0
    exposure = concurrent_share * window
    if exposure <= 0:
        return successes
    if successes > conflict_ceiling(window, concurrent_share):
        return None
    low, high = successes, 1.0 / exposure
    for _ in range(100):
        middle = (low + high) / 2
        if middle * math.exp(-exposure * middle) < successes:
            low = middle
        else:
            high = middle
    return (low + high) / 2


@dataclass(frozen=True)
class Contention:
    """What optimistic writers on one key should expect."""

    writes: float  # successful writes a second
    window: float  # seconds from the read a write relies on to the write
    concurrent_share: float
    ceiling: float  # most successful writes a second (conflict_ceiling)
    attempts: float | None  # attempts a second (None: saturated)

    @property
    def failures(self) -> float:
        """Failed attempts (conditional-check failures, cancelled transactions) a second."""
        return math.inf if self.attempts is None else self.attempts - self.writes

    @property
    def failures_per_write(self) -> float:
        if self.attempts is None:
            return math.inf
        return self.failures / self.writes if self.writes else 0.0

    @property
    def flagged(self) -> bool:
        return flagged(self.writes, self.ceiling)


def contention(writes: float, window: float, concurrent_share: float = 1.0) -> Contention:
    """The expected conflicts of ``writes`` a second on one key (see ``conflict_ceiling``)."""
    return Contention(
        writes,
        window,
        concurrent_share,
        conflict_ceiling(window, concurrent_share),
        attempt_rate(writes, window, concurrent_share),
    )


#: The ordering source of a write to the very item of the stream (or message group) its
#: batch is ordered by: whoever writes that item holds the stream's records, and a stream's
#: records are handled one batch after another (one shard's, one group's).
OWN_STREAM = "own stream"


def concurrent_share(sources: Mapping[Any, float], spreads: Mapping[Any, Spread | None]) -> float:
    """The share of one key's writes that may land together with another: ``sources`` maps
    each ordering source — ``(action, unit)``, ``unit`` being ``("api",)``, a consumer's
    ``("unit", function, shard or group shape)`` or ``(OWN_STREAM, …)`` — to its writes a
    second, ``spreads`` how that source's units spread over keys.

    Writes from the API race with anything; a consumer's writes race with another unit's —
    with the same unit's only when its batches all come from one key (``one``), or one in
    ``keys`` of a pool; an item written only by its own stream's batches never races with
    them."""
    total = sum(sources.values())
    share = 0.0
    for source, rate in sources.items():
        unit = source[1]
        spread = spreads.get(source)
        if unit[0] == OWN_STREAM:
            same = 1.0
        elif unit == ("api",) or spread is None or spread.kind == "each":
            same = 0.0
        else:
            same = 1.0 if spread.kind == "one" else 1.0 / spread.keys
        part = rate / total if total else 0.0
        share += part * (1.0 - same * part)
    return share


def compute_time(wall: float, waited: float, cpu: float | None = None) -> float:
    """An invocation's own compute time, from a run on this machine (seconds): its wall time
    less the time inside its AWS requests — but never more than its thread's CPU time, when
    known: wall time also holds what the thread waited for besides its requests (the
    interpreter, while the devserver's other threads ran), which is not compute on AWS."""
    outside = max(0.0, wall - waited)
    return outside if cpu is None else min(outside, cpu)


@dataclass(frozen=True)
class BatchTime:
    """A batch's duration as ``fixed + per_message * messages`` (seconds), fitted to a run's
    batches; ``fitted``: from batches of two sizes or more (else through the origin)."""

    fixed: float
    per_message: float
    fitted: bool

    def of(self, messages: float) -> float:
        """The duration of a batch of ``messages``."""
        return self.fixed + self.per_message * messages


def batch_time(sizes: Sequence[float], durations: Sequence[float]) -> BatchTime:
    """The least-squares line through a run's batches (``sizes[i]`` messages took
    ``durations[i]`` seconds). With one size only, or a line that falls as batches grow
    (noise), the line through the origin and the medians: every second proportional to the
    messages, the cautious reading — a larger batch costs as much per message as the run's."""
    pairs = [(float(s), float(d)) for s, d in zip(sizes, durations, strict=True) if s > 0]
    if not pairs:
        return BatchTime(0.0, 0.0, False)
    xs, ys = [s for s, _ in pairs], [d for _, d in pairs]
    proportional = BatchTime(0.0, statistics.median(ys) / statistics.median(xs), False)
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return proportional
    slope = sum((x - mean_x) * (y - mean_y) for x, y in pairs) / spread
    fixed = mean_y - slope * mean_x
    if slope <= 0:
        return proportional
    if fixed < 0:  # no negative fixed cost: the line through the origin
        return BatchTime(0.0, sum(x * y for x, y in pairs) / sum(x * x for x in xs), True)
    return BatchTime(fixed, slope, True)


def ordered_capacity(time: BatchTime, batch_size: int, parallel: int = 1) -> float:
    """Messages a second one ordered source (a stream's records, a message group) can take
    at most: full batches of ``batch_size`` (the mapping's), one after another (``parallel``
    at a time). Its backlog at the load is what fills them, not the backlog a run gave it."""
    duration = time.of(batch_size)
    return math.inf if duration <= 0 else parallel * batch_size / duration


def clock_periods(
    runs: Sequence[tuple[float, Sequence[tuple[Hashable, float]]]],
) -> dict[Hashable, tuple[float, int]]:
    """Requests a function makes by the clock, not per run: of ``runs`` of one kind (each
    its start and the ``(shape, answered at)`` of its requests), the shapes some runs make
    and others, started later, do not. Each shape → the longest time from its latest request
    before a run to that run, which skipped it (a lower bound of its period: how long the
    function waits before it makes the request again), and the most such requests one run
    made (a refresh may take more than one)."""
    made: dict[Hashable, list[float]] = {}
    most: dict[Hashable, int] = {}
    for _, requests in runs:
        counted: dict[Hashable, int] = {}
        for shape, answered in requests:
            made.setdefault(shape, []).append(answered)
            counted[shape] = counted.get(shape, 0) + 1
        for shape, count in counted.items():
            most[shape] = max(most.get(shape, 0), count)
    found: dict[Hashable, tuple[float, int]] = {}
    for shape, answers in made.items():
        waited = [
            started - max(answered for answered in answers if answered < started)
            for started, requests in runs
            if all(s != shape for s, _ in requests) and any(a < started for a in answers)
        ]
        if waited:
            found[shape] = (max(waited), most[shape])
    return found
