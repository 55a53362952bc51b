"""The project's own consistency: one source for each pin and each shape."""

from __future__ import annotations

import tomllib
from pathlib import Path

from devserver.template import load_template

ROOT = Path(__file__).resolve().parents[2]


def requirement_pins(path: Path) -> set[str]:
    lines = path.read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_the_dev_environment_runs_what_the_layers_ship():
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    runtime = {pin for pin in groups["runtime"] if not pin.startswith("boto3")}
    layers = set()
    for requirements in ROOT.glob("layers/*/requirements.txt"):
        layers |= requirement_pins(requirements)
    assert runtime == layers


def test_every_layer_is_built_for_the_functions_runtime():
    template = load_template()
    runtime = template["Globals"]["Function"]["Runtime"]
    architectures = template["Globals"]["Function"]["Architectures"]
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            assert resource["Metadata"]["BuildMethod"] == runtime
            assert resource["Properties"]["CompatibleRuntimes"] == [runtime]
            assert resource["Properties"]["CompatibleArchitectures"] == architectures
