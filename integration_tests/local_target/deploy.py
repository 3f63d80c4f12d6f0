"""Deploy a Pulumi program into a moto server: the integration suite's local target.

The program runs through preflight exactly as for a preview (`run_program`, preview=False), with mocks whose
`new_resource` really creates each resource on the request path in moto with boto3 and answers with moto's ids and
ARNs, so every later resource is wired to the real ones. Every other type gets preflight's AWS-like answer and is
recorded as not materialised. A type on the request path that moto refuses is a DeployError naming the resource.
The program is not changed for this.
"""

from __future__ import annotations

import asyncio
from typing import Any

from integration_tests.local_target.clients import Credentials
from integration_tests.local_target.moto_mocks import MotoDeployMocks
from integration_tests.local_target.records import DeployError, Deployment
from preflight import ProgramError, ProjectSpec, run_program


def _quiet_reported_failures() -> None:
    """The failed run leaves the SDK's futures for the refused resource holding the DeployError that `deploy` raises
    itself; asyncio would print each again ("Future exception was never retrieved") whenever it is collected."""
    loop = asyncio.get_event_loop_policy().get_event_loop()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not isinstance(context.get("exception"), DeployError):
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def deploy(
    project: ProjectSpec,
    endpoint: str,
    credentials: Credentials | None = None,
    extra_config: dict[str, str] | None = None,
) -> Deployment:
    """Run `project`'s program once, creating what is on the request path in the moto server at `endpoint`.

    Raises DeployError naming the first resource moto refused, ProgramError when the program itself fails.
    """
    deploy_mocks = MotoDeployMocks(endpoint, project.main, credentials)
    try:
        capture = run_program(project, preview=False, mock_impl=deploy_mocks, extra_config=extra_config)
    except ProgramError as exc:
        if deploy_mocks.failures:
            _quiet_reported_failures()
            raise DeployError("; ".join(deploy_mocks.failures)) from exc
        raise
    return Deployment(
        endpoint=endpoint,
        capture=capture,
        materialised=list(deploy_mocks.materialised),
        not_materialised=dict(sorted(deploy_mocks.not_materialised.items())),
        functions=list(deploy_mocks.functions),
        adjustments=sorted(deploy_mocks.adjustments),
    )
