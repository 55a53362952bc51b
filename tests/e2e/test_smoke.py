"""The smoke journey (``tools/smoke.py``) against the running devserver, as CI runs it.

The same command runs after ``make deploy-localstack`` against LocalStack; here it proves
the journey and its failure reports on the system this machine can run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from video_tutorials.contracts.viewing import viewing_stream

from .conftest import store_of

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "tools" / "smoke.py"


def smoke(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SMOKE), *arguments],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=ROOT,
    )


@pytest.mark.slow
def test_the_smoke_journey_passes_against_the_devserver(site):
    run = smoke(site.api_url, "--mail", f"outbox:{site.state_dir}")
    assert run.returncode == 0, run.stdout + run.stderr
    steps = [line for line in run.stdout.splitlines() if line.startswith("ok ")]
    expected = [
        "ok   home page: ",  # the demo videos, and any a test published
        "ok   registered smoke-",
        f"ok   welcome email recorded in the devserver's outbox {site.state_dir / 'outbox'}",
        "ok   logged in",
        "ok   viewing of ",
    ]
    assert len(steps) == len(expected), run.stdout
    for line, start in zip(steps, expected, strict=True):
        assert line.startswith(start), run.stdout
    assert "smoke: passed" in run.stdout

    # what the journey did, as the store recorded it
    user_id = re.search(r"\(user ([0-9a-f-]{36})\)", run.stdout).group(1)
    video_id = re.search(r"viewing of ([0-9a-f-]{36})", run.stdout).group(1)
    store = store_of(site)
    assert [m.type for m in store.read_stream(f"authentication-{user_id}")] == ["UserLoggedIn"]
    viewing = viewing_stream(video_id, user_id)  # the user's shard of the video's viewings
    viewers = [m.data.get("userId") for m in store.read_stream(viewing)]
    assert user_id in viewers


@pytest.mark.slow
def test_a_welcome_email_that_never_comes_fails_the_journey(site, tmp_path):
    run = smoke(site.api_url, "--mail", f"outbox:{tmp_path}", "--timeout", "2")
    assert run.returncode == 1
    assert "smoke: FAILED at welcome email: no welcome email to smoke-" in run.stderr
    assert "within 2 s" in run.stderr


def test_a_site_that_does_not_answer_fails_at_the_first_step(tmp_path):
    run = smoke("http://127.0.0.1:9/", "--mail", "none")
    assert run.returncode == 1
    assert "smoke: FAILED at home page: GET http://127.0.0.1:9/" in run.stderr


def test_the_journey_needs_one_place_to_run_against():
    run = smoke()
    assert run.returncode == 2
    assert "give a BASE_URL or --localstack-stack STACK" in run.stderr
