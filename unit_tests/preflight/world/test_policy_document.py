"""getPolicyDocument renders as the provider does (terraform-provider-aws policy_document_data_source.go)."""

from __future__ import annotations

import json
import zlib

import pytest

from preflight.world.policy_document import PolicyDocumentError, render


def test_the_assume_role_idiom_renders_byte_for_byte_as_the_provider_does() -> None:
    result = render(
        {
            "statements": [
                {
                    "actions": ["sts:AssumeRole"],
                    "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
                }
            ]
        }
    )
    expected = (
        "{\n"
        '  "Version": "2012-10-17",\n'
        '  "Statement": [\n'
        "    {\n"
        '      "Effect": "Allow",\n'
        '      "Action": "sts:AssumeRole",\n'
        '      "Principal": {\n'
        '        "Service": "lambda.amazonaws.com"\n'
        "      }\n"
        "    }\n"
        "  ]\n"
        "}"
    )
    assert result["json"] == expected
    assert result["minifiedJson"] == json.dumps(json.loads(expected), separators=(",", ":"))
    assert result["id"] == str(zlib.crc32(expected.encode()))


def test_lists_render_reverse_sorted_and_deduplicated_and_one_element_as_a_string() -> None:
    statement = json.loads(
        render(
            {
                "statements": [
                    {
                        "sid": "Read",
                        "effect": "Deny",
                        "actions": ["s3:GetObject", "s3:ListBucket", "s3:GetObject"],
                        "notResources": ["arn:aws:s3:::b/&{aws:username}"],
                        "principals": [
                            {"type": "AWS", "identifiers": ["arn:aws:iam::1:root", "arn:aws:iam::2:root"]},
                            {"type": "AWS", "identifiers": ["arn:aws:iam::3:root"]},
                        ],
                        "conditions": [
                            {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["2", "1"]},
                            {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]},
                        ],
                    }
                ]
            }
        )["json"]
    )["Statement"][0]
    assert list(statement) == ["Sid", "Effect", "Action", "NotResource", "Principal", "Condition"]
    assert statement["Action"] == ["s3:ListBucket", "s3:GetObject"]
    assert statement["NotResource"] == "arn:aws:s3:::b/${aws:username}"
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::2:root", "arn:aws:iam::1:root", "arn:aws:iam::3:root"]}
    assert statement["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"},
        "StringEquals": {"aws:SourceAccount": ["2", "1"]},
    }


def test_a_wildcard_principal_renders_as_a_star_but_an_aws_wildcard_stays_an_object() -> None:
    star = render({"statements": [{"actions": ["s3:*"], "principals": [{"type": "*", "identifiers": ["*"]}]}]})
    aws = render({"statements": [{"actions": ["s3:*"], "principals": [{"type": "AWS", "identifiers": ["*"]}]}]})
    assert json.loads(star["json"])["Statement"][0]["Principal"] == "*"
    assert json.loads(aws["json"])["Statement"][0]["Principal"] == {"AWS": "*"}


def test_source_documents_come_first_and_override_documents_replace_by_sid() -> None:
    source = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": "s3:Get*",
                                                                  "Resource": "*"}]})  # fmt: skip
    override = json.dumps({"Statement": [{"Sid": "B", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                                          "Principal": "*"}], "Id": "given"})  # fmt: skip
    document = json.loads(
        render(
            {
                "sourcePolicyDocuments": [source],
                "overridePolicyDocuments": [override],
                "statements": [{"sid": "B", "actions": ["s3:PutObject"], "resources": ["*"]},
                               {"actions": ["sqs:SendMessage"], "resources": ["*"]}],
            }
        )["json"]
    )  # fmt: skip
    assert document["Id"] == "given"
    assert [(s.get("Sid"), s["Effect"], s["Action"]) for s in document["Statement"]] == [
        ("A", "Allow", "s3:Get*"),
        ("B", "Deny", "s3:*"),
        (None, "Allow", "sqs:SendMessage"),
    ]
    assert document["Statement"][1]["Principal"] == "*"


def test_go_escapes_html_characters_in_the_rendered_json() -> None:
    result = render({"statements": [{"actions": ["s3:*"], "resources": ["arn:aws:s3:::a<b>&c"]}]})
    assert "\\u003c" in result["json"]
    assert "\\u0026" in result["json"]
    assert "<" not in result["json"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"statements": [{"effect": "Maybe"}]}, "effect 'Maybe'"),
        ({"statements": [{"sid": "A"}, {"sid": "A"}]}, "duplicate Sid (A)"),
        ({"sourcePolicyDocuments": ["not json"]}, "sourcePolicyDocuments[0] is not a JSON policy document"),
        ({"version": "2020-01-01"}, "version '2020-01-01'"),
        ({"statements": [{"actions": "s3:*"}]}, "`actions` must be a list"),
        ({"version": "2008-10-17", "statements": [{"resources": ["&{x}"]}]}, "not supported in document version"),
    ],
)
def test_documents_the_provider_rejects_fail_with_one_clear_message(args: dict, message: str) -> None:
    with pytest.raises(PolicyDocumentError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        render(args)
