"""What a deploy into moto leaves: the resources it created, the functions it stored, what it only recorded."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preflight import Capture, ProgramError


class DeployError(ProgramError):
    """A resource on the request path could not be created in moto. The message names the resource."""


@dataclass(frozen=True)
class MaterialisedResource:
    type: str
    name: str
    region: str
    id: str


@dataclass(frozen=True)
class FunctionCode:
    """Where a deployed function's code came from, so a local adapter can run that code in-process."""

    function_name: str
    function_arn: str
    region: str
    handler: str
    code_path: Path | None  # the directory or zip the program pointed at; None when it named none that exists


@dataclass
class Deployment:
    """What one deploy left in moto."""

    endpoint: str
    capture: Capture
    materialised: list[MaterialisedResource]
    not_materialised: dict[str, int]  # type token -> how many resources of it were only recorded
    functions: list[FunctionCode]
    adjustments: list[str] = field(default_factory=list)  # what was stored differently from the program, and why

    @property
    def outputs(self) -> dict[str, Any]:
        return self.capture.outputs

    def materialised_types(self) -> dict[str, int]:
        return dict(sorted(Counter(r.type for r in self.materialised).items()))
