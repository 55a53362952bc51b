"""The console: a line per request, batch and mail; functions' logs only with --verbose."""

from __future__ import annotations

import io
import json

from devserver.console import Console


def lines(console: Console) -> list[str]:
    return console.stream.getvalue().splitlines()


def test_one_line_per_request_with_method_path_status_time_and_function():
    console = Console(io.StringIO(), colour=False)
    console.request("POST", "/register", 303, 12.34, "RegisterUsers")
    [line] = lines(console)
    assert "POST" in line
    assert "/register" in line
    assert " 303 " in line
    assert "12.3 ms" in line
    assert line.endswith("RegisterUsers")


def test_one_line_per_batch_with_records_failures_and_time():
    console = Console(io.StringIO(), colour=False)
    console.batch("Identity", 10, 2, 45.6, "partial failure")
    [line] = lines(console)
    assert "Identity" in line
    assert " 10 records   2 failed" in line
    assert "45.6 ms" in line
    assert "partial failure" in line


def test_a_batch_line_names_the_failed_records_and_counts_the_rest():
    console = Console(io.StringIO(), colour=False)
    console.batch("Identity", 6, 5, 1.0, "error", [f"pk=a/sk={n} #10{n}" for n in range(5)])
    [line] = lines(console)
    assert line.endswith("failed: pk=a/sk=0 #100, pk=a/sk=1 #101, pk=a/sk=2 #102 and 2 more")


def test_function_logs_show_with_verbose_only():
    quiet = Console(io.StringIO(), colour=False)
    verbose = Console(io.StringIO(), colour=False, verbose=True)
    for console in (quiet, verbose):
        console.function_log("Identity", '{"level":"INFO","message":"registered"}')
        console.error("Identity", "ValueError: bad", ("  File app.py, line 3",))
    assert len(lines(quiet)) == 1  # the error, not its stack, nor the log line
    assert lines(verbose)[0] == 'Identity | {"level":"INFO","message":"registered"}'
    assert "File app.py" in lines(verbose)[-1]


def test_a_functions_error_lines_show_without_verbose_compactly():
    console = Console(io.StringIO(), colour=False)
    powertools = {
        "level": "ERROR",
        "location": "apply:42",
        "message": "cannot apply VideoViewed",
        "timestamp": "2026-11-30 10:00:00,000+0000",
        "service": "home-page",
        "cold_start": False,
        "function_name": "HomePage",
        "function_request_id": "r-1",
        "correlation_id": "trace-1",
        "stream": "viewing-12ab",
        "position": 3,
        "exception": "Traceback (most recent call last):\n  File \"x\"\nKeyError: 'videoId'",
    }
    console.function_log("HomePage", json.dumps(powertools))
    console.function_log("HomePage", json.dumps({"level": "INFO", "message": "applied"}))
    console.function_log("HomePage", json.dumps({"level": "CRITICAL", "message": "down"}))
    console.function_log("Legacy", "[ERROR] 2026-11-30T10:00:00Z r-1 it broke")
    console.function_log("Legacy", "all is well")

    shown = lines(console)

    assert len(shown) == 3
    assert shown[0].endswith(
        "HomePage: ERROR cannot apply VideoViewed  location=apply:42  correlation_id=trace-1"
        "  stream=viewing-12ab  position=3  exception=KeyError: 'videoId'"
    )
    assert shown[1].endswith("HomePage: CRITICAL down")
    assert shown[2].endswith("Legacy: [ERROR] 2026-11-30T10:00:00Z r-1 it broke")


def test_a_silent_console_writes_nothing():
    Console(None).request("GET", "/", 200, 1.0, None)  # no stream, no error
