"""Deploying: to AWS (``make deploy``) and to LocalStack (``make deploy-localstack``).

    python tools/deploy.py aws --site-url https://… --email-sender no-reply@… [--admin-emails …]
    python tools/deploy.py aws-check --site-url … --email-sender …
    python tools/deploy.py localstack-check
    python tools/deploy.py localstack --template .aws-sam/localstack/build/template.yaml

``aws`` checks the two parameters a deployed stage must name (the template's ``Rules``
refuse their local defaults too, at the change set), then runs ``sam deploy`` with the
``[default]`` environment of samconfig.toml, its ``parameter_overrides`` plus these
(``sam deploy --parameter-overrides`` replaces the file's, so they are merged here).

``localstack-check`` stops early, with what to do, when ``AWS_ENDPOINT_URL`` is not set
(nothing is deployed to AWS by mistake) or LocalStack does not answer there; it starts
LocalStack with Docker when ``LOCALSTACK_AUTH_TOKEN`` is set and Docker is there.

``localstack`` deploys the built LocalStack variant (``tools/variant.py``) with the
``[localstack]`` environment, verifies the sender through SES's API (the variant has no
``AWS::SES::EmailIdentity``: LocalStack's free plan cannot create one), publishes the demo
videos and runs the smoke journey (``tools/smoke.py``) against the deployed API. Its clients
come from ``localstack-client`` (endpoint ``AWS_ENDPOINT_URL``).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SAMCONFIG = ROOT / "samconfig.toml"
DEFAULT_SAM = ROOT / ".tools" / "sam" / "bin" / "sam"
SITE_URL = re.compile(r"^https://[^\s/?#]+(/[^\s?#]*)?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})  # noqa: S104 - names only
LOCALSTACK_IMAGE = "localstack/localstack"


class DeployError(Exception):
    """A deploy cannot go on (what to do, in the message)."""


def samconfig_section(config_env: str, command: str = "deploy") -> dict[str, object]:
    """``[<env>.<command>.parameters]`` of samconfig.toml, over ``[<env>.global.parameters]``."""
    document = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
    environment = document.get(config_env)
    if environment is None:
        raise DeployError(f"samconfig.toml has no [{config_env}] environment")
    merged: dict[str, object] = {}
    for section in ("global", command):
        merged.update((environment.get(section) or {}).get("parameters") or {})
    return merged


def parameter_overrides(config_env: str) -> dict[str, str]:
    """The template parameters samconfig.toml's environment sets (``Key="value"`` pairs)."""
    text = str(samconfig_section(config_env).get("parameter_overrides") or "")
    pairs = {}
    for token in shlex.split(text):
        key, separator, value = token.partition("=")
        if not separator:
            raise DeployError(f"samconfig.toml [{config_env}]: {token!r} is not Key=Value")
        pairs[key] = value
    return pairs


def overrides_argument(parameters: Mapping[str, str]) -> str:
    """``sam deploy --parameter-overrides``' one argument for ``parameters``."""
    for key, value in parameters.items():
        if '"' in value:
            raise DeployError(f"{key}: a value with a double quote cannot be passed to sam")
    return " ".join(f'{key}="{value}"' for key, value in parameters.items())


def check_site_and_sender(site_url: str, email_sender: str) -> None:
    """What a deployed stage's ``SiteUrl`` and ``EmailSender`` must be, or ``DeployError``."""
    problems = []
    host = urlsplit(site_url).hostname or ""
    if not site_url:
        problems.append(
            "SITE_URL is required: the https address users open (links in the welcome email, "
            "the trusted Origin). Your domain, or after a first deploy the stack output "
            "SiteUrl (SITE_URL=https://<api id>.execute-api.<region>.amazonaws.com/Prod)"
        )
    elif not SITE_URL.match(site_url) or host in LOCAL_HOSTS:
        problems.append(f"SITE_URL={site_url} is not a public https address")
    if not email_sender:
        problems.append(
            "EMAIL_SENDER is required: an address (or an address of a domain) verified in SES, "
            "e.g. make deploy EMAIL_SENDER=no-reply@your-domain (docs/operations.md)"
        )
    elif not EMAIL.match(email_sender) or email_sender.endswith(".example"):
        problems.append(f"EMAIL_SENDER={email_sender} is not an address SES can send from")
    if problems:
        raise DeployError("\n".join(problems))


