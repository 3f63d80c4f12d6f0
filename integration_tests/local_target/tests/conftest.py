"""Fixtures for the local target's own tests: a moto server of their own, in a child process.

moto keeps its backends per process, and the suite's target (started when the session starts) resets them and
switches IAM enforcement on for the whole process: a second server in this process would share both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

# Prints the server's URL, then serves until its stdin closes.
_MOTO_PROCESS = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
print(f"http://{host}:{port}", flush=True)
sys.stdin.read()
server.stop()
"""


@pytest.fixture(scope="package")
def moto_endpoint() -> Iterator[str]:
    # The test program attaches an AWS managed policy; moto knows those only when asked to load them.
    environment = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    process = subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", _MOTO_PROCESS],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    assert process.stdout is not None
    assert process.stdin is not None
    endpoint = process.stdout.readline().strip()
    try:
        if not endpoint.startswith("http://127.0.0.1:"):
            process.kill()
            _, errors = process.communicate(timeout=10)
            pytest.fail(f"the moto server process did not start: {errors.strip() or endpoint!r}", pytrace=False)
        yield endpoint
    finally:
        if process.poll() is None:
            process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
