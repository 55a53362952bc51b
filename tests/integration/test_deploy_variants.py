"""What cannot be deployed here, proven by what can: each variant of the template built with
``sam build``, every function's handler imported from its built artifact alone, in a clean
interpreter, and ``cfn-lint`` clean on every variant.

- **localstack** (``tools/variant.py localstack``): the function's artifact alone on
  ``sys.path`` — no layer — must import: LocalStack's free plan does not apply layers.
- **default** (``template.yaml`` as ``make build`` builds it, arm64): its native libraries
  are aarch64, which this x86 host cannot load, so they are checked by their ELF headers;
- **host** (``tools/variant.py host``: the default with only its architecture changed): the
  function's artifact and its layers' artifacts (``python/``, as Lambda's ``/opt/python``)
  must import.

Each import runs ``python3.13 -I -S`` (no site-packages, no ``PYTHON*`` variables) with the
environment the template declares for the function (references given placeholder values),
``LAMBDA_TASK_ROOT`` set as Lambda sets it (so Powertools' Tracer and the X-Ray SDK load as
they do on Lambda, at the first invocation), no credentials, and an audit hook that records
any network use: import must not call AWS. The builds run in parallel once per session and
are kept while the template, the functions, the layers and the variant tool stay the same;
the default one is ``make build``'s when it is newer than every source (``make test`` builds
it just before).
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devserver.template import load_template
from tools.sam_local_env import function_environments
from tools.variant import host_architecture

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".aws-sam" / "test-variants"
SAM = ROOT / ".tools" / "sam" / "bin" / "sam"
CFN_LINT = ROOT / ".tools" / "sam" / "bin" / "cfn-lint"
TEMPLATE = load_template()
FUNCTIONS = sorted(
    logical_id
    for logical_id, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
)
LAYERS = {
    logical_id: [layer["Ref"] for layer in resource["Properties"].get("Layers") or []]
    for logical_id, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
}
EM_AARCH64, EM_X86_64 = 183, 62

#: What runs in the clean interpreter: the import, watched for network use.
CHILD = r"""
import json, sys
NETWORK = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto",
           "socket.sendmsg", "http.client.connect"}
