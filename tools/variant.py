"""Variants of template.yaml for where the default cannot go as it is.

    python tools/variant.py localstack [--out DIR] [--arch x86_64|arm64]
    python tools/variant.py host       [--out DIR]

``localstack``: what LocalStack's free plan deploys and runs (DESIGN.md section 7). Every
function carries its layers: its ``CodeUri`` is a folder with its own code, the layers'
packages and their requirements installed for the host's architecture (LocalStack creates
layers but does not apply them); ``Architectures`` is the host's (arm64 on an x86 host needs
QEMU); no ``AWS::SES::EmailIdentity`` (its create is a stub that rolls the stack back: the
sender is verified through the SES API after the deploy, ``tools/localstack.py``); no
``Rules`` (the deploy is ``Stage=local``); the ``Streams`` topology only (LocalStack's SNS
FIFO to SQS FIFO delivery has had ordering bugs).

``host``: the default template with only its architecture changed to the host's, so that its
built functions and layers can be imported here (the tests do; the arm64 build itself is
checked by its binaries' architecture).

The variant is ``DIR/template.json`` (intrinsics in their long form, code paths relative to
it) and, for ``localstack``, ``DIR/src/<LogicalId>/``. ``sam build --template DIR/template.json``
builds it. The layers' requirements are installed once (``DIR/vendor``, reused while they and
the architecture stay the same) and hard-linked into each function's folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devserver.template import load_template  # noqa: E402

FUNCTION = "AWS::Serverless::Function"
LAYER_TYPES = frozenset({"AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"})
EMAIL_IDENTITY = "AWS::SES::EmailIdentity"
DEFAULT_OUT = {"localstack": ROOT / ".aws-sam" / "localstack", "host": ROOT / ".aws-sam" / "host"}
#: Lambda's runtime of the template (the wheels' Python)
PYTHON_VERSION = "3.13"
REQUIREMENTS = "requirements.txt"


class VariantError(Exception):
    """The template cannot be turned into the variant (the reason in the message)."""


def host_architecture(machine: str | None = None) -> str:
    """Lambda's name for this machine's architecture (``x86_64`` or ``arm64``)."""
    machine = (machine or platform.machine()).lower()
    if machine in {"x86_64", "amd64"}:
        return "x86_64"
    if machine in {"aarch64", "arm64"}:
        return "arm64"
    raise VariantError(f"Lambda runs x86_64 and arm64, not {machine}")


def references(value: Any) -> Iterator[str]:
    """The logical ids (and parameters) a template value refers to."""
    if isinstance(value, Mapping):
        for key, argument in value.items():
            if key == "Ref" and isinstance(argument, str):
                yield argument
            elif key == "Fn::GetAtt":
                target = argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
                yield target
            elif key == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) else argument
                yield from _sub_names(text)
                if isinstance(argument, list) and len(argument) > 1:
                    yield from references(argument[1])
            else:
                yield from references(argument)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def _sub_names(text: Any) -> Iterator[str]:
    if not isinstance(text, str):
        return
    start = text.find("${")
    while start != -1:
        end = text.find("}", start)
        name = text[start + 2 : end]
        if not name.startswith("!"):
            yield name.split(".")[0]
        start = text.find("${", end)


def _layer_folders(template: Mapping[str, Any], function: Mapping[str, Any]) -> list[Path]:
    """The source folders of a function's layers (``Layers: [!Ref ...]``)."""
    resources = template["Resources"]
    folders = []
    for layer in function["Properties"].get("Layers") or []:
        layer_id = layer.get("Ref") if isinstance(layer, Mapping) else None
        resource = resources.get(layer_id or "")
        if resource is None or resource.get("Type") not in LAYER_TYPES:
            raise VariantError(f"a layer that is not this template's: {layer!r}")
        properties = resource["Properties"]
        folders.append(ROOT / (properties.get("ContentUri") or properties.get("Content")))
    return folders


