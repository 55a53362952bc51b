"""The devserver's figures, measured in one run on the tests' sample systems.

- Gateway overhead: a GET through the devserver's API (HTTP over a keep-alive connection,
  event building, the function's sandbox swapped in and out, the response written) against
  calling the same handler directly with the same event, as a ratio and in milliseconds.
- Propagation, write acknowledged → the consumer's handler running, p50 and p95, with
  wake-ups (the default) against AWS's cadence (``poll_interval=0.25`` and no wake-ups):
  for a DynamoDB stream mapping (``put_item`` → a stream consumer) and for an SNS FIFO →
  SQS FIFO mapping (``publish`` → the queue's consumer). Writes land at random phases of
  the poll.
- The emulator's throughput: put_item requests per second (serialised, as all its requests).

Run with ``make bench`` (or ``.venv/bin/python benchmarks/devserver.py``).
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # a script in benchmarks/: the devserver package is at the root

import devserver  # noqa: E402
from devserver.runtime import LambdaContext  # noqa: E402

SAMPLE = ROOT / "tests" / "integration" / "devserver" / "sample"
REQUESTS = 400
PROPAGATIONS = 40


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextmanager
def running(template: Path, **options) -> Iterator[tuple[devserver.DevServer, Path]]:
    """A devserver on a sample template, on free ports, with its own state and log."""
    with tempfile.TemporaryDirectory() as state:
        log_path = Path(state) / "sample.log"
        server = devserver.start(
            template,
            state_dir=state,
            api_port=0,
            parameter_overrides={"LogFile": str(log_path)},
            **options,
        )
        try:
            yield server, log_path
        finally:
            server.stop()


def gateway_overhead(server: devserver.DevServer) -> None:
    host, port = server.api_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port))

    def through_gateway() -> dict:
        connection.request("GET", "/items/1?x=1", headers={"User-Agent": "bench"})
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, body
        return json.loads(body)["event"]

    event = through_gateway()  # the very event API Gateway's emulation builds
    module = server.function_module("Web")
    spec = server.runtime.functions["Web"]

    def direct() -> None:
        context = LambdaContext(spec, str(uuid.uuid4()), time.monotonic() + spec.timeout)
        module.lambda_handler(event, context)

    for _ in range(50):  # warm both paths
        through_gateway()
        direct()
    http_times, direct_times = [], []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        through_gateway()
        http_times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        direct()
        direct_times.append((time.perf_counter() - started) * 1000)
    connection.close()
    http_median, direct_median = statistics.median(http_times), statistics.median(direct_times)
    print(f"gateway: {REQUESTS} GET requests, median per request")
    p99 = percentile(http_times, 0.99)
    print(f"  through the devserver (HTTP) {http_median:7.3f} ms  (p99 {p99:.3f} ms)")
    print(f"  the handler called directly  {direct_median:7.3f} ms")
    print(f"  overhead                     {http_median - direct_median:7.3f} ms per request")
    print(f"  ratio                        {http_median / direct_median:7.1f} x")


def propagation(
    server: devserver.DevServer, log_path: Path, function: str, write: Callable[[str], None]
) -> list[float]:
    """Milliseconds from each write's acknowledgement to ``function``'s handler running."""
    run = f"bench-{uuid.uuid4().hex[:8]}"
    acknowledged: dict[str, float] = {}
    generator = random.Random(7)
    server.wait_idle(timeout=60)
    for n in range(PROPAGATIONS):
        key = f"{run}#{n}"
        write(key)
        acknowledged[key] = time.time()
        time.sleep(generator.uniform(0.05, 0.35))  # writes at random phases of the poll
    server.wait_idle(timeout=60)
    invoked: dict[str, float] = {}
    for line in log_path.read_text().splitlines():
        entry = json.loads(line)
        if entry.get("function") == function:
            for key in entry["keys"]:
                invoked.setdefault(key, entry["at"])
    return [(invoked[key] - at) * 1000 for key, at in acknowledged.items()]


def stream_writes(server: devserver.DevServer) -> Callable[[str], None]:
    dynamodb = server.client("dynamodb")
    table = server.physical_name("EventsTable")

    def write(key: str) -> None:
        pk, sk = key.split("#")
        item = {
            "pk": {"S": pk},
            "sk": {"N": sk},
            "target": {"S": "filtered"},
            "kind": {"S": "keep"},
        }
        dynamodb.put_item(TableName=table, Item=item)

    return write


def topic_publishes(server: devserver.DevServer) -> Callable[[str], None]:
    sns = server.client("sns")
    topic = server.physical_name("MessageTopic")

    def write(key: str) -> None:
        sns.publish(
            TopicArn=topic,
            Message=json.dumps({"key": key}),
            MessageGroupId=key,
            MessageDeduplicationId=key,
            MessageAttributes={"category": {"DataType": "String", "StringValue": "order"}},
        )

    return write


def compare_propagation() -> None:
    cases = [
        ("DynamoDB stream mapping (put_item → FilteredConsumer)", SAMPLE / "template.yaml",
         "FilteredConsumer", stream_writes),
        ("SNS FIFO → SQS FIFO mapping (publish → Orders)", SAMPLE / "queues.yaml",
         "Orders", topic_publishes),
    ]  # fmt: skip
    print(f"propagation: write acknowledged → handler running, {PROPAGATIONS} writes each")
    for title, template, function, writes in cases:
        figures = {}
        for label, options in (
            ("wake-ups", {"wake_on_writes": True}),
            ("poll 250 ms", {"wake_on_writes": False, "poll_interval": 0.25}),
        ):
            with running(template, **options) as (server, log_path):
                delays = propagation(server, log_path, function, writes(server))
            figures[label] = (percentile(delays, 0.5), percentile(delays, 0.95))
        print(f"  {title}")
        for label, (p50, p95) in figures.items():
            print(f"    {label:<12} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
        (woken50, woken95), (polled50, polled95) = figures.values()
        print(f"    ratio        p50 {polled50 / woken50:5.1f} x   p95 {polled95 / woken95:5.1f} x")


def emulator_throughput(server: devserver.DevServer) -> None:
    dynamodb = server.client("dynamodb")
    table = server.physical_name("EventsTable")
    count = 200
    started = time.perf_counter()
    for sk in range(count):
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "throughput"}, "sk": {"N": str(sk)}})
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    print(f"emulator: {count} put_item in {elapsed:.2f} s = {rate:.0f} requests/s (serialised)")


def main() -> None:
    started = time.perf_counter()
    with running(SAMPLE / "template.yaml") as (server, _log_path):
        seconds, functions = time.perf_counter() - started, len(server.runtime.functions)
        print(f"start: {seconds:.1f} s to a devserver serving {functions} functions")
        gateway_overhead(server)
        emulator_throughput(server)
    compare_propagation()


if __name__ == "__main__":
    main()
