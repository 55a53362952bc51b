"""Powertools' packages loaded name by name (``webglue.lazy_packages``): an application's
cold start imports the resolver and event class it uses, and every name still resolves."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from webglue.lazy_packages import load_lazily

ROOT = Path(__file__).resolve().parents[3]
LAYERS = [str(ROOT / "layers" / "message_store"), str(ROOT / "layers" / "video_tutorials")]


def run_fresh(code: str, *paths: str) -> dict:
    """Run ``code`` in a fresh interpreter with the layers on its path; its JSON output."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={"PYTHONPATH": ":".join([*paths, *LAYERS]), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_application_imports_the_rest_resolver_and_not_every_resolver_and_event():
    found = run_fresh("""
        import json, sys
        import video_tutorials.applications.home
        print(json.dumps(sorted(m for m in sys.modules if m.startswith("aws_lambda_powertools"))))
    """)
    assert "aws_lambda_powertools.event_handler.api_gateway" in found
    assert "aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event" in found
    for unused in (
        "aws_lambda_powertools.event_handler.appsync",
        "aws_lambda_powertools.event_handler.bedrock_agent",
        "aws_lambda_powertools.event_handler.vpc_lattice",
        "aws_lambda_powertools.utilities.data_classes.kafka_event",
        "aws_lambda_powertools.utilities.data_classes.s3_event",
    ):
        assert unused not in found


def test_every_name_of_the_lazy_packages_resolves_as_the_eager_package_has_it():
    lazy = run_fresh("""
        import json
        import webglue
        from aws_lambda_powertools import event_handler
        from aws_lambda_powertools.utilities import data_classes
        from aws_lambda_powertools.event_handler import AppSyncResolver
        from aws_lambda_powertools.event_handler.appsync import AppSyncResolver as original
        from aws_lambda_powertools.utilities.data_classes import event_source
        print(json.dumps({
            "lazy": [bool(getattr(p, "__lazy_names__", None))
                     for p in (event_handler, data_classes)],
            "names": {p.__name__: sorted(n for n in p.__all__ if getattr(p, n, None) is not None)
                      for p in (event_handler, data_classes)},
            "same class": AppSyncResolver is original,
            "event_source": type(event_source).__name__,
        }))
    """)
    eager = run_fresh("""
        import json
        from aws_lambda_powertools import event_handler
        from aws_lambda_powertools.utilities import data_classes
        print(json.dumps({p.__name__: sorted(p.__all__) for p in (event_handler, data_classes)}))
    """)
    assert lazy["lazy"] == [True, True]
    assert lazy["names"] == eager
    assert lazy["same class"]
    # a name its own submodule is called by is the name (the decorator), not the submodule
    assert lazy["event_source"] == "function"


def make_package(root: Path, name: str, init: str, **modules: str) -> None:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(init))
    for module, source in modules.items():
        (package / f"{module}.py").write_text(textwrap.dedent(source))


def test_a_lazy_package_imports_a_submodule_when_one_of_its_names_is_first_asked_for(tmp_path):
    make_package(
        tmp_path,
        "lazypkg",
        '''
        """Docstring."""
        from .cheap import Cheap
        from lazypkg.costly import Costly, helper

        __all__ = ["Cheap", "Costly", "helper"]
        ''',
        cheap="class Cheap: ...\n",
        costly="class Costly: ...\ndef helper(): return 42\n",
    )
    found = run_fresh(
        """
        import json, sys
        from webglue.lazy_packages import load_lazily
        made = load_lazily("lazypkg")
        import lazypkg
        before = sorted(m for m in sys.modules if m.startswith("lazypkg."))
        from lazypkg import helper
        after = sorted(m for m in sys.modules if m.startswith("lazypkg."))
        try:
            lazypkg.missing
            missing = None
        except AttributeError as error:
            missing = str(error)
        again = load_lazily("lazypkg")
        print(json.dumps({"made": made, "before": before, "after": after,
                          "helper": helper(), "missing": missing, "again": again,
                          "all": lazypkg.__all__}))
        """,
        str(tmp_path),
    )
    assert found["made"]
    assert found["again"]
    assert found["before"] == []
    assert found["after"] == ["lazypkg.costly"]
    assert found["helper"] == 42
    assert found["missing"] == "module 'lazypkg' has no attribute 'missing'"
    assert found["all"] == ["Cheap", "Costly", "helper"]


def test_a_package_whose_init_does_more_than_import_names_loads_as_usual(tmp_path):
    make_package(
        tmp_path,
        "busypkg",
        """
        from .part import Part
        STARTED = True
        """,
        part="class Part: ...\n",
    )
    found = run_fresh(
        """
        import json
        from webglue.lazy_packages import load_lazily
        made = load_lazily("busypkg")
        import busypkg
        print(json.dumps({"made": made, "started": busypkg.STARTED}))
        """,
        str(tmp_path),
    )
    assert found == {"made": False, "started": True}


def test_a_package_imported_already_or_not_found_is_left_alone():
    assert load_lazily("json") is False  # imported (by this test module), eagerly
    assert load_lazily("no_such_package_here") is False
