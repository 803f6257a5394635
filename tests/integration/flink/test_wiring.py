"""What ``main()`` relies on besides the pipeline: settings, stream and topic ARNs.

The Kinesis source itself cannot run here (its connector jar is not part of
PyFlink and there is none offline); what can be checked is that its absence
is reported with the jar to add, rather than as a py4j error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.aws_messaging import aws_client
from flink.settings import JobSettings
from flink.sources import ConnectorMissing, kinesis_source, sibling_topic_arn, stream_arn
from tests.integration.contract.factories_dynamodb import REGION


def test_settings_come_from_quiz_variables_then_managed_flink_properties(
    tmp_path: Path,
) -> None:
    properties = tmp_path / "application_properties.json"
    properties.write_text(
        json.dumps(
            [
                {"PropertyGroupId": "kinesis.analytics.flink.run.options", "PropertyMap": {}},
                {
                    "PropertyGroupId": "quizcore",
                    "PropertyMap": {
                        "QUIZ_KINESIS_STREAM": "answers-prod",
                        "QUIZ_ANSWER_GRACE_MS": "250",
                    },
                },
            ]
        )
    )
    environ = {
        "QUIZ_AWS_REGION": "us-east-2",
        "QUIZ_KINESIS_STREAM": "answers-dev",
        "QUIZ_AWS_ENDPOINT_URL": "",
        "QUIZ_FLINK_PARALLELISM": "4",
        "QUIZ_FLINK_LOCAL": "true",
        "QUIZ_POSTGRES_DSN": "ignored: not a job setting",
    }

    settings = JobSettings.load(environ, properties)

    assert settings.aws_region == "us-east-2"
    assert settings.kinesis_stream == "answers-prod"  # the application property wins
    assert settings.answer_grace_ms == 250
    assert settings.aws_endpoint_url is None
    assert settings.flink_parallelism == 4
    assert settings.flink_local is True
    assert settings.dynamodb_answers_table == "quizcore-answers"


def test_a_malformed_number_is_refused_with_its_variable_name() -> None:
    with pytest.raises(ValueError, match="QUIZ_ANSWER_GRACE_MS"):
        JobSettings.from_mapping({"QUIZ_ANSWER_GRACE_MS": "soon"})


async def test_a_stream_name_resolves_to_its_arn(moto_endpoint: str, unique: str) -> None:
    async with aws_client("kinesis", REGION, moto_endpoint) as kinesis:
        await kinesis.create_stream(StreamName=f"answers-{unique}", ShardCount=1)
        described = await kinesis.describe_stream_summary(StreamName=f"answers-{unique}")
    settings = JobSettings(
        aws_region=REGION, aws_endpoint_url=moto_endpoint, kinesis_stream=f"answers-{unique}"
    )

    arn = await stream_arn(settings)

    assert arn == described["StreamDescriptionSummary"]["StreamARN"]
    assert arn.startswith("arn:aws:kinesis:eu-west-1:")


def test_topic_names_become_arns_beside_the_stream() -> None:
    stream = "arn:aws:kinesis:eu-west-1:123456789012:stream/quizcore-answers"

    assert (
        sibling_topic_arn(stream, "quizcore-stream-result")
        == "arn:aws:sns:eu-west-1:123456789012:quizcore-stream-result"
    )
    given = "arn:aws:sns:eu-west-1:210987654321:elsewhere"
    assert sibling_topic_arn(stream, given) == given


@pytest.mark.slow
def test_the_kinesis_source_without_its_connector_jar_names_the_jar_to_add() -> None:
    from flink.job import create_environment

    env = create_environment(parallelism=1, python_mode="thread", local=True)
    settings = JobSettings(aws_region=REGION)

    with pytest.raises(ConnectorMissing, match="flink-sql-connector-aws-kinesis-streams"):
        kinesis_source(env, "arn:aws:kinesis:eu-west-1:123456789012:stream/answers", settings)
