"""Child processes (the program, a policy pack) that die with the gate, even when the gate is killed."""

from __future__ import annotations

import os
import sys
from typing import Final

# Run before a child's own interpreter (the program's, a pack's) on Linux: prctl(PR_SET_PDEATHSIG, SIGKILL), so the
# kernel kills the child when the gate dies, even by SIGKILL (where no handler or atexit runs), then exec the CLI's
# command unchanged. A launcher rather than a preexec_fn: a preexec_fn makes subprocess fork() a process full of gRPC
# threads.
_DIE_WITH_PARENT: Final = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    os._exit(1)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def tied_to_this_process(command: list[str]) -> list[str]:
    """`command` behind the parent-death launcher on Linux; elsewhere the process group and exit handlers do."""
    if not sys.platform.startswith("linux"):
        return command
    # This interpreter runs the launcher: the child's own may be node (a Node.js pack).
    return [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *command]
