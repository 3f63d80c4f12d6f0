"""Fixtures for the local target's own tests: a moto server of their own, in a child process.

moto keeps its backends per process, and the suite's target (started when the session starts) resets them and
switches IAM enforcement on for the whole process: a second server in this process would share both.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator

import pytest

# Prints the server's URL, then serves until it is terminated (or its stdin closes, should the test process die).
_MOTO_PROCESS = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
print(f"http://{host}:{port}", flush=True)
sys.stdin.read()
"""


@pytest.fixture(scope="package")
def moto_endpoint() -> Iterator[str]:
    # The test program attaches an AWS managed policy; moto knows those only when asked to load them.
    environment = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    # The server logs every request to stderr: a file, never a pipe nobody reads (a full pipe would stall it).
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script
            [sys.executable, "-c", _MOTO_PROCESS],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=environment,
        )
        try:
            assert process.stdout is not None
            endpoint = process.stdout.readline().strip()
            if not endpoint.startswith("http://127.0.0.1:"):
                process.kill()
                process.wait(timeout=10)
                log.seek(0)
                pytest.fail(f"the moto server process did not start: {log.read().strip() or endpoint!r}", pytrace=False)
            yield endpoint
        finally:
            # Nothing in the server needs a clean shutdown: its state dies with the process.
            process.terminate()
            process.communicate(timeout=10)
