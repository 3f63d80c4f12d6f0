"""pulumi-policy's tests/integration/integration_test.go, as data: per scenario, its steps and what each must report.

A step runs the program with `scenario` = its number in the stack config, then the gate with the scenario's Python
pack, and checks the exit status and that every expected finding (level, policy, resource, message) is reported;
like the Go test, it does not forbid others (the engine also analyses the default providers). `mode` is the CLI
command the Go test's step stands for; a step the Go test runs under `pulumi up` whose finding comes from the
preview that `up` runs first is checked in preview mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DYNAMIC = "pulumi-nodejs:dynamic:Resource"


@dataclass(frozen=True)
class Finding:
    """One expected policy violation: `[level]  policy  (type: name)` and its message, as the CLI prints them."""

    level: str
    policy: str
    message: str
    resource: tuple[str, str] | None = None  # (type, name); None for a stack policy that names no resource


@dataclass(frozen=True)
class Step:
    number: int
    findings: tuple[Finding, ...] = ()
    advisory_only: bool = False
    mode: str = "up"

    @property
    def exit_code(self) -> int:
        return 1 if self.findings and not self.advisory_only else 0


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: tuple[Step, ...]
    config: dict[str, str] = field(default_factory=dict)


def _uuid_keepers(name: str) -> Finding:
    return Finding(
        "mandatory",
        "randomuuid-no-keepers",
        "RandomUuid must not have an empty 'keepers'.",
        ("random:index/randomUuid:RandomUuid", name),
    )


def _dynamic(policy: str, message: str, name: str) -> Finding:
    return Finding("mandatory", policy, message, (DYNAMIC, name))


def _always(level: str) -> tuple[Finding, ...]:
    return (
        Finding(
            level,
            "validate-resource",
            "validate-resource-violation-message",
            ("random:index/randomString:RandomString", "str"),
        ),
        Finding(level, "validate-stack", "validate-stack-violation-message"),
    )


def _stack(policy: str, message: str, resource: tuple[str, str] | None = None) -> Finding:
    return Finding("mandatory", policy, message, resource)


# integration_test.go, TestEnforcementLevel: step N's pack and policy levels are the pack's own `scenarios[N]`.
_ENFORCEMENT_STEPS = {
    1: "advisory",
    2: None,
    3: "mandatory",
    4: "advisory",
    6: None,
    7: "mandatory",
    11: "mandatory",
    16: "advisory",
}

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("validate_python_resource", (Step(1, (_uuid_keepers("r1"),)), Step(2, (_uuid_keepers("r2"),)), Step(3))),
    Scenario(
        "validate_resource",
        (
            Step(2),
            Step(3, (_dynamic("dynamic-no-state-with-value-1", "'state' must not have the value 1.", "a"),)),
            Step(5, (_dynamic("dynamic-no-state-with-value-3-or-4", "'state' must not have the value 3.", "c"),)),
            Step(6, (_dynamic("dynamic-no-state-with-value-3-or-4", "'state' must not have the value 4.", "d"),)),
            Step(7, (_uuid_keepers("r1"),)),
            Step(8),
            Step(9, (_dynamic("dynamic-no-state-with-value-5", "'state' must not have the value 5.", "e"),)),
            Step(11),
        ),
    ),
    Scenario("resource_options", (Step(1), Step(2))),
    Scenario("parent_dependencies", (Step(1),)),
    Scenario("provider", (Step(1),)),
    Scenario(
        "unknown_values",
        (
            Step(
                1,
                (
                    Finding(
                        "advisory",
                        "unknown-values-resource-validation",
                        "can't run policy 'unknown-values-resource-validation' from policy pack "
                        "'unknown-values-policy@v0.0.1' during preview: "
                        "string value at .prefix can't be known during preview",
                        ("random:index/randomPet:RandomPet", "pet"),
                    ),
                    Finding(
                        "advisory",
                        "unknown-values-stack-validation",
                        "can't run policy 'unknown-values-stack-validation' from policy pack "
                        "'unknown-values-policy@v0.0.1' during preview: "
                        "string value at .prefix can't be known during preview",
                    ),
                ),
                advisory_only=True,
                mode="preview",
            ),
        ),
        config={"aws:region": "us-west-2"},
    ),
    Scenario(
        "enforcementlevel",
        tuple(
            Step(number, _always(level) if level else (), advisory_only=level == "advisory")
            for number, level in _ENFORCEMENT_STEPS.items()
        ),
    ),
    Scenario("runtime_data", (Step(1),), config={"aConfigValue": "this value is a value", "aws:region": "us-west-2"}),
    Scenario(
        "validate_stack",
        (
            Step(2),
            Step(3, (_stack("dynamic-no-state-with-value-1", "'state' must not have the value 1."),)),
            Step(5, (_stack("dynamic-no-state-with-value-3", "'state' must not have the value 3.", (DYNAMIC, "c")),)),
            Step(7, (_stack("no-randomstrings", "RandomString resources are not allowed."),)),
            # A stack policy at `remediate` is reported as mandatory (step_generator.go, AnalyzeResources).
            Step(10, (_stack("dynamic-no-foo-with-value-bar", "'foo' must not have the value 'bar'."),)),
        ),
    ),
    Scenario("deserialize", (Step(1),)),
)
