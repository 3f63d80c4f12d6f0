"""The local AWS: a moto server on loopback, with IAM enforcement the suite switches on after the deploy.

moto runs in this process (ThreadedMotoServer on 127.0.0.1, a free port), so gaps in its authorization can be closed
here instead of being lived with (see `close_authorization_gaps`). With enforcement on, every request needs
credentials moto knows: the suite's own calls use an administrator user created after the deploy, the functions use
their roles' assumed-role credentials.
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

from moto.server import ThreadedMotoServer

from integration_tests.local_target.clients import Credentials

ADMIN_USER = "integration-suite-admin"
_ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
_UNCHECKED = "*"
LOAD_MANAGED_POLICIES = "MOTO_IAM_LOAD_MANAGED_POLICIES"


def _secret_arn(response: Any) -> str:
    from moto.secretsmanager.models import secretsmanager_backends

    secret_id = response._get_param("SecretId")
    backend = secretsmanager_backends[response.current_account][response.region]
    secret = backend.secrets.get(secret_id) if secret_id else None
    return secret.arn if secret is not None else _UNCHECKED


def _key_arn(response: Any) -> str:
    from moto.kms.models import kms_backends

    key_id = response._get_param("KeyId")
    backend = kms_backends[response.current_account][response.region]
    try:
        return str(backend.describe_key(key_id).arn) if key_id else _UNCHECKED
    except Exception:
        # An unknown key: authorised against `*`, then moto answers NotFound as KMS would.
        return _UNCHECKED


def _signed_payload_of_bodyless_requests() -> None:
    """moto recomputes a request's SigV4 signature over its parsed parameters when the body is empty; for REST-JSON
    GETs (Lambda, API Gateway) those hold the headers, so every such call fails SignatureDoesNotMatch. The payload a
    client signs for a request without a body is empty: sign that."""
    from moto.iam.access_control import IAMRequestBase

    original = IAMRequestBase._create_aws_request
    if getattr(original, "_bodyless_fixed", False):
        return

    def create_aws_request(self: Any) -> Any:
        request = original(self)
        if not self._body and self._method in ("GET", "HEAD", "DELETE"):
            request.data = b""
        return request

    create_aws_request._bodyless_fixed = True  # type: ignore[attr-defined]
    IAMRequestBase._create_aws_request = create_aws_request  # type: ignore[method-assign]


def close_authorization_gaps() -> None:
    """Make moto's IAM enforcement judge the calls the functions make as IAM does.

    Bodyless GETs (Lambda, API Gateway) must pass moto's signature check (`_signed_payload_of_bodyless_requests`).
    And moto evaluates identity policies against the resource its response class reports (`_determine_resource`):
    only SQS, S3, IAM and STS report one, every other call is checked against `*`, so a statement scoped to one
    secret's ARN never matches and a correctly scoped GetSecretValue is denied. Reporting the secret's (or key's) ARN
    lets the function's real, scoped policy be judged. Fails loudly if moto stops consulting the hook.
    """
    from moto.core.responses import BaseResponse
    from moto.kms.responses import KmsResponse
    from moto.secretsmanager.responses import SecretsManagerResponse

    if "_determine_resource" not in BaseResponse.call_action.__code__.co_names:
        raise RuntimeError("moto no longer asks responses for `_determine_resource`; revisit moto_server.py")
    SecretsManagerResponse._determine_resource = _secret_arn  # type: ignore[attr-defined]
    KmsResponse._determine_resource = _key_arn  # type: ignore[attr-defined]
    _signed_payload_of_bodyless_requests()


class LocalAws:
    """One moto server for the session. `endpoint` is its URL; `close` stops it."""

    def __init__(self) -> None:
        close_authorization_gaps()
        # A program may attach AWS managed policies (arn:aws:iam::aws:policy/...); moto knows them only on request.
        self._saved_managed_policies = os.environ.get(LOAD_MANAGED_POLICIES)
        os.environ[LOAD_MANAGED_POLICIES] = "true"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self._post("/moto-api/reset", b"")
        # Until enforce_iam(), moto accepts any credentials: these only have to look like keys.
        self.bootstrap = Credentials("bootstrap-access-key", "bootstrap-secret-key")

    def _post(self, path: str, body: bytes) -> None:
        request = urllib.request.Request(  # noqa: S310 - a fixed http URL on loopback
            self.endpoint + path, data=body, method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()

    def session(self, credentials: Credentials, region: str) -> Any:
        return credentials.session(region)

    def client(self, service: str, region: str, credentials: Credentials) -> Any:
        return self.session(credentials, region).client(service, endpoint_url=self.endpoint)

    def create_admin(self) -> Credentials:
        """An IAM user allowed everything, for the suite's own calls once enforcement is on."""
        iam = self.client("iam", "us-east-1", self.bootstrap)
        iam.create_user(UserName=ADMIN_USER)
        iam.put_user_policy(UserName=ADMIN_USER, PolicyName="everything", PolicyDocument=json.dumps(_ADMIN_POLICY))
        key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
        return Credentials(key["AccessKeyId"], key["SecretAccessKey"])

    def assume_role(self, role_arn: str, region: str, session_name: str) -> Credentials:
        """The role's credentials, taken before enforcement: moto cannot evaluate a service principal's trust."""
        sts = self.client("sts", region, self.bootstrap)
        issued = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64])["Credentials"]
        return Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])

    def enforce_iam(self) -> None:
        """From now on moto authenticates every request and authorises it against the caller's IAM policies."""
        self._post("/moto-api/reset-auth", b"0")

    def close(self) -> None:
        self._post("/moto-api/reset-auth", b"inf")
        self._server.stop()
        if self._saved_managed_policies is None:
            os.environ.pop(LOAD_MANAGED_POLICIES, None)
        else:
            os.environ[LOAD_MANAGED_POLICIES] = self._saved_managed_policies