def deploy_to_aws(arguments: argparse.Namespace) -> None:
    """``sam deploy`` with samconfig's ``[default]`` parameters and the site's own."""
    check_site_and_sender(arguments.site_url, arguments.email_sender)
    parameters = parameter_overrides(arguments.config_env)
    parameters["SiteUrl"] = arguments.site_url
    parameters["EmailSender"] = arguments.email_sender
    if arguments.admin_emails:
        parameters["AdminEmails"] = arguments.admin_emails
    for pair in arguments.parameter:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise DeployError(f"--parameter {pair}: expected Key=Value")
        parameters[key] = value
    command = [
        str(arguments.sam),
        "deploy",
        "--config-env",
        arguments.config_env,
        "--parameter-overrides",
        overrides_argument(parameters),
        *arguments.extra,
    ]
    run(command, environ=sam_environment())


def sam_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment for sam, without telemetry."""
    environment = {**os.environ, "SAM_CLI_TELEMETRY": "0", **(extra or {})}
    return environment


def run(command: list[str], *, environ: Mapping[str, str]) -> None:
    """Run a command, its output shown; ``DeployError`` when it fails."""
    print("+", shlex.join(command), flush=True)
    result = subprocess.run(command, env=dict(environ), check=False, cwd=ROOT)  # noqa: S603
    if result.returncode != 0:
        raise DeployError(f"{Path(command[0]).name} {command[1]} failed ({result.returncode})")


# -- LocalStack ----------------------------------------------------------------------------


def localstack_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of the LocalStack tools: its endpoint, placeholder credentials."""
    endpoint = environ.get("AWS_ENDPOINT_URL", "").strip()
    if not endpoint:
        raise DeployError(
            "AWS_ENDPOINT_URL is not set: the LocalStack deploy goes to LocalStack only, e.g.\n"
            "  AWS_ENDPOINT_URL=http://localhost.localstack.cloud:4566 make deploy-localstack"
        )
    return {
        **environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": environ.get("AWS_ACCESS_KEY_ID") or "test",
        "AWS_SECRET_ACCESS_KEY": environ.get("AWS_SECRET_ACCESS_KEY") or "test",
        "AWS_DEFAULT_REGION": environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        "AWS_REGION": environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1",
    }


def localstack_health(endpoint: str) -> dict[str, object] | None:
    """LocalStack's health document, or ``None`` when nothing answers at ``endpoint``."""
    import requests

    try:
        response = requests.get(f"{endpoint.rstrip('/')}/_localstack/health", timeout=3)
        return response.json() if response.ok else None
    except (requests.RequestException, ValueError):
        return None


def start_localstack(endpoint: str, environ: Mapping[str, str]) -> None:
    """Start LocalStack in Docker with the auth token of the environment, wait until it
    answers; ``DeployError`` with what to do when that cannot be done here."""
    token = environ.get("LOCALSTACK_AUTH_TOKEN", "").strip()
    how = (
        f"LocalStack does not answer at {endpoint}. Start it with your auth token "
        "(https://app.localstack.cloud), e.g.\n"
        "  LOCALSTACK_AUTH_TOKEN=… localstack start -d        (pip install localstack)\n"
        "then run make deploy-localstack again."
    )
    if not token:
        raise DeployError(f"{how}\nLOCALSTACK_AUTH_TOKEN is not set either.")
    docker = shutil.which("docker")
    if docker is None:
        raise DeployError(f"{how}\n(no docker here to start it with)")
    port = urlsplit(endpoint).port or 4566
    command = [
        docker,
        "run",
        "--rm",
        "-d",
        "--name",
        "video-tutorials-localstack",
        "-p",
        f"127.0.0.1:{port}:4566",
        "-e",
        "LOCALSTACK_AUTH_TOKEN",
        "-v",
        "/var/run/docker.sock:/var/run/docker.sock",
        LOCALSTACK_IMAGE,
    ]
    run(command, environ=environ)
    deadline = time.monotonic() + 120
    while localstack_health(endpoint) is None:
        if time.monotonic() > deadline:
            raise DeployError(f"LocalStack started but does not answer at {endpoint}")
        time.sleep(2)


