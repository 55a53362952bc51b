from __future__ import annotations

import logging

import pytest

from tests.support.fakes import InMemorySkips
from video_tutorials.components.identity import Dependencies, identity_component

SITE_URL = "http://127.0.0.1:3000"


@pytest.fixture
def logger():
    return logging.getLogger("tests.components")


@pytest.fixture
def skips():
    return InMemorySkips()


def bind_identity(store, logger, skips=None):
    """The identity component on ``store`` (the skips it records kept in memory)."""
    return identity_component.bind(
        Dependencies(store, SITE_URL, logger), logger=logger, skips=skips or InMemorySkips()
    )


@pytest.fixture
def identity(store, logger, skips):
    return bind_identity(store, logger, skips)
