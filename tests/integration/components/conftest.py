from __future__ import annotations

import logging

import pytest

from video_tutorials.components.identity import identity_component

SITE_URL = "http://127.0.0.1:3000"


@pytest.fixture
def logger():
    return logging.getLogger("tests.components")


@pytest.fixture
def identity(store, logger):
    return identity_component(store, SITE_URL, logger=logger)
