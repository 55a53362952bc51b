"""template.yaml against the code: each function may write (and read back, for its appends)
only the message-store streams its code writes (``dynamodb:LeadingKeys``), so a compromised
function cannot forge another service's messages. A function that writes no message has no
``PutItem`` on the store at all.

What a function writes is derived from its code, not from the template: the contracts (a
message type is a class whose ``category`` names its streams) instantiated by the
application, component or aggregator module that its ``app.py`` imports.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from types import ModuleType

import pytest

from devserver.template import load_template
from message_store.contract import Contract

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
STORE = {"Fn::GetAtt": ["MessageStoreTable", "Arn"]}
#: the packages whose modules hold what a function does (the rest is wiring and views)
BEHAVIOUR = (
    "video_tutorials.applications.",
    "video_tutorials.components.",
    "video_tutorials.aggregators.",
)

FUNCTIONS = sorted(
    logical_id
    for logical_id, resource in RESOURCES.items()
    if resource["Type"] == "AWS::Serverless::Function"
)


def modules_of(logical_id: str) -> list[ModuleType]:
    """The behaviour modules a function's ``app.py`` imports."""
    code_uri = RESOURCES[logical_id]["Properties"]["CodeUri"]
    tree = ast.parse((ROOT / code_uri / "app.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names.add(f"{node.module}.{alias.name}")
                names.add(node.module)
    return [
        importlib.import_module(name)
        for name in sorted(names)
        if name.startswith(BEHAVIOUR) and _is_module(name)
    ]


def _is_module(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def written_categories(module: ModuleType) -> set[str]:
    """The categories of the contracts ``module`` instantiates (the messages it builds)."""
    tree = ast.parse(inspect.getsource(module))
    categories: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = _resolve(module, node.func)
        if isinstance(target, type) and issubclass(target, Contract) and target is not Contract:
            categories.add(target.category)
    return categories


def _resolve(module: ModuleType, expression: ast.expr) -> object:
    if isinstance(expression, ast.Name):
        return vars(module).get(expression.id)
    if isinstance(expression, ast.Attribute):
        owner = _resolve(module, expression.value)
        return getattr(owner, expression.attr, None) if owner is not None else None
    return None


def expected_streams(logical_id: str) -> set[str]:
    """``category-*`` for every category the function's code writes."""
    categories = set().union(*(written_categories(m) for m in modules_of(logical_id)))
    return {f"{category}-*" for category in categories}


def store_statements(logical_id: str) -> list[dict]:
    """The function's policy statements on the message-store table itself (not its indexes)."""
    statements = []
    for policy in RESOURCES[logical_id]["Properties"].get("Policies", []):
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            if isinstance(statement, dict) and statement.get("Resource") == STORE:
                statements.append(statement)
    return statements


def actions(statement: dict) -> set[str]:
    action = statement["Action"]
    return set(action if isinstance(action, list) else [action])


def leading_keys(statement: dict) -> set[str] | None:
    condition = statement.get("Condition", {}).get("ForAllValues:StringLike", {})
    keys = condition.get("dynamodb:LeadingKeys")
    return None if keys is None else set(keys if isinstance(keys, list) else [keys])


WRITERS = [f for f in FUNCTIONS if expected_streams(f)]


def test_the_writers_are_found_in_the_code():
    """The derivation sees every application and component that writes (and no aggregator)."""
    assert set(WRITERS) == {
        "HomeFunction",
        "RegisterUsersFunction",
        "AuthenticateFunction",
        "CreatorsPortalFunction",
        "IdentityComponentFunction",
        "SendEmailComponentFunction",
        "VideoPublishingComponentFunction",
    }
    assert expected_streams("IdentityComponentFunction") == {
        "identity-*",
        "identityEmail-*",
        "sendEmail:command-*",
    }


@pytest.mark.parametrize("logical_id", WRITERS)
def test_a_writer_may_put_and_query_only_the_streams_its_code_writes(logical_id):
    statements = store_statements(logical_id)
    puts = [s for s in statements if "dynamodb:PutItem" in actions(s)]

    assert puts, f"{logical_id} writes messages but may not PutItem on the store"
    for statement in statements:  # its appends query the stream's last position too
        assert leading_keys(statement) == expected_streams(logical_id), (
            f"{logical_id} statement {statement.get('Sid')}: dynamodb:LeadingKeys must be "
            f"{sorted(expected_streams(logical_id))}"
        )


@pytest.mark.parametrize("logical_id", [f for f in FUNCTIONS if f not in WRITERS])
def test_a_function_that_writes_no_message_may_not_put_to_the_store(logical_id):
    for statement in store_statements(logical_id):
        assert "dynamodb:PutItem" not in actions(statement), logical_id
