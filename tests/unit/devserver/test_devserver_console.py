"""The console: a line per request, batch and mail; functions' logs only with --verbose."""

from __future__ import annotations

import io

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


def test_function_logs_show_with_verbose_only():
    quiet = Console(io.StringIO(), colour=False)
    verbose = Console(io.StringIO(), colour=False, verbose=True)
    for console in (quiet, verbose):
        console.function_log("Identity", '{"level":"INFO","message":"registered"}')
        console.error("Identity", "ValueError: bad", ("  File app.py, line 3",))
    assert len(lines(quiet)) == 1  # the error, not its stack, nor the log line
    assert lines(verbose)[0] == 'Identity | {"level":"INFO","message":"registered"}'
    assert "File app.py" in lines(verbose)[-1]


def test_a_silent_console_writes_nothing():
    Console(None).request("GET", "/", 200, 1.0, None)  # no stream, no error
