"""CI runs what the README tells a newcomer to run: .ci/run's commands are the quick start's, verbatim."""

from __future__ import annotations

import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def _commands(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def quick_start_commands(readme: str) -> list[str]:
    """The shell commands in the README's quick-start code block, comments left out."""
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the README's quick start has no bash block"
    return _commands(block.group(1).splitlines())


def ci_commands(script: str) -> list[str]:
    """.ci/run's commands after its preamble (shebang, `set`, `cd` to the repository)."""
    return [command for command in _commands(script.splitlines()) if not command.startswith(("set ", "cd ", "#!"))]


def test_ci_runs_the_quick_starts_install_and_test_commands_verbatim() -> None:
    readme = quick_start_commands((REPOSITORY / "README.md").read_text(encoding="utf-8"))
    ci = ci_commands((REPOSITORY / ".ci" / "run").read_text(encoding="utf-8"))
    # The README's list: install, the main job, the tests. CI runs the install and the tests.
    assert ci == [readme[0], readme[-1]]
    assert ci[-1].endswith("nox"), "CI's last command is the whole nox default run"


def test_the_quick_start_never_pip_installs_into_the_system_python() -> None:
    # Debian's python3 refuses `python3 -m pip install` (externally-managed-environment).
    for command in quick_start_commands((REPOSITORY / "README.md").read_text(encoding="utf-8")):
        assert "python3 -m pip install" not in command
        assert not command.startswith(("pip ", "nox ")), f"{command!r} runs outside the quick start's virtualenv"
