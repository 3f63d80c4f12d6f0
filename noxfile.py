"""Every check this repository runs, as nox sessions. `nox` alone runs what a pull request runs.

Each session builds its own virtualenv with uv. Checkov gets a virtualenv of its own because its pins
(packaging<24, boto3==1.35.49) cannot live beside pulumi's.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = False
nox.options.sessions = ["lint", "unit"]

PYTHON = "3.11"
LAYERED_DIRS = ["infrastructure", "policies", "functions", "preflight", "unit_tests", "integration_tests", "noxfile.py"]


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint and format) and mypy over every package."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "preflight", "infrastructure", "policies", "functions")


@nox.session(python=PYTHON)
def unit(session: nox.Session) -> None:
    """The unit suite: the program under mocks, the offline engine, the functions; coverage of the program and engine."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "--cov",
        "--cov-report=term",
        "--cov-fail-under=90",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def preview(session: nox.Session) -> None:
    """The offline preview of a stack (default: dev): what it would create, per region and type."""
    session.install("-e", ".")
    stack = session.posargs[0] if session.posargs else "dev"
    session.run("python", "-m", "preflight", "preview", "--stack", stack)
