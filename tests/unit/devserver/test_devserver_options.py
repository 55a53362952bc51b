"""Command-line parsing, env-vars files, chaos draws, secrets and naming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devserver.at_start import command_environment
from devserver.chaos import Chaos, ChaosSettings
from devserver.cli import parse_parameter_overrides, run_options, run_parser
from devserver.emulator.resources import Naming, generate_secret_string
from devserver.errors import DevServerError
from devserver.options import read_env_vars
from devserver.runtime import lambda_environment
from devserver.template.functions import FunctionSpec


def test_parameter_overrides_take_both_forms():
    assert parse_parameter_overrides(["Stage=local", "LogLevel=DEBUG Size=8"]) == {
        "Stage": "local",
        "LogLevel": "DEBUG",
        "Size": "8",
    }
    assert parse_parameter_overrides(["ParameterKey=Stage,ParameterValue=dev"]) == {"Stage": "dev"}


def test_the_run_defaults_are_those_of_make_run():
    arguments = run_parser().parse_args([])
    assert (arguments.port, arguments.host, arguments.poll_interval) == (3000, "127.0.0.1", None)
    assert not arguments.reset
    assert not arguments.chaos


def test_without_a_poll_interval_pollers_are_woken_by_writes_and_poll_at_lambdas_cadence():
    options = run_options([])
    assert (options.poll_interval, options.wake_on_writes) == (0.25, True)


def test_a_poll_interval_in_milliseconds_keeps_aws_cadence_and_turns_wake_ups_off():
    options = run_options(["--poll-interval", "100"])
    assert (options.poll_interval, options.wake_on_writes) == (0.1, False)
    assert run_options(["--poll-interval", "250"]).poll_interval == 0.25
    with pytest.raises(SystemExit):
        run_options(["--poll-interval", "0"])


def test_run_at_start_is_repeatable_and_keeps_its_order():
    options = run_options(["--run-at-start", "make seed", "--run-at-start", "echo 'a b'"])
    assert options.run_at_start == ("make seed", "echo 'a b'")
    assert run_options([]).run_at_start == ()


HOST = {
    "PATH": "/usr/bin",
    "AWS_PROFILE": "work",
    "AWS_ENDPOINT_URL": "http://elsewhere:4566",
    "AWS_ACCESS_KEY_ID": "host-key",
    "AWS_REGION": "eu-west-1",
}


def test_a_command_at_start_talks_to_the_emulator_with_its_placeholder_credentials():
    environment = command_environment(
        HOST,
        region="us-east-1",
        endpoint_url="http://127.0.0.1:5000",
        credentials={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
        state_dir=Path("state"),
        api_url="http://127.0.0.1:3000",
        lambda_url="http://127.0.0.1:3001",
    )

    assert environment["PATH"] == "/usr/bin"  # the host's environment otherwise
    assert environment["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert "AWS_PROFILE" not in environment
    assert environment["AWS_ACCESS_KEY_ID"] == "testing"
    assert (environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]) == ("us-east-1",) * 2
    assert environment["AWS_ACCOUNT_ID_ENDPOINT_MODE"] == "disabled"
    assert environment["DEVSERVER_STATE_DIR"] == str(Path("state").resolve())
    assert environment["DEVSERVER_API_URL"] == "http://127.0.0.1:3000"
    assert environment["DEVSERVER_LAMBDA_URL"] == "http://127.0.0.1:3001"


def test_a_command_at_start_against_aws_keeps_the_hosts_credentials_and_no_endpoint():
    environment = command_environment(
        HOST,
        region="us-east-1",
        endpoint_url=None,
        credentials=None,
        state_dir=None,
        api_url="http://127.0.0.1:3000",
        lambda_url=None,
    )

    assert "AWS_ENDPOINT_URL" not in environment
    assert (environment["AWS_PROFILE"], environment["AWS_ACCESS_KEY_ID"]) == ("work", "host-key")
    assert "DEVSERVER_STATE_DIR" not in environment
    assert "DEVSERVER_LAMBDA_URL" not in environment


def test_an_env_vars_file_has_sam_locals_format(tmp_path):
    path = tmp_path / "env.json"
    path.write_text(json.dumps({"Parameters": {"A": 1}, "Fn": {"B": "x"}}))
    assert read_env_vars(path) == {"Parameters": {"A": "1"}, "Fn": {"B": "x"}}
    path.write_text(json.dumps({"Parameters": "not a map"}))
    with pytest.raises(DevServerError):
        read_env_vars(path)


def test_env_vars_override_only_variables_the_template_declares(tmp_path):
    function = FunctionSpec(
        logical_id="Fn",
        name="Fn",
        arn="arn:aws:lambda:eu-west-1:123456789012:function:Fn",
        handler="app.lambda_handler",
        code_dir=tmp_path,
        layer_dirs=(),
        runtime="python3.13",
        timeout=3,
        memory=128,
        environment={"A": "template"},
    )
    environment = lambda_environment(
        function,
        region="eu-west-1",
        endpoint_url="http://127.0.0.1:5000",
        credentials={"AWS_ACCESS_KEY_ID": "testing"},
        overrides={"A": "override", "UNDECLARED": "x"},
        host_environ={"PATH": "/bin", "AWS_PROFILE": "real-account"},
    )
    assert environment["A"] == "override"
    assert "UNDECLARED" not in environment
    assert "AWS_PROFILE" not in environment  # nothing of the host's AWS setup leaks in
    assert environment["PATH"] == "/bin"
    assert environment["AWS_REGION"] == "eu-west-1"
    assert environment["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"


def test_chaos_draws_are_reproducible_per_function_and_seed():
    def draws(seed, function):
        chaos = Chaos(ChaosSettings(failure_rate=0.5, seed=seed))
        return [chaos.draw(function) for _ in range(50)]

    assert draws(1, "A") == draws(1, "A")
    assert draws(1, "A") != draws(2, "A")
    assert draws(1, "A") != draws(1, "B")
    before = sum(b for b, _ in draws(1, "A"))
    after = sum(a for _, a in draws(1, "A"))
    assert before > 0
    assert after > 0


def test_chaos_leaves_api_invocations_alone_unless_asked():
    chaos = Chaos(ChaosSettings(failure_rate=1.0))
    assert all(chaos.draw_api("Fn") == (False, False) for _ in range(10))
    chaos = Chaos(ChaosSettings(failure_rate=1.0, include_api=True))
    assert all(any(chaos.draw_api("Fn")) for _ in range(10))


def test_a_generated_secret_follows_its_specification():
    value = generate_secret_string(
        {
            "SecretStringTemplate": '{"user": "app"}',
            "GenerateStringKey": "password",
            "PasswordLength": 24,
            "ExcludeCharacters": "abc",
            "ExcludePunctuation": True,
        }
    )
    document = json.loads(value)
    assert document["user"] == "app"
    assert len(document["password"]) == 24
    assert document["password"].isalnum()
    assert not set("abc") & set(document["password"])


def test_unnamed_resources_get_stable_valid_names():
    naming = Naming("video-tutorials")
    assert naming.name("MessageStoreTable") == "video-tutorials-MessageStoreTable"
    assert naming.bucket("Uploads_Bucket") == "video-tutorials-uploads-bucket"
