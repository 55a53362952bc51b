"""template.yaml's RebuildFunction against the code: it can rebuild every view there is.

The function finds a view's tables and its live consumer by logical id in ``STACK_RESOURCES``
(``RebuildSettings.resources``), so a view added without its entry there would fail only when
an operator rebuilds it on AWS. Its policy must let it empty and write each of those tables.
"""

from __future__ import annotations

import json
import re

from devserver.template import load_template
from video_tutorials.consumers import aggregators, function_id, view_table_ids
from video_tutorials.rebuild import Rebuilds

RESOURCES = load_template()["Resources"]
FUNCTION = RESOURCES["RebuildFunction"]
VIEWS = {name: aggregators()[name] for name in Rebuilds.views()}


def stack_resources() -> dict[str, str]:
    """``STACK_RESOURCES`` as the template writes it: logical id → ``${LogicalId}``."""
    variable = FUNCTION["Properties"]["Environment"]["Variables"]["STACK_RESOURCES"]
    return json.loads(variable["Fn::Sub"])


def statement(sid: str) -> dict:
    (found,) = [
        s
        for policy in FUNCTION["Properties"]["Policies"]
        for s in policy["Statement"]
        if s.get("Sid") == sid
    ]
    return found


def test_stack_resources_name_every_views_tables_and_its_consumer_and_nothing_else():
    resources = stack_resources()
    wanted = {t for a in VIEWS.values() for t in view_table_ids(a)} | {
        function_id(a) for a in VIEWS.values()
    }
    assert "HomePageViewTable" in wanted
    assert set(resources) == wanted
    for logical_id, value in resources.items():
        assert value == f"${{{logical_id}}}", logical_id
        assert logical_id in RESOURCES, f"{logical_id} is not a resource of the template"


def test_its_policy_lets_it_empty_and_write_every_views_tables():
    resources = statement("EmptyAndWriteTheViews")["Resource"]
    tables = {r["Fn::GetAtt"][0] for r in resources if "Fn::GetAtt" in r}
    assert tables == {t for a in VIEWS.values() for t in view_table_ids(a)}
    assert {"dynamodb:BatchWriteItem", "dynamodb:Scan"} <= set(
        statement("EmptyAndWriteTheViews")["Action"]
    )


def test_it_may_invoke_only_itself_and_keep_only_its_cursor_items():
    invoke = statement("HandTheCursorOn")
    assert invoke["Action"] == ["lambda:InvokeFunction"]
    assert re.search(
        r"function:\$\{AWS::StackName\}-RebuildFunction\*$", invoke["Resource"]["Fn::Sub"]
    )
    cursor = statement("KeepItsCursor")
    assert cursor["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["rebuild:*"]


def test_it_has_lambdas_longest_timeout_and_hands_on_before_it():
    from video_tutorials.rebuild import HANDOFF_MARGIN_SECONDS

    timeout = FUNCTION["Properties"]["Timeout"]
    assert timeout == 900
    assert timeout / 4 > HANDOFF_MARGIN_SECONDS
