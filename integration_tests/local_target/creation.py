"""What every creator is given and the conversions they share: program inputs (camelCase, secrets wrapped, numbers
as floats) into the parameters boto3 takes."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integration_tests.local_target.clients import MotoClients
from integration_tests.local_target.records import FunctionCode
from preflight import MOCK_ACCOUNT_ID, MOCK_PARTITION, SECRET_SIG

# moto answers every request with this account unless told otherwise; preflight's mocks use the same one, so ARNs
# of materialised and recorded resources agree.
MOTO_ACCOUNT_ID = MOCK_ACCOUNT_ID


def unwrap_secrets(value: Any) -> Any:
    """The plain value of inputs that may hold secret envelopes (the wire format of `pulumi.Output.secret`)."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) is not None and "value" in value:
            return unwrap_secrets(value["value"])
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def as_int(value: Any) -> int:
    return int(float(value))


def optional_int(value: Any) -> int | None:
    return None if value is None else as_int(value)


def optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def attribute_text(value: Any) -> str:
    """A value as SQS and SNS attributes take it: lower-case booleans, integral numbers without `.0`, JSON."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json_text(value) if isinstance(value, dict | list) else str(value)


def present(values: dict[str, Any]) -> dict[str, Any]:
    """The parameters the program set: boto3 rejects None, and an empty list or map means "not given" here."""
    return {k: v for k, v in values.items() if v is not None and v not in ([], {})}


def tag_list(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in sorted(tags.items())]


@dataclass
class Creation:
    """What a creator is given: the resource's inputs, its region, preflight's answer and the moto clients."""

    type: str
    name: str
    inputs: dict[str, Any]
    region: str
    answer: dict[str, Any]
    tags: dict[str, str]
    clients: MotoClients
    program_dir: Path
    record_function: Callable[[FunctionCode], None]
    adjust: Callable[[str], None]

    def client(self, service: str) -> Any:
        return self.clients.client(service, self.region)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.inputs.get(key)
        return default if value is None else value

    def physical_name(self, key: str = "name") -> str:
        """The name the program gave, else the auto-name preflight's answer chose (the provider's behaviour)."""
        given = self.inputs.get(key)
        if isinstance(given, str) and given:
            return given
        return str(self.answer.get(key) or self.answer.get("name") or self.name)

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{MOCK_PARTITION}:{service}:{self.region}:{MOTO_ACCOUNT_ID}:{resource}"

    def parameters(
        self, fields: Mapping[str, str], convert: Mapping[str, Callable[[Any], Any]] | None = None
    ) -> dict[str, Any]:
        """boto3 parameters from inputs: `fields` maps each parameter to the input it comes from; `convert` maps a
        parameter to the conversion its input needs. Inputs the program did not set are left out."""
        convert = convert or {}
        values = {parameter: self.get(key) for parameter, key in fields.items()}
        return present({p: convert[p](v) if p in convert and v is not None else v for p, v in values.items()})

    def attributes(self, names: Mapping[str, str]) -> dict[str, str]:
        """SQS/SNS attributes: `names` maps each input to its attribute name; only the inputs the program set."""
        return {
            attribute: attribute_text(self.inputs[key]) for key, attribute in names.items() if self.get(key) is not None
        }


Result = tuple[str, dict[str, Any]]
Creator = Callable[[Creation], Result]