def _without_removed(template: dict[str, Any], removed: set[str]) -> None:
    """Drop the outputs that name removed resources; refuse any other reference to them."""
    outputs = template.get("Outputs") or {}
    for name in [n for n, output in outputs.items() if set(references(output)) & removed]:
        del outputs[name]
    for logical_id, resource in template["Resources"].items():
        named = set(references(resource)) | set(_depends_on(resource))
        if named & removed:
            raise VariantError(f"{logical_id} refers to {sorted(named & removed)}, removed here")


def _depends_on(resource: Mapping[str, Any]) -> list[str]:
    depends = resource.get("DependsOn") or []
    return [depends] if isinstance(depends, str) else list(depends)


def _relative(path: Path, out: Path) -> str:
    return os.path.relpath(path, out)


def host_variant(template: dict[str, Any], out: Path, architecture: str) -> dict[str, Any]:
    """The default template for ``architecture``: code paths relative to ``out``."""
    variant = json.loads(json.dumps(template))
    variant["Globals"]["Function"]["Architectures"] = [architecture]
    for resource in variant["Resources"].values():
        properties = resource.get("Properties") or {}
        if resource.get("Type") == FUNCTION:
            properties["CodeUri"] = _relative(ROOT / properties["CodeUri"], out)
            if "Architectures" in properties:
                properties["Architectures"] = [architecture]
        elif resource.get("Type") in LAYER_TYPES:
            properties["ContentUri"] = _relative(ROOT / properties["ContentUri"], out)
            properties["CompatibleArchitectures"] = [architecture]
            resource.setdefault("Metadata", {})["BuildArchitecture"] = architecture
    return variant


def localstack_variant(
    template: dict[str, Any], out: Path, architecture: str
) -> tuple[dict[str, Any], dict[str, list[Path]]]:
    """The LocalStack template, and for each function the folders its code is made of."""
    variant = json.loads(json.dumps(template))
    resources = variant["Resources"]
    sources: dict[str, list[Path]] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != FUNCTION:
            continue
        properties = resource["Properties"]
        sources[logical_id] = [ROOT / properties["CodeUri"], *_layer_folders(template, resource)]
        properties.pop("Layers", None)
        properties["CodeUri"] = f"src/{logical_id}"
        properties["Architectures"] = [architecture]
        # sam build's Python builder leaves native libraries (*.so) of a source folder out:
        # the folder is complete already, its Makefile copies it whole
        resource["Metadata"] = {**(resource.get("Metadata") or {}), "BuildMethod": "makefile"}
    globals_ = variant["Globals"]["Function"]
    globals_.pop("Layers", None)
    globals_["Architectures"] = [architecture]
    removed = {
        logical_id
        for logical_id, resource in resources.items()
        if resource.get("Type") in LAYER_TYPES | {EMAIL_IDENTITY}
    }
    for logical_id in removed:
        del resources[logical_id]
    _without_removed(variant, removed)
    variant.pop("Rules", None)
    delivery = variant["Parameters"].get("ConsumerDelivery")
    if delivery is not None:
        delivery["Default"] = "Streams"
        delivery["AllowedValues"] = ["Streams"]
        delivery["Description"] = (
            "Streams only on LocalStack: its SNS FIFO to SQS FIFO delivery has had ordering bugs."
        )
    variant["Description"] = (
        f"{template.get('Description', '').strip()} LocalStack variant ({architecture}), "
        "generated by tools/variant.py from template.yaml: edit that, not this."
    )
    return variant, sources


def requirements_of(folders: list[Path]) -> list[Path]:
    """The ``requirements.txt`` files of a function's layers."""
    return [folder / "requirements.txt" for folder in folders if (folder / REQUIREMENTS).exists()]


