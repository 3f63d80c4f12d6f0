"""Rotation of the signing secret (pipeline_api/key_rotation.py, rotation_handler.py) and the API's key set during
and after it (pipeline_api/signing_key.py), against moto's Secrets Manager.

moto's RotateSecret would invoke the rotation function through its own Lambda, which cannot run code here, so
`SecretsManagerService` stands in for the service's side of the protocol: it labels a new version AWSPENDING and
calls the function with the four steps, as RotateSecret does.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
import rotation_handler
from moto.core import DEFAULT_ACCOUNT_ID
from moto.secretsmanager.models import secretsmanager_backends

from pipeline_api import entrypoint, signing_key
from pipeline_api.key_rotation import STEPS, RotationError, SigningKeyRotation, new_key
from unit_tests.functions.support import (
    REGION,
    SIGNING_KEY,
    Api,
    FakeClock,
    FakeLambdaContext,
    MotoAccount,
    pipeline_event,
)

ROTATION_FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{DEFAULT_ACCOUNT_ID}:function:signing-key-rotation"


class SecretsManagerService:
    """What Secrets Manager does around the rotation function: enable rotation, start a rotation, call each step."""

    def __init__(self, account: MotoAccount) -> None:
        self.account = account
        self.keys = (f"rotated-unit-test-key-{n}-not-a-secret" for n in itertools.count(1))
        self.rotation = SigningKeyRotation(account.secretsmanager, generate=lambda: next(self.keys))

    def _secret(self) -> Any:
        return secretsmanager_backends[DEFAULT_ACCOUNT_ID][REGION].secrets.get(self.account.secret_arn)

    def enable(self) -> None:
        secret = self._secret()
        secret.rotation_requested = True
        secret.rotation_enabled = True
        secret.rotation_lambda_arn = ROTATION_FUNCTION_ARN
        secret.auto_rotate_after_days = 30

    def begin(self) -> str:
        """A new version id labelled AWSPENDING, with no value yet: what RotateSecret creates before createSecret."""
        token = str(uuid.uuid4())
        secret = self._secret()
        secret.remove_version_stages_from_old_versions(["AWSPENDING"])
        secret.versions[token] = {"createdate": 0, "version_id": token, "version_stages": ["AWSPENDING"]}
        return token

    def step(self, step: str, token: str) -> None:
        self.rotation.run({"Step": step, "SecretId": self.account.secret_arn, "ClientRequestToken": token})

    def rotate(self) -> str:
        token = self.begin()
        for step in STEPS:
            self.step(step, token)
        return self.value("AWSCURRENT")

    def value(self, stage: str) -> str:
        client = self.account.secretsmanager
        return str(client.get_secret_value(SecretId=self.account.secret_arn, VersionStage=stage)["SecretString"])


class GetSecretValueCounter:
    """Counts GetSecretValue calls for the AWSCURRENT version: one per read of the key set."""

    def __init__(self, client: Any) -> None:
        self.reads = 0
        client.meta.events.register("provide-client-params.secrets-manager.GetSecretValue", self._count)

    def _count(self, params: dict[str, Any], **_: Any) -> None:
        if params.get("VersionStage") == "AWSCURRENT" and "VersionId" not in params:
            self.reads += 1


@pytest.fixture
def service(moto_account: MotoAccount) -> SecretsManagerService:
    manager = SecretsManagerService(moto_account)
    manager.enable()
    return manager


def test_a_rotation_makes_a_new_key_current_and_the_old_one_previous(service: SecretsManagerService) -> None:
    new = service.rotate()
    assert new == "rotated-unit-test-key-1-not-a-secret"
    assert service.value("AWSPREVIOUS") == SIGNING_KEY


def test_every_step_can_run_again_without_changing_the_outcome(service: SecretsManagerService) -> None:
    token = service.begin()
    for step in STEPS:
        service.step(step, token)
        service.step(step, token)
    assert service.value("AWSCURRENT") == "rotated-unit-test-key-1-not-a-secret"
    assert service.value("AWSPREVIOUS") == SIGNING_KEY
    # createSecret ran twice with one token and generated one key.
    assert next(service.keys) == "rotated-unit-test-key-2-not-a-secret"


def test_the_real_key_generator_makes_distinct_256_bit_hex_keys() -> None:
    keys = {new_key() for _ in range(3)}
    assert len(keys) == 3
    assert all(len(key) == 64 and int(key, 16) >= 0 for key in keys)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"Step": "dropSecret"}, "unknown rotation step"),
        ({"Step": "createSecret", "ClientRequestToken": ""}, "SecretId and ClientRequestToken"),
    ],
)
def test_a_malformed_request_is_refused(service: SecretsManagerService, event: dict[str, Any], message: str) -> None:
    with pytest.raises(RotationError, match=message):
        service.rotation.run({"SecretId": service.account.secret_arn, **event})


def test_a_secret_without_rotation_enabled_is_not_rotated(moto_account: MotoAccount) -> None:
    manager = SecretsManagerService(moto_account)
    token = manager.begin()
    with pytest.raises(RotationError, match="does not have rotation enabled"):
        manager.step("createSecret", token)


def test_an_unknown_or_unlabelled_version_is_refused(service: SecretsManagerService) -> None:
    with pytest.raises(RotationError, match="has no version"):
        service.step("createSecret", str(uuid.uuid4()))
    token = service.begin()
    service._secret().versions[token]["version_stages"] = []
    with pytest.raises(RotationError, match="is not labelled AWSPENDING"):
        service.step("createSecret", token)


def test_a_pending_key_too_short_or_unchanged_fails_the_test_step(service: SecretsManagerService) -> None:
    for bad_key, message in (("short", "shorter than 16 bytes"), (SIGNING_KEY, "equals the current one")):
        token = service.begin()
        service.account.secretsmanager.put_secret_value(
            SecretId=service.account.secret_arn,
            ClientRequestToken=token,
            SecretString=bad_key,
            VersionStages=["AWSPENDING"],
        )
        with pytest.raises(RotationError, match=message):
            service.step("testSecret", token)
    assert service.value("AWSCURRENT") == SIGNING_KEY


def test_the_lambda_entry_point_runs_a_step(service: SecretsManagerService) -> None:
    token = service.begin()
    rotation_handler.handler(
        {"Step": "createSecret", "SecretId": service.account.secret_arn, "ClientRequestToken": token},
        FakeLambdaContext(),
    )
    pending = service.value("AWSPENDING")
    assert pending != SIGNING_KEY
    assert len(pending) == 64


def test_callers_holding_the_previous_key_keep_working_until_the_next_rotation(
    api: Api, service: SecretsManagerService, clock: FakeClock
) -> None:
    """Seed row 42: two valid keys during rotation, so callers switch without a refused request."""
    assert api.post_event(pipeline_event(executionId="before")).status == 202
    first = service.rotate()
    clock.advance(301)
    assert api.post_event(pipeline_event(executionId="old-key"), key=SIGNING_KEY).status == 202
    assert api.post_event(pipeline_event(executionId="new-key"), key=first).status == 202

    second = service.rotate()
    clock.advance(301)
    assert api.post_event(pipeline_event(executionId="two-behind"), key=SIGNING_KEY).status == 401
    assert api.post_event(pipeline_event(executionId="one-behind"), key=first).status == 202
    assert api.post_event(pipeline_event(executionId="current"), key=second).status == 202


def test_a_key_read_mid_rotation_is_accepted(api: Api, service: SecretsManagerService, clock: FakeClock) -> None:
    token = service.begin()
    service.step("createSecret", token)
    pending = service.value("AWSPENDING")
    assert api.post_event(pipeline_event(executionId="pending"), key=pending).status == 202
    assert api.post_event(pipeline_event(executionId="current"), key=SIGNING_KEY).status == 202


def test_a_freshly_rotated_key_is_accepted_before_the_cache_expires(
    api: Api, service: SecretsManagerService, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache (300 s) holds the keys from before the rotation; a signature none of them made reads them again."""
    monkeypatch.setenv("SECRET_CACHE_SECONDS", "300")
    assert api.post_event(pipeline_event(executionId="warm")).status == 202
    new = service.rotate()
    clock.advance(signing_key.REFRESH_MIN_INTERVAL_SECONDS)
    assert api.post_event(pipeline_event(executionId="new"), key=new).status == 202


