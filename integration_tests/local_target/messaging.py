"""SQS queues and SNS topics in moto, their policies, and topic subscriptions."""

from __future__ import annotations

from integration_tests.local_target.creation import Creation, Creator, Result, json_text, tag_list

# Program input -> the attribute SQS or SNS stores it under.
QUEUE_ATTRIBUTES = {
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "policy": "Policy",
    "redrivePolicy": "RedrivePolicy",
    "redriveAllowPolicy": "RedriveAllowPolicy",
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
    "deduplicationScope": "DeduplicationScope",
    "fifoThroughputLimit": "FifoThroughputLimit",
}
TOPIC_ATTRIBUTES = {
    "displayName": "DisplayName",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "policy": "Policy",
    "deliveryPolicy": "DeliveryPolicy",
    "fifoTopic": "FifoTopic",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "tracingConfig": "TracingConfig",
    "signatureVersion": "SignatureVersion",
}
SUBSCRIPTION_ATTRIBUTES = {
    "rawMessageDelivery": "RawMessageDelivery",
    "filterPolicy": "FilterPolicy",
    "redrivePolicy": "RedrivePolicy",
}


def _queue(c: Creation) -> Result:
    name = c.physical_name()
    if c.get("fifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"
    sqs = c.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=c.attributes(QUEUE_ATTRIBUTES), tags=c.tags)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, {"name": name, "url": url, "arn": arn}


def _queue_policy(c: Creation) -> Result:
    url = c.get("queueUrl")
    c.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": json_text(c.get("policy"))})
    return url, {}


def _topic(c: Creation) -> Result:
    name = c.physical_name()
    attributes = c.attributes(TOPIC_ATTRIBUTES)
    arn = c.client("sns").create_topic(Name=name, Attributes=attributes, Tags=tag_list(c.tags))["TopicArn"]
    return arn, {"arn": arn, "name": name}


def _topic_policy(c: Creation) -> Result:
    arn = c.get("arn")
    c.client("sns").set_topic_attributes(
        TopicArn=arn, AttributeName="Policy", AttributeValue=json_text(c.get("policy"))
    )
    return arn, {}


def _topic_subscription(c: Creation) -> Result:
    # An empty filter or redrive policy means "none", as it does to the provider.
    given = {key: attribute for key, attribute in SUBSCRIPTION_ATTRIBUTES.items() if c.get(key) not in ("", [], {})}
    attributes = c.attributes(given)
    arn = c.client("sns").subscribe(
        TopicArn=c.get("topic"),
        Protocol=c.get("protocol"),
        Endpoint=c.get("endpoint"),
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return arn, {"arn": arn}


CREATORS: dict[str, Creator] = {
    "aws:sqs/queue:Queue": _queue,
    "aws:sqs/queuePolicy:QueuePolicy": _queue_policy,
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicPolicy:TopicPolicy": _topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": _topic_subscription,
}