def install_requirements(requirements: list[Path], target: Path, architecture: str) -> None:
    """Install ``requirements`` into ``target`` for Lambda's Linux on ``architecture``.

    Skipped when ``target`` already holds the same requirements for the same architecture.
    """
    digest = hashlib.sha256(architecture.encode())
    for path in requirements:
        digest.update(path.read_bytes())
    key = digest.hexdigest()
    stamp = target / ".installed"
    if stamp.exists() and stamp.read_text() == key:
        return
    shutil.rmtree(target, ignore_errors=True)
    machine = "x86_64" if architecture == "x86_64" else "aarch64"
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--target",
        str(target),
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--only-binary=:all:",
        "--platform",
        f"manylinux_2_28_{machine}",
        "--platform",
        f"manylinux2014_{machine}",
    ]
    for path in requirements:
        command += ["-r", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise VariantError(f"pip could not install the layers' requirements:\n{result.stderr}")
    stamp.write_text(key)


def _copy(source: Path, destination: Path, *, link: bool = False) -> None:
    """Copy a folder's files (hard links when ``link``), leaving caches and stamps out."""
    # the installed requirements keep their bytecode (pip compiled it for this Python);
    # the project's own folders do not (any Python may have left caches there)
    caches = [] if link else ["__pycache__", "*.pyc"]
    ignore = shutil.ignore_patterns(".installed", REQUIREMENTS, *caches)
    copy = os.link if link else shutil.copy2
    shutil.copytree(source, destination, ignore=ignore, copy_function=copy, dirs_exist_ok=True)


#: What ``sam build`` runs in a function's folder (``BuildMethod: makefile``).
MAKEFILE = """# Generated by tools/variant.py: this folder holds everything the function needs.
build-{logical_id}:
\tcp -al . "$(ARTIFACTS_DIR)" 2>/dev/null || cp -a . "$(ARTIFACTS_DIR)"
\trm -f "$(ARTIFACTS_DIR)/Makefile"
"""


def stage_functions(sources: Mapping[str, list[Path]], out: Path, vendor: Path) -> None:
    """Each function's folder: its code, its layers' packages, their installed requirements."""
    src = out / "src"
    shutil.rmtree(src, ignore_errors=True)
    for logical_id, folders in sources.items():
        destination = src / logical_id
        destination.mkdir(parents=True)
        _copy(vendor, destination, link=True)
        for folder in folders:
            _copy(folder, destination)
        (destination / "Makefile").write_text(MAKEFILE.format(logical_id=logical_id))


def write(template: Mapping[str, Any], out: Path) -> Path:
    """Write the variant's template; its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "template.json"
    path.write_text(json.dumps(template, indent=1) + "\n", encoding="utf-8")
    return path


def build_variant(name: str, out: Path, architecture: str | None = None) -> Path:
    """Generate the variant ``name`` into ``out``; the path of its template."""
    template = load_template(ROOT / "template.yaml")
    architecture = architecture or host_architecture()
    if name == "host":
        return write(host_variant(template, out, architecture), out)
    if name != "localstack":
        raise VariantError(f"no variant {name!r} (localstack, host)")
    variant, sources = localstack_variant(template, out, architecture)
    requirements = sorted({r for folders in sources.values() for r in requirements_of(folders)})
    vendor = out / "vendor"
    install_requirements(requirements, vendor, architecture)
    stage_functions(sources, out, vendor)
    return write(variant, out)


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1] if __doc__ else None)
    parser.add_argument("variant", choices=["localstack", "host"])
    parser.add_argument("--out", type=Path, help="where to write it (default .aws-sam/VARIANT)")
    parser.add_argument(
        "--arch", choices=["x86_64", "arm64"], help="the functions' architecture (default: host's)"
    )
    arguments = parser.parse_args(argv)
    out = (arguments.out or DEFAULT_OUT[arguments.variant]).resolve()
    try:
        path = build_variant(arguments.variant, out, arguments.arch)
    except VariantError as exc:
        print(f"tools/variant.py: {exc}", file=sys.stderr)
        return 1
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