def test_forged_signatures_read_the_secret_at_most_once_per_refresh_interval(
    api: Api, moto_account: MotoAccount, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_CACHE_SECONDS", "300")
    counter = GetSecretValueCounter(moto_account.secretsmanager)
    entrypoint.reset(clock=clock, secretsmanager=moto_account.secretsmanager)
    assert api.post_event(pipeline_event(executionId="warm")).status == 202
    assert counter.reads == 1
    clock.advance(1)
    for attempt in range(5):
        assert (
            api.post_event(pipeline_event(executionId=f"forged-{attempt}"), key="forged-key-0123456789").status == 401
        )
    assert counter.reads == 1
    clock.advance(signing_key.REFRESH_MIN_INTERVAL_SECONDS)
    assert api.post_event(pipeline_event(executionId="forged-late"), key="forged-key-0123456789").status == 401
    assert counter.reads == 2


def test_the_key_set_is_read_once_per_cache_period(
    api: Api, moto_account: MotoAccount, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_CACHE_SECONDS", "300")
    entrypoint.reset(clock=clock, secretsmanager=moto_account.secretsmanager)
    counter = GetSecretValueCounter(moto_account.secretsmanager)
    for execution in ("e1", "e2", "e3"):
        assert api.post_event(pipeline_event(executionId=execution)).status == 202
    assert counter.reads == 1
    clock.advance(299)
    assert api.post_event(pipeline_event(executionId="e4")).status == 202
    assert counter.reads == 1
    clock.advance(2)
    assert api.post_event(pipeline_event(executionId="e5")).status == 202
    assert counter.reads == 2