network = []
sys.addaudithook(lambda event, args: network.append(event) if event in NETWORK else None)
paths, module, handler = json.loads(sys.argv[1])
sys.path[:0] = paths
imported = __import__(module)
xray_at_import = "aws_xray_sdk" in sys.modules
tracer = getattr(imported, "tracer", None)
loaded = tracer.load() if hasattr(tracer, "load") else tracer  # what the first call makes
print(json.dumps({
    "handler": callable(getattr(imported, handler, None)),
    "network": network,
    "tracer": [type(tracer).__name__, xray_at_import, type(loaded).__name__],
    "site_packages": [p for p in sys.path if "site-packages" in p],
    "outside": sorted({m.__name__ for m in list(sys.modules.values())
                       if (getattr(m, "__file__", None) or "").endswith((".py", ".so"))
                       and not m.__file__.startswith(tuple(paths))
                       and not m.__file__.startswith(sys.base_prefix)}),
}))
"""


def python313() -> str:
    """The Lambda runtime's Python (the artifacts hold cp313 wheels), as make finds it."""
    found = subprocess.run(
        [str(ROOT / "tools" / "find-python")], capture_output=True, text=True, check=False
    ).stdout.strip()
    version = subprocess.run(
        [found, "-c", "import sys; print(sys.version_info[:2] == (3, 13))"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    assert version == "True", f"the artifacts are for Python 3.13; {found} is not it"
    return found


def source_digest() -> str:
    """What the builds depend on: a changed file rebuilds them."""
    digest = hashlib.sha256(platform.machine().encode())
    for path in sources():
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def sam_build(template: Path, build_dir: Path, *extra: str) -> list[str]:
    python_dir = str(Path(python313()).parent)
    return [
        str(SAM),
        "build",
        "--template",
        str(template),
        "--build-dir",
        str(build_dir),
        "--cache-dir",
        str(build_dir.parent / "cache"),
        "--parallel",
        *extra,
    ], {"PATH": f"{python_dir}:{os.environ['PATH']}"}


def sources() -> list[Path]:
    """The files the builds are made of."""
    paths = [ROOT / "template.yaml", ROOT / "tools" / "variant.py"]
    for folder in ("functions", "layers"):
        paths += sorted(
            p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
        )
    return paths


def fresh_default_build() -> Path | None:
    """``make build``'s folder when it was built after every source changed (``make test``
    builds it just before the tests): the default build need not be made twice."""
    built = ROOT / ".aws-sam" / "build"
    template = built / "template.yaml"
    if not template.exists() or not all((built / f).is_dir() for f in FUNCTIONS):
        return None
    newest = max(path.stat().st_mtime for path in sources())
    return built if template.stat().st_mtime > newest else None


def build(name: str, digest: str) -> Path:
    """Generate (when a variant) and ``sam build`` one of the three; its build folder."""
    if name == "default" and (made := fresh_default_build()) is not None:
        return made
    out = OUT / name
    build_dir = out / "build"
    stamp = out / "built-from"
    if stamp.exists() and stamp.read_text() == digest and (build_dir / "template.yaml").exists():
        return build_dir
    shutil.rmtree(build_dir, ignore_errors=True)
    if name == "default":
        command, path = sam_build(ROOT / "template.yaml", build_dir)
    else:
        generated = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "variant.py"), name, "--out", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert generated.returncode == 0, generated.stderr
        extra = ("--build-in-source",) if name == "localstack" else ()
        command, path = sam_build(out / "template.json", build_dir, *extra)
    environment = {
        **os.environ,
        **path,
        "SAM_CLI_TELEMETRY": "0",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    # sam keeps dependencies in .aws-sam/deps of its working directory and deletes the ones
    # its own build does not use: a build of its own folder, so that no other build (make
    # build, another variant) loses its layers' packages meanwhile
    out.mkdir(parents=True, exist_ok=True)
    built = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=out, env=environment
    )
    assert built.returncode == 0, (
        f"sam build of {name}:\n{built.stdout[-3000:]}{built.stderr[-3000:]}"
    )
    layers = {layer for layer_ids in LAYERS.values() for layer in layer_ids}
    if name != "localstack":  # a build without its layers' packages is not kept
        for layer in layers:
            installed = list((build_dir / layer / "python").glob("*.dist-info"))
            assert installed, (
                f"sam build of {name} left {layer} without packages:\n{built.stdout[-3000:]}"
            )
    stamp.write_text(digest)
    return build_dir


@pytest.fixture(scope="module")
def builds() -> dict[str, Path]:
    """The three builds, made in parallel (or kept from an earlier run of the same sources)."""
    digest = source_digest()
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        futures = {
            name: pool.submit(build, name, digest) for name in ("localstack", "host", "default")
        }
        return {name: future.result() for name, future in futures.items()}


def environments() -> dict[str, dict[str, str]]:
    """Each function's template environment, references as placeholders, both topologies."""
    physical = {
        logical_id: f"{logical_id.lower()}-placeholder" for logical_id in TEMPLATE["Resources"]
    }
    merged: dict[str, dict[str, str]] = {}
    for topology in ("Queues", "Streams"):
        merged.update(
            function_environments(
                TEMPLATE,
                parameters={"ConsumerDelivery": topology},
                physical_ids=physical,
                region="us-east-1",
                account_id="123456789012",
                stack_name="video-tutorials",
            )
        )
    return merged


def import_handler(logical_id: str, paths: list[Path], python: str, environment: dict) -> dict:
    """Import the function's handler module from ``paths`` alone in a clean interpreter."""
    module, _, handler = TEMPLATE["Resources"][logical_id]["Properties"]["Handler"].rpartition(".")
    env = {
        **environment,
        "PATH": "/usr/bin:/bin",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "LAMBDA_TASK_ROOT": str(paths[0]),
        "_HANDLER": f"{module}.{handler}",
    }
    run = subprocess.run(
        [python, "-I", "-S", "-c", CHILD, json.dumps([[str(p) for p in paths], module, handler])],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd="/",
        timeout=120,
    )
    if run.returncode != 0:
        return {"error": run.stderr[-2500:]}
    return json.loads(run.stdout.strip().splitlines()[-1])


def artifact_paths(name: str, build_dir: Path, logical_id: str) -> list[Path]:
    paths = [build_dir / logical_id]
    if name == "host":
        paths += [build_dir / layer / "python" for layer in LAYERS[logical_id]]
    return paths


@pytest.fixture(scope="module")
def imports(builds) -> dict[tuple[str, str], dict]:
    """Every function of both importable builds, imported (several at a time)."""
    python = python313()
    envs = environments()
    jobs = [(name, logical_id) for name in ("localstack", "host") for logical_id in FUNCTIONS]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            job: pool.submit(
                import_handler,
                job[1],
                artifact_paths(job[0], builds[job[0]], job[1]),
                python,
                envs[job[1]],
            )
            for job in jobs
        }
        return {job: future.result() for job, future in futures.items()}


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["localstack", "host"])
@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_every_handler_imports_from_its_built_artifact_alone(imports, variant, logical_id):
    result = imports[(variant, logical_id)]
    assert "error" not in result, f"{variant} {logical_id}:\n{result.get('error')}"
    assert result["handler"], f"{logical_id}'s handler is not callable"
    assert result["network"] == [], f"{logical_id} used the network at import: {result['network']}"
    assert result["site_packages"] == []  # nothing but the artifact (and the layers)
    assert result["outside"] == [], "modules from neither the artifact nor the standard library"
    # Lambda's path: the X-Ray SDK is not imported with the module, Powertools' Tracer is made
    # (from the artifact's SDK) at the first invocation
    assert result["tracer"] == ["LazyTracer", False, "Tracer"]


