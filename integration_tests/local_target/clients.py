"""boto3 clients and sessions for a moto endpoint on loopback."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import boto3


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def session(self, region: str | None = None) -> Any:
        """A boto3 session with these credentials (typed Any: services are named by variables, which boto3-stubs
        cannot type)."""
        return boto3.session.Session(
            region_name=region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            aws_session_token=self.session_token,
        )


# Credentials for the deploy itself. moto accepts any until its IAM enforcement is switched on.
DEPLOY_CREDENTIALS = Credentials("preflight-deploy", "preflight-deploy")


class MotoClients:
    """boto3 clients for one moto endpoint, shared by the threads new_resource runs on.

    botocore clients are thread-safe once built, sessions are not: each client is built once, under a lock, from
    one session (which loads each service model once; a client per thread and session dominated the deploy).
    """

    def __init__(self, endpoint: str, credentials: Credentials) -> None:
        self.endpoint = endpoint
        self._session = credentials.session()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._session.client(service, region_name=region, endpoint_url=self.endpoint)
            return self._clients[key]