def localstack_check(environ: Mapping[str, str]) -> dict[str, str]:
    """The LocalStack environment, LocalStack running at its endpoint (started if need be)."""
    environment = localstack_environment(environ)
    endpoint = environment["AWS_ENDPOINT_URL"]
    if localstack_health(endpoint) is None:
        start_localstack(endpoint, environment)
    print(f"LocalStack answers at {endpoint}")
    return environment


def verify_sender(stack_name: str, region: str) -> str:
    """Verify the stack's ``EmailSender`` through SES (LocalStack verifies at once)."""
    from localstack_client.session import Session

    session = Session(region_name=region)
    stack = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters") or []}
    sender = parameters.get("EmailSender")
    if not sender:
        raise DeployError(f"stack {stack_name} has no EmailSender parameter")
    session.client("ses").verify_email_identity(EmailAddress=sender)
    return sender


def deploy_to_localstack(arguments: argparse.Namespace) -> None:
    """Deploy the LocalStack variant, verify the sender, publish the demo, run the smoke."""
    environment = localstack_check(os.environ)
    template = Path(arguments.template)
    if not template.exists():
        raise DeployError(f"{template} is not built: make build-localstack")
    stack_name = str(samconfig_section("localstack").get("stack_name") or "video-tutorials")
    run(
        [
            str(arguments.sam),
            "deploy",
            "--config-env",
            "localstack",
            "--template-file",
            str(template),
            *arguments.extra,
        ],
        environ=sam_environment(environment),
    )
    os.environ.update(environment)  # localstack-client reads AWS_ENDPOINT_URL from here
    sender = verify_sender(stack_name, environment["AWS_DEFAULT_REGION"])
    print(f"SES sender {sender} verified")
    python = sys.executable
    tools = {**environment, "PYTHONPATH": "layers/message_store:layers/video_tutorials"}
    run([python, "-m", "video_tutorials.demo", "--stack-name", stack_name], environ=tools)
    run([python, "tools/smoke.py", "--localstack-stack", stack_name], environ=environment)


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(description="Deploy to AWS or LocalStack.")
    commands = parser.add_subparsers(dest="command", required=True)
    aws = commands.add_parser("aws", help="sam deploy with samconfig's [default] environment")
    aws.add_argument("--site-url", default="")
    aws.add_argument("--email-sender", default="")
    aws.add_argument("--admin-emails", default="")
    aws.add_argument(
        "--parameter", action="append", default=[], metavar="KEY=VALUE", help="another one"
    )
    aws.add_argument("--config-env", default="default")
    aws.add_argument("--sam", type=Path, default=DEFAULT_SAM)
    check = commands.add_parser("aws-check", help="the site's address and sender, checked")
    check.add_argument("--site-url", default="")
    check.add_argument("--email-sender", default="")
    commands.add_parser("localstack-check", help="LocalStack answers at AWS_ENDPOINT_URL")
    localstack = commands.add_parser("localstack", help="deploy the built LocalStack variant")
    localstack.add_argument("--template", default=".aws-sam/localstack/build/template.yaml")
    localstack.add_argument("--sam", type=Path, default=DEFAULT_SAM)
    arguments, extra = parser.parse_known_args(argv)
    arguments.extra = extra
    try:
        if arguments.command == "aws":
            deploy_to_aws(arguments)
        elif arguments.command == "aws-check":
            check_site_and_sender(arguments.site_url, arguments.email_sender)
        elif arguments.command == "localstack-check":
            localstack_check(os.environ)
        else:
            deploy_to_localstack(arguments)
    except DeployError as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
