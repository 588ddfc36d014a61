"""State machine definitions: ASL placeholders filled with local function ARNs, as CDK fills them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra import spec
from local.resources import fill_placeholders, placeholders, rule_queue_name, state_machine_definition

ASL = {
    "StartAt": "Plan",
    "States": {
        "Plan": {"Type": "Pass", "Next": "Send"},
        "Send": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${SendFunction}", "Payload.$": "$"},
            "Next": "Record",
        },
        "Record": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${RecordFunction}"},
            "End": True,
        },
    },
}


def arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:123456789012:function:{name}"


def test_each_placeholder_becomes_the_arn_of_its_function() -> None:
    filled = fill_placeholders(json.dumps(ASL), {"SendFunction": "notify", "RecordFunction": "capture"}, arn)

    states = json.loads(filled)["States"]
    assert states["Send"]["Parameters"]["FunctionName"] == arn("notify")
    assert states["Record"]["Parameters"]["FunctionName"] == arn("capture")
    assert placeholders(filled) == set()


def test_a_placeholder_without_a_substitution_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown \\['RecordFunction'\\]"):
        fill_placeholders(json.dumps(ASL), {"SendFunction": "notify"}, arn)


def test_a_substitution_the_file_no_longer_uses_is_an_error() -> None:
    subs = {"SendFunction": "notify", "RecordFunction": "capture", "GoneFunction": "pages"}

    with pytest.raises(ValueError, match="unused \\['GoneFunction'\\]"):
        fill_placeholders(json.dumps(ASL), subs, arn)


def test_a_definition_that_is_not_json_is_an_error() -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - json's own message
        fill_placeholders('{"StartAt": "${A}",', {"A": "notify"}, arn)


def test_the_file_is_named_when_its_definition_is_wrong(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(spec, "STATE_MACHINES_DIR", tmp_path)
    (tmp_path / "engage.asl.json").write_text(json.dumps(ASL))
    machine = spec.StateMachineSpec("engage", "engage.asl.json", {"SendFunction": "notify"})

    with pytest.raises(ValueError, match=r"^engage\.asl\.json: "):
        state_machine_definition(machine, arn)


def test_every_spec_state_machine_fills_completely() -> None:
    for machine in spec.STATE_MACHINES:
        filled = state_machine_definition(machine, arn)

        assert placeholders(filled) == set(), machine.name
        assert json.loads(filled)["StartAt"]


def test_rule_queue_names_are_valid_sqs_names() -> None:
    rule = spec.RuleSpec("a rule/with:odd chars" + "x" * 100, "d", {}, ())

    name = rule_queue_name(rule)

    assert len(name) <= 80
    assert all(c.isalnum() or c in "-_" for c in name)