@pytest.mark.slow
def test_the_localstack_variant_carries_its_layers_in_every_function(builds):
    built = json.loads(json.dumps(load_template(builds["localstack"] / "template.yaml")))
    resources = built["Resources"]
    types = {resource["Type"] for resource in resources.values()}
    assert "AWS::Serverless::LayerVersion" not in types
    assert "AWS::SES::EmailIdentity" not in types
    assert "Rules" not in built
    assert built["Parameters"]["ConsumerDelivery"]["AllowedValues"] == ["Streams"]
    machine = {"x86_64": EM_X86_64, "arm64": EM_AARCH64}[host_architecture()]
    for logical_id in FUNCTIONS:
        properties = resources[logical_id]["Properties"]
        assert "Layers" not in properties
        assert properties["Architectures"] == [host_architecture()]
        artifact = builds["localstack"] / logical_id
        for package in ("message_store", "webglue", "video_tutorials", "pydantic", "aws_xray_sdk"):
            assert (artifact / package / "__init__.py").exists(), f"{logical_id} lacks {package}"
        natives = list(artifact.rglob("*.so"))
        assert natives, f"{logical_id} carries no native library (pydantic-core is one)"
        assert {elf_machine(path) for path in natives} == {machine}


@pytest.mark.slow
def test_the_default_build_is_arm64_with_the_layers_apart(builds):
    build_dir = builds["default"]
    layers = {layer for layer_ids in LAYERS.values() for layer in layer_ids}
    natives = [path for layer in layers for path in (build_dir / layer / "python").rglob("*.so")]
    assert any("pydantic_core" in str(path) for path in natives)
    assert {elf_machine(path) for path in natives} == {EM_AARCH64}
    for logical_id in FUNCTIONS:
        files = {p.name for p in (build_dir / logical_id).iterdir()}
        assert files == {"app.py"}, f"{logical_id}'s artifact: {files} (its layers carry the rest)"


def elf_machine(path: Path) -> int:
    """The ``e_machine`` of an ELF file (62 x86-64, 183 AArch64)."""
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int.from_bytes(header[18:20], "little")


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["localstack", "host"])
def test_cfn_lint_is_clean_on_every_variant(builds, variant):
    template = builds[variant].parent / "template.json"
    run = subprocess.run(
        [str(CFN_LINT), str(template)], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert run.returncode == 0, run.stdout + run.stderr
