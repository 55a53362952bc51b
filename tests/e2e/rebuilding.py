"""What the rebuild tests share: the operator's command run against a devserver, and the
home-page view as a reader sees it (what a rebuild must give back)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import requests

from video_tutorials.views.home_page import VIDEO_PREFIX, HomePageViews

ROOT = Path(__file__).resolve().parents[2]


def rebuild_command(site, *arguments: str) -> list[str]:
    """``python -m video_tutorials.rebuild … --devserver STATE_DIR`` (as ``make rebuild``)."""
    return [
        sys.executable,
        "-m",
        "video_tutorials.rebuild",
        *arguments,
        "--devserver",
        str(site.state_dir),
    ]


def command_environment() -> dict[str, str]:
    """The environment ``make rebuild`` gives the command (the layers on its path)."""
    layers = os.pathsep.join(
        str(ROOT / "layers" / name) for name in ("message_store", "video_tutorials")
    )
    return {**os.environ, "PYTHONPATH": layers, "PYTHONUNBUFFERED": "1"}


def run_rebuild(site, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the command to its end; its exit status and output."""
    return subprocess.run(
        rebuild_command(site, *arguments),
        cwd=ROOT,
        env=command_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def a_video(site, n: int = 0) -> str:
    """The ``n``-th video the home page offers to watch."""
    page = requests.get(site.api_url + "/", timeout=30).text
    return re.findall(r'action="/record-viewing/([0-9a-f-]{36})"', page)[n]


def record_viewings(site, video: str, count: int) -> None:
    """``count`` viewings of ``video``, as the browser records them."""
    for _ in range(count):
        response = requests.post(
            f"{site.api_url}/record-viewing/{video}",
            headers={"Origin": site.api_url},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 303, response.text


def home_page_views(site) -> HomePageViews:
    return HomePageViews(site.physical_name("HomePageViewTable"), client=site.client("dynamodb"))


def home_page_as_read(site) -> dict[str, object]:
    """The home-page view as its readers see it: the total, and every video's item (views,
    name, published, transcoded URI) — not how the total is spread over its counters, nor
    the positions an item keeps."""
    views = home_page_views(site)
    videos = {}
    request = {"TableName": views.table_name, "ConsistentRead": True}
    client = site.client("dynamodb")
    while True:
        page = client.scan(**request)
        for item in page["Items"]:
            if item["itemId"]["S"].startswith(VIDEO_PREFIX):
                video = views.get(item["itemId"]["S"].removeprefix(VIDEO_PREFIX))
                videos[video.video_id] = video
        if not page.get("LastEvaluatedKey"):
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return {"total": views.home_page(consistent=True).videos_watched, "videos": videos}
