"""What AWS reads back for settings a program leaves unset."""

from __future__ import annotations

from preflight.world.read_back import READ_BACK, read_back


def test_a_bucket_reads_back_sse_s3_and_no_logging_unless_the_program_set_them() -> None:
    state = read_back("aws:s3/bucket:Bucket", {"bucket": "b"}, "123456789012", "us-east-1")
    rule = state["serverSideEncryptionConfiguration"]["rule"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    assert state["logging"] is None
    assert state["grants"][0]["permissions"] == ["FULL_CONTROL"]
    given = {"serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": {}}}}
    assert "serverSideEncryptionConfiguration" not in read_back("aws:s3/bucket:Bucket", given, "1", "us-east-1")


def test_queue_function_and_key_read_back_awss_defaults() -> None:
    assert read_back("aws:sqs/queue:Queue", {}, "1", "r")["sqsManagedSseEnabled"] is True
    assert read_back("aws:lambda/function:Function", {}, "1", "r")["tracingConfig"] == {"mode": "PassThrough"}
    assert read_back("aws:kms/key:Key", {"keyUsage": None}, "1", "r")["keyUsage"] == "ENCRYPT_DECRYPT"
    assert read_back("aws:lambda/function:Function", {"timeout": 9.0}, "1", "r").get("timeout") is None
    assert read_back("aws:ec2/vpc:Vpc", {}, "1", "r") == {}


def test_answers_are_fresh_copies() -> None:
    first = read_back("aws:lambda/function:Function", {}, "1", "r")
    first["tracingConfig"]["mode"] = "Active"
    assert read_back("aws:lambda/function:Function", {}, "1", "r")["tracingConfig"] == {"mode": "PassThrough"}
    assert "aws:iam/role:Role" in READ_BACK
