"""The pack's answers read back as violations: diagnostics, exempted findings, where each resource is constructed,
and the report that gathers them with the policies as GetAnalyzerInfo describes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pulumi.runtime.proto import analyzer_pb2

from preflight.engine.pack_process import PackSpec
from preflight.engine.wire import EngineResource
from preflight.gate.analysis import Analysis
from preflight.gate.pack_contract import exempted_entries, is_exemption_report, split_finding
from preflight.gate.policy_config import ReconciledConfig, level_name
from preflight.gate.report import GateReport, Location, PolicyRule, Violation
from preflight.program.capture import Capture, SourcePosition
from preflight.program.project import ProjectSpec

_THIRD_PARTY_DIRS: Final = frozenset({"site-packages", "dist-packages", ".venv", "venv", ".nox"})


def repository_root(start: Path) -> Path:
    """The nearest directory holding .git (source positions are reported relative to it), else `start`."""
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


# preflight's own frames (the runner that runs the program) sit in the repository too but are not the program's.
_PREFLIGHT_DIR: Final = Path(__file__).resolve().parents[1]


def _program_location(position: SourcePosition, repo_root: Path) -> Location | None:
    """The position as a repository-relative Location, None for library code, preflight, or files elsewhere."""
    file = Path(position.path)
    if _THIRD_PARTY_DIRS & set(file.parts):
        return None
    resolved = file.resolve()
    if resolved.is_relative_to(_PREFLIGHT_DIR) or not resolved.is_relative_to(repo_root):
        return None
    return Location(resolved.relative_to(repo_root).as_posix(), position.line)


def _located(
    resource: EngineResource | None, by_urn: dict[str, EngineResource], repo_root: Path
) -> EngineResource | None:
    """The resource itself when the program constructed it, else its nearest ancestor the program constructed (a
    provider's or third-party component's children are reported where the program made the component)."""
    seen: set[str] = set()
    while resource is not None and resource.urn not in seen:
        seen.add(resource.urn)
        if resource.source_position is not None and _program_location(resource.source_position, repo_root):
            return resource
        resource = by_urn.get(resource.parent)
    return None


def source_location(
    resource: EngineResource | None, by_urn: dict[str, EngineResource], repo_root: Path
) -> Location | None:
    """Where the resource is constructed in the repository: its own source position, or its nearest ancestor's when
    it was constructed in library code (a provider, a third-party component)."""
    located = _located(resource, by_urn, repo_root)
    if located is None or located.source_position is None:
        return None
    return _program_location(located.source_position, repo_root)


def call_chain(
    resource: EngineResource | None, by_urn: dict[str, EngineResource], repo_root: Path
) -> tuple[Location, ...]:
    """The program's own frames that led to the resource's constructor (or its located ancestor's), innermost
    first: the constructor line, then each caller out to the program's entry point. The chain ends at the first frame
    that is not the program's (the runner that ran it, or library code calling back into the program)."""
    located = _located(resource, by_urn, repo_root)
    if located is None:
        return ()
    chain = []
    for position in located.stack_trace:
        frame = _program_location(position, repo_root)
        if frame is None:
            break
        chain.append(frame)
    return tuple(chain)


def _severity_name(severity: int) -> str:
    """`low` .. `critical` for a PolicySeverity, "" for POLICY_SEVERITY_UNSPECIFIED."""
    name = analyzer_pb2.PolicySeverity.Name(severity).removeprefix("POLICY_SEVERITY_").lower()
    return "" if name == "unspecified" else name


def _strip_description(message: str, description: str) -> str:
    prefix = f"{description}\n"
    return message[len(prefix) :] if description and message.startswith(prefix) else message


@dataclass
class _ReportContext:
    rules: dict[str, PolicyRule]
    by_urn: dict[str, EngineResource]
    repo_root: Path

    def violation(self, policy: str, level: str, severity: str, urn: str, message: str, **extra: Any) -> Violation:
        resource = self.by_urn.get(urn)
        rule = self.rules.get(policy)
        return Violation(
            policy=policy,
            enforcement_level=level,
            severity=severity or (rule.severity if rule else ""),
            resource_type=resource.type if resource else "",
            resource_name=resource.name if resource else "",
            urn=urn,
            message=message,
            location=source_location(resource, self.by_urn, self.repo_root),
            call_chain=call_chain(resource, self.by_urn, self.repo_root),
            **extra,
        )

    def from_diagnostic(self, diagnostic: Any, default_urn: str) -> Violation:
        text, finding = split_finding(_strip_description(diagnostic.message, diagnostic.description))
        return self.violation(
            diagnostic.policyName,
            level_name(diagnostic.enforcementLevel),
            _severity_name(diagnostic.severity),
            diagnostic.urn or default_urn,
            text,
            finding=finding,
        )

    def from_exemptions(self, policy: str, reason: str, default_urn: str) -> list[Violation]:
        rule = self.rules.get(policy)
        level = rule.enforcement_level if rule else "mandatory"
        found = []
        for entry in exempted_entries(reason):
            if not isinstance(entry, dict):
                continue
            urn = str(entry.get("urn") or default_urn)
            if not entry.get("reason"):
                # The check also met an unknown value: the "cannot decide" note it would have made on its own.
                found.append(self.violation(policy, "advisory", "", urn, str(entry.get("message", ""))))
                continue
            found.append(
                self.violation(
                    policy,
                    level,
                    "",
                    urn,
                    str(entry.get("message", "")),
                    finding=str(entry.get("finding", "")),
                    exemption_reason=str(entry["reason"]),
                )
            )
        return found

    def from_response(self, response: analyzer_pb2.AnalyzeResponse, default_urn: str) -> list[Violation]:
        found = [self.from_diagnostic(diagnostic, default_urn) for diagnostic in response.diagnostics]
        for entry in response.not_applicable:
            if is_exemption_report(entry.reason):
                found += self.from_exemptions(entry.policy_name, entry.reason, default_urn)
        return found


def policy_rules(info: analyzer_pb2.AnalyzerInfo, config: ReconciledConfig) -> list[PolicyRule]:
    rules = []
    for policy in info.policies:
        entry = config.entries.get(policy.name)
        rules.append(
            PolicyRule(
                name=policy.name,
                description=policy.description,
                enforcement_level=entry.enforcement_level if entry else level_name(policy.enforcementLevel),
                severity=_severity_name(policy.severity),
                remediation=policy.remediation_steps,
                tags=tuple(policy.tags),
                url=policy.url,
            )
        )
    return rules


def build_report(
    capture: Capture,
    *,
    project: ProjectSpec,
    pack: PackSpec,
    info: analyzer_pb2.AnalyzerInfo,
    config: ReconciledConfig,
    analysis: Analysis,
    resources: Sequence[EngineResource],
) -> GateReport:
    repo_root = repository_root(project.root)
    rules = policy_rules(info, config)
    context = _ReportContext({rule.name: rule for rule in rules}, {r.urn: r for r in resources}, repo_root)
    violations = []
    warnings = list(config.warnings)
    for item in analysis.resources:
        violations += context.from_response(item.response, item.resource.urn)
        warnings += [f"remediation on {item.resource.urn}: {note}" for note in item.remediation_notes]
    violations += context.from_response(analysis.stack, "")
    return GateReport(
        project=capture.project,
        stack=capture.stack,
        preview=capture.preview,
        pack_name=info.name,
        pack_version=pack.version,
        resources=len(analysis.resources),
        rules=rules,
        violations=violations,
        stack_file=(project.root / "Pulumi.yaml").relative_to(repo_root).as_posix(),
        warnings=warnings,
        not_analysed=list(capture.not_analysed),
    )
