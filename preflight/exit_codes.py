"""The exit codes of every preflight command: 0 clean, 1 only for findings that must block, 2 for a broken program,
pack or configuration, 130 when interrupted (128 + SIGINT, the shell's convention)."""

from typing import Final

EXIT_OK: Final = 0
EXIT_FINDINGS: Final = 1
EXIT_ERROR: Final = 2
EXIT_INTERRUPTED: Final = 130
