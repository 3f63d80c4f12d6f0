"""The pack and the gate talk through strings; encode with the pack's own code, decode with the gate's, compare.

The packages cannot import each other, so each holds its side (policies/delivery_policies/policy_spec.py encodes,
preflight/gate/pack_contract.py decodes); this is the one place both are imported, and it fails when they drift.
"""

from __future__ import annotations

from typing import Any

from delivery_policies import policy_spec
from delivery_policies.exemptions import Exemption, Exemptions
from delivery_policies.policy_spec import Evaluation, PolicySpec, ResourceView
from preflight.gate import pack_contract

REASON = "reviewed: the bucket only holds public release notes"
SUBJECT = ResourceView("aws:s3/bucket:Bucket", "notes", "urn:pulumi:dev::p::aws:s3/bucket:Bucket::notes", {}, None)


def _spec() -> PolicySpec:
    return PolicySpec(
        name="bucket-rule",
        description="a rule",
        severity="high",
        remediation="fix it",
        checkov=(),
        cdk_nag=(),
        topics=(),
        scope="resource",
        check=lambda evaluation, view: None,
        category="security",
        example="",
    )


def _settled(exemptions: Exemptions, *findings: tuple[str, str]) -> tuple[list[str], list[str]]:
    """What the pack reports for `findings` on SUBJECT: (violation messages, not-applicable reasons)."""
    evaluation = Evaluation({})
    for finding, message in findings:
        evaluation.violation(finding, message, SUBJECT)
    violations: list[str] = []
    reasons: list[str] = []

    def report_violation(message: str, urn: Any = None) -> None:
        violations.append(message)

    policy_spec._settle(
        _spec(),
        evaluation,
        exemptions=exemptions,
        report_violation=report_violation,
        not_applicable=reasons.append,
        subject=SUBJECT,
    )
    return violations, reasons


def test_a_finding_id_the_pack_appends_is_the_one_the_gate_reads() -> None:
    violations, _ = _settled(Exemptions(), ("public-read", "the bucket allows public reads (via its ACL)"))
    assert [pack_contract.split_finding(message) for message in violations] == [
        ("the bucket allows public reads (via its ACL)", "public-read")
    ]


def test_exempted_findings_the_pack_reports_are_the_ones_the_gate_reads() -> None:
    exemptions = Exemptions((Exemption("bucket-rule", REASON, name="notes", finding="public-read"),))
    violations, reasons = _settled(exemptions, ("public-read", "public reads"), ("no-logging", "no access logs"))
    assert [pack_contract.split_finding(message) for message in violations] == [("no access logs", "no-logging")]
    assert len(reasons) == 1
    assert pack_contract.is_exemption_report(reasons[0])
    assert pack_contract.exempted_entries(reasons[0]) == [
        {"urn": SUBJECT.urn, "finding": "public-read", "message": "public reads", "reason": REASON}
    ]


def test_the_gate_holds_the_packs_constants() -> None:
    assert pack_contract.EXEMPTED_PREFIX == policy_spec.EXEMPTED_PREFIX
    assert policy_spec.FINDING_SUFFIX.format(finding="x") == f"{pack_contract.FINDING_MARKER}x)"
