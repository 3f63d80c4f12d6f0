"""Default providers: which the engine denies, and what it configures them with."""

from __future__ import annotations

import pytest

from preflight.engine import default_providers
from preflight.engine.default_providers import DISABLE_KEY, DefaultProviderError


@pytest.mark.parametrize(
    ("listed", "denied"),
    [('["aws"]', True), ('[" * "]', True), ('["random"]', False), ("", False), ("[]", False)],
)
def test_the_disable_list_names_packages_or_everything(listed: str, denied: bool) -> None:
    assert default_providers.is_denied("aws", {DISABLE_KEY: listed}) is denied


def test_the_pulumi_package_and_an_unset_list_are_never_denied() -> None:
    assert not default_providers.is_denied("pulumi", {DISABLE_KEY: '["*"]'})
    assert not default_providers.is_denied("aws", {})


@pytest.mark.parametrize(
    ("listed", "message"),
    [("aws", "Failed to parse aws"), ('{"a": 1}', "expected a JSON list"), ("[1]", r"\[0\] must be a string")],
)
def test_an_unreadable_disable_list_is_an_error(listed: str, message: str) -> None:
    with pytest.raises(DefaultProviderError, match=message):
        default_providers.is_denied("aws", {DISABLE_KEY: listed})


def test_the_default_provider_takes_its_packages_config_and_the_requested_version() -> None:
    config = {"aws:region": "eu-west-1", "aws:skipCredentialsValidation": "true", "demo:region": "x"}
    assert default_providers.default_provider_inputs("aws", "7.51.1", config) == {
        "region": "eu-west-1",
        "skipCredentialsValidation": "true",
        "version": "7.51.1",
    }
    assert default_providers.default_provider_key("aws", "") == ("aws", "default")


def test_a_dynamic_provider_gets_the_whole_config_with_namespaces() -> None:
    config = {"aws:region": "eu-west-1", "demo:scenario": "1"}
    assert default_providers.package_config("pulumi-nodejs", config) == config
    assert default_providers.package_config("pulumi-python", config) == config
