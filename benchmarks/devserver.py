"""The devserver's figures, measured in one run on the tests' sample system.

- Gateway overhead: a GET through the devserver's API (HTTP over a keep-alive connection,
  event building, the function's sandbox swapped in and out, the response written) against
  calling the same handler directly with the same event, as a ratio and in milliseconds.
- Stream propagation: a put_item acknowledged by the emulator → the consumer's handler
  running, p50 and p99, at the default poll interval (0.25 s, Lambda's 4 polls a second).
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # a script in benchmarks/: the devserver package is at the root

import devserver  # noqa: E402
from devserver.runtime import LambdaContext  # noqa: E402

TEMPLATE = ROOT / "tests" / "integration" / "devserver" / "sample" / "template.yaml"
REQUESTS = 400
PROPAGATIONS = 40


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


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


def stream_propagation(server: devserver.DevServer, log_path: Path) -> None:
    dynamodb = server.client("dynamodb")
    table = server.physical_name("EventsTable")
    pk = f"bench-{uuid.uuid4().hex[:8]}"
    acknowledged: dict[str, float] = {}
    generator = random.Random(7)
    for sk in range(PROPAGATIONS):
        dynamodb.put_item(
            TableName=table,
            Item={
                "pk": {"S": pk},
                "sk": {"N": str(sk)},
                "target": {"S": "filtered"},
                "kind": {"S": "keep"},
            },
        )
        acknowledged[f"{pk}#{sk}"] = time.time()
        time.sleep(generator.uniform(0.05, 0.35))  # writes at random phases of the poll
    server.wait_idle(timeout=60)
    invoked: dict[str, float] = {}
    for line in log_path.read_text().splitlines():
        entry = json.loads(line)
        if entry.get("function") == "FilteredConsumer":
            for key in entry["keys"]:
                invoked.setdefault(key, entry["at"])
    delays = [(invoked[key] - at) * 1000 for key, at in acknowledged.items()]
    interval = server.options.poll_interval * 1000
    print(f"stream propagation: {PROPAGATIONS} appends, poll interval {interval:.0f} ms")
    print(
        f"  put_item acknowledged → handler running: p50 {percentile(delays, 0.5):6.1f} ms, "
        f"p99 {percentile(delays, 0.99):6.1f} ms, max {max(delays):6.1f} ms"
    )
    margin = percentile(delays, 0.5) - interval
    print(f"  p50 minus the poll interval: {margin:+.1f} ms (target: at most +50 ms)")


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
    with tempfile.TemporaryDirectory() as state:
        log_path = Path(state) / "sample.log"
        started = time.perf_counter()
        server = devserver.start(
            TEMPLATE,
            state_dir=state,
            api_port=0,
            parameter_overrides={"LogFile": str(log_path)},
        )
        print(f"start: {time.perf_counter() - started:.1f} s to a devserver serving 12 functions")
        try:
            gateway_overhead(server)
            stream_propagation(server, log_path)
            emulator_throughput(server)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
