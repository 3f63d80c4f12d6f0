"""Which types a deploy creates in moto: type token -> creator, one table per service."""

from __future__ import annotations

from integration_tests.local_target import apigateway, iam, kms, lambda_functions, logs, messaging, s3, secrets
from integration_tests.local_target.creation import Creator

CREATORS: dict[str, Creator] = {
    **kms.CREATORS,
    **s3.CREATORS,
    **messaging.CREATORS,
    **iam.CREATORS,
    **secrets.CREATORS,
    **lambda_functions.CREATORS,
    **logs.CREATORS,
    **apigateway.CREATORS,
}

MATERIALISED_TYPES = frozenset(CREATORS)
