"""The reviewed exemptions file: what a valid entry is, and a clear error for each way an entry can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from delivery_policies import POLICY_NAMES, ExemptionError, load_pack_exemptions
from delivery_policies.exemptions import load_exemptions

REASON = "the audit bucket must stay readable by the auditors' account"


def write(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "exemptions.yaml"
    file.write_text(text, encoding="utf-8")
    return file


def test_the_repositorys_exemptions_file_is_valid() -> None:
    load_pack_exemptions()


def test_missing_or_empty_file_means_no_exemptions(tmp_path: Path) -> None:
    assert load_exemptions(tmp_path / "absent.yaml", POLICY_NAMES).entries == ()
    assert load_exemptions(write(tmp_path, ""), POLICY_NAMES).entries == ()
    assert load_exemptions(write(tmp_path, "exemptions: []\n"), POLICY_NAMES).entries == ()


def test_entries_by_urn_and_by_type_and_name_match_their_resource(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        f"""
exemptions:
  - policy: iam-no-wildcard-resources
    urn: urn:pulumi:dev::p::aws:iam/rolePolicy:RolePolicy::fn-policy
    finding: "*"
    reason: {REASON}
  - policy: required-tags
    type: aws:sqs/queue:Queue
    name: dlq
    reason: {REASON}
""",
    )
    exemptions = load_exemptions(file, POLICY_NAMES)
    urn = "urn:pulumi:dev::p::aws:iam/rolePolicy:RolePolicy::fn-policy"
    type_ = "aws:iam/rolePolicy:RolePolicy"
    assert exemptions.find("iam-no-wildcard-resources", urn, type_, "fn-policy", "*") is not None
    assert exemptions.find("iam-no-wildcard-resources", urn, type_, "fn-policy", "arn:aws:s3:::*") is None
    assert exemptions.find("iam-no-wildcard-actions", urn, type_, "fn-policy", "*") is None
    assert exemptions.find("required-tags", "urn:x", "aws:sqs/queue:Queue", "dlq", "missing-tag:Owner") is not None
    assert exemptions.find("required-tags", "urn:x", "aws:sqs/queue:Queue", "other", "missing-tag:Owner") is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("- policy: required-tags\n    type: aws:sqs/queue:Queue\n    name: dlq", "reason"),
        ("- policy: required-tags\n    type: aws:sqs/queue:Queue\n    name: dlq\n    reason: too short", "at least 10"),
        ("- policy: no-such-policy\n    type: aws:sqs/queue:Queue\n    name: dlq\n    reason: {r}", "not in this pack"),
        ("- type: aws:sqs/queue:Queue\n    name: dlq\n    reason: {r}", "`policy` is required"),
        ("- policy: required-tags\n    reason: {r}", "the resource is required"),
        ("- policy: required-tags\n    type: aws:sqs/queue:Queue\n    reason: {r}", "the resource is required"),
        (
            "- policy: required-tags\n    urn: urn:pulumi:a::b::c::d\n    type: aws:sqs/queue:Queue\n"
            "    name: q\n    reason: {r}",
            "not both",
        ),
        ("- policy: required-tags\n    urn: arn:aws:sqs:::q\n    reason: {r}", "Pulumi URN"),
        ("- policy: required-tags\n    type: sqs-queue\n    name: dlq\n    reason: {r}", "type token"),
        (
            "- policy: required-tags\n    type: aws:sqs/queue:Queue\n    name: dlq\n    reason: {r}\n    why: extra",
            "unknown keys",
        ),
        ("- policy: required-tags\n    type: aws:sqs/queue:Queue\n    name: 7\n    reason: {r}", "non-empty string"),
        ("- just a string", "expected a mapping"),
    ],
    ids=[
        "no-reason",
        "short-reason",
        "unknown-policy",
        "no-policy",
        "no-resource",
        "type-without-name",
        "urn-and-type",
        "not-a-urn",
        "bad-type",
        "unknown-key",
        "name-not-string",
        "not-a-mapping",
    ],
)
def test_bad_entries_are_configuration_errors_naming_the_entry(tmp_path: Path, entry: str, message: str) -> None:
    file = write(tmp_path, "exemptions:\n  " + entry.format(r=REASON) + "\n")
    with pytest.raises(ExemptionError, match=message) as raised:
        load_exemptions(file, POLICY_NAMES)
    assert "exemptions[0]" in str(raised.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("exemptions: {}\n", "must be a list"),
        ("- a\n", "single key `exemptions`"),
        ("exemptions: []\nextra: 1\n", "single key `exemptions`"),
        ("exemptions: [\n", "cannot be read as YAML"),
    ],
)
def test_bad_files_are_configuration_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ExemptionError, match=message):
        load_exemptions(write(tmp_path, text), POLICY_NAMES)


def test_an_entry_listed_twice_is_an_error(tmp_path: Path) -> None:
    entry = f"  - policy: required-tags\n    type: aws:sqs/queue:Queue\n    name: dlq\n    reason: {REASON}\n"
    with pytest.raises(ExemptionError, match="listed twice"):
        load_exemptions(write(tmp_path, "exemptions:\n" + entry + entry), POLICY_NAMES)
