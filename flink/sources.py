"""The production source: the Kinesis answer stream, via the AWS connector.

``kinesis_source`` builds the connector's ``KinesisStreamsSource`` (the FLIP-27
source of ``flink-connector-aws-kinesis-streams``, 5.x for Flink 1.19/1.20,
6.x for Flink 2.x) through the Java gateway: PyFlink 2.3 ships a Python
wrapper only for the legacy ``FlinkKinesisConsumer``, which the 2.x connector
no longer contains. Records are read as UTF-8 strings, partition key = session
id, so each session's answers sit on one shard, in order. The connector jar is
not part of PyFlink; without it the class lookup fails and
``ConnectorMissing`` says which jar to add (see flink/README.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

from pyflink.common import Configuration, Types, WatermarkStrategy
from pyflink.common.serialization import SimpleStringSchema
from pyflink.datastream import DataStream, StreamExecutionEnvironment
from pyflink.datastream.connectors import Source
from pyflink.java_gateway import get_gateway

from adapters.aws_messaging.client import aws_client, unavailable
from flink.settings import JobSettings

SOURCE_CLASS = "org.apache.flink.connector.kinesis.source.KinesisStreamsSource"
CONNECTOR_JAR = "flink-sql-connector-aws-kinesis-streams-<version>.jar"


class ConnectorMissing(RuntimeError):
    """The Kinesis connector's classes are not on the job's class path."""


def connector_class(name: str = SOURCE_CLASS) -> Any:
    """Return a Java class through the gateway; raise ``ConnectorMissing`` if absent."""
    gateway = get_gateway()
    # py4j answers a JavaPackage for any dotted name it cannot load as a class.
    found = gateway.jvm
    for part in name.split("."):
        found = getattr(found, part)
    if type(found).__name__ != "JavaClass":
        raise ConnectorMissing(
            f"{name} is not on the class path: add the Kinesis connector jar "
            f"({CONNECTOR_JAR}, built for this Flink version) with `flink run -j`, "
            "QUIZ_FLINK_JARS, /opt/flink/lib or Managed Flink's jarfile property"
        )
    return found


def kinesis_source(
    env: StreamExecutionEnvironment, stream_arn: str, settings: JobSettings
) -> DataStream:
    """Return the stream of records of the Kinesis stream ``stream_arn``."""
    source_class = connector_class()
    config = Configuration()
    config.set_string("aws.region", settings.aws_region)
    if settings.aws_endpoint_url:
        config.set_string("aws.endpoint", settings.aws_endpoint_url)
    config.set_string("source.init.position", settings.flink_initial_position)
    j_source = (
        source_class.builder()
        .setStreamArn(stream_arn)
        .setSourceConfig(config._j_configuration)
        .setDeserializationSchema(SimpleStringSchema()._j_deserialization_schema)
        .build()
    )
    return env.from_source(
        Source(j_source), WatermarkStrategy.no_watermarks(), "kinesis-answers", Types.STRING()
    ).uid("kinesis-answers")


async def stream_arn(settings: JobSettings) -> str:
    """Return the ARN of ``settings.kinesis_stream`` (given as a name or an ARN)."""
    if settings.kinesis_stream.startswith("arn:"):
        return settings.kinesis_stream
    async with aws_client("kinesis", settings.aws_region, settings.aws_endpoint_url) as kinesis:
        with unavailable(f"Kinesis DescribeStreamSummary {settings.kinesis_stream}"):
            described = await kinesis.describe_stream_summary(StreamName=settings.kinesis_stream)
    return str(described["StreamDescriptionSummary"]["StreamARN"])


def resolve_stream_arn(settings: JobSettings) -> str:
    """Return the stream's ARN (one DescribeStreamSummary call for a name)."""
    return asyncio.run(stream_arn(settings))


def sibling_topic_arn(stream: str, topic: str) -> str:
    """Return ``topic`` as an ARN in the stream's partition, region and account."""
    if topic.startswith("arn:") or not stream.startswith("arn:"):
        return topic
    partition, _service, region, account = stream.split(":")[1:5]
    return f"arn:{partition}:sns:{region}:{account}:{topic}"
