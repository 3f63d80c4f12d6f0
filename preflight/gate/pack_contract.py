"""The string contract between this repository's policy pack and the gate's reports.

pulumi_policy gives a check only a message and a not-applicable reason, so the pack
(policies/delivery_policies/policy_spec.py, which defines the format: FINDING_SUFFIX, EXEMPTED_PREFIX) encodes two
facts in them, and the gate decodes them here:
- a violation's stable finding id, as a `" (finding: <id>)"` suffix of its message;
- the findings a reviewed exemption covers, as a not-applicable reason: EXEMPTED_PREFIX followed by a JSON list of
  {urn, finding, message, reason}.
The packages cannot import each other; unit_tests/contracts/test_pack_gate_contract.py encodes with the pack's code
and decodes with this module, and fails when the two drift apart.
"""

from __future__ import annotations

import json
from typing import Any, Final

EXEMPTED_PREFIX: Final = "exempted by exemptions.yaml: "
FINDING_MARKER: Final = " (finding: "


def split_finding(message: str) -> tuple[str, str]:
    """(text, finding id) of a violation message; the finding is "" when the message carries none."""
    if message.endswith(")") and FINDING_MARKER in message:
        text, _, finding = message[:-1].rpartition(FINDING_MARKER)
        return text, finding
    return message, ""


def is_exemption_report(reason: str) -> bool:
    return reason.startswith(EXEMPTED_PREFIX)


def exempted_entries(reason: str) -> list[Any]:
    """The JSON list an exemption report carries; one entry saying it is unreadable when it is not JSON."""
    try:
        entries = json.loads(reason.removeprefix(EXEMPTED_PREFIX))
    except ValueError:
        entries = [{"message": reason, "finding": "", "reason": "(unreadable exemption report)"}]
    return entries if isinstance(entries, list) else []
