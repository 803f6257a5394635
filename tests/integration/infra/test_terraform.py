"""Terraform declares every resource the services read, each role least-privileged."""

from __future__ import annotations

import functools
import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from infra_testlib import (
    PROD_ENV_DIR,
    TERRAFORM_DIR,
    blocks_of,
    load_hcl,
    load_hcl_dir,
    resources_of,
    strip_interpolation,
)

from adapters.aws_messaging.eventbridge import PARTITION_KEY_PATH
from quizcore import routing

TF_FILES = sorted(TERRAFORM_DIR.rglob("*.tf"))

# The settings fields that name an AWS resource, by service.
SETTING_SERVICES = {
    "dynamodb_answers_table": "dynamodb",
    "dynamodb_scores_table": "dynamodb",
    "dynamodb_sessions_table": "dynamodb",
    "kinesis_stream": "kinesis",
    "eventbridge_bus": "events",
    "sns_stream_result_topic": "sns",
    "sns_quiz_events_topic": "sns",
    "sqs_score_event_queue": "sqs",
    "sqs_ui_response_queue": "sqs",
    "sqs_quiz_result_queue": "sqs",
}

# Secrets Manager secret -> the setting its value becomes.
SECRET_SETTINGS = {
    "quizcore/postgres-dsn": "postgres_dsn",
    "quizcore/redis-auth": "redis_url",
    "quizcore/auth0-webhook-secret": "auth0_webhook_secret",
    "quizcore/firebase-credentials": "firebase_credentials",
}

# Terraform resource type -> the IAM service prefix of its actions.
RESOURCE_SERVICES = {
    "aws_sqs_queue": "sqs",
    "aws_sns_topic": "sns",
    "aws_dynamodb_table": "dynamodb",
    "aws_kinesis_stream": "kinesis",
    "aws_cloudwatch_event_bus": "events",
    "aws_secretsmanager_secret": "secretsmanager",
    "aws_kms_key": "kms",
    "aws_apigatewayv2_api": "execute-api",
}

# Argument of a module call that names the one resource of a non-map output.
NAME_ARGUMENTS = {
    "aws_kinesis_stream": "stream_name",
    "aws_cloudwatch_event_bus": "bus_name",
    "aws_kms_key": "name",
    "aws_apigatewayv2_api": "name",
}

# Input of modules/irsa -> the service its grant covers.
GRANT_INPUTS = {
    "sqs_consume_arns": "sqs",
    "sqs_metrics_arns": "sqs",
    "sns_publish_arns": "sns",
    "kinesis_write_arns": "kinesis",
    "kinesis_read_arns": "kinesis",
    "eventbridge_put_arns": "events",
    "dynamodb_read_write_arns": "dynamodb",
    "dynamodb_read_arns": "dynamodb",
    "secret_arns": "secretsmanager",
    "kms_key_arns": "kms",
    "websocket_connection_arns": "execute-api",
}

# What each deployable may touch, from its description: (grant input, resource).
MESSAGING_KEYS = {("kms_key_arns", "quizcore-messaging"), ("kms_key_arns", "quizcore-secrets")}
# Every deployable whose handler uses PostgreSQL and Redis (Settings.require).
STORE_SECRETS = {
    ("secret_arns", "quizcore/postgres-dsn"),
    ("secret_arns", "quizcore/redis-auth"),
}
ALLOWED = {
    "api": {
        ("kinesis_write_arns", "quizcore-answers"),
        ("eventbridge_put_arns", "quizcore-stream-events"),
        ("dynamodb_read_write_arns", "quizcore-sessions"),
        ("dynamodb_read_arns", "quizcore-scores"),
        ("dynamodb_read_arns", "quizcore-answers"),
        *STORE_SECRETS,
        ("secret_arns", "quizcore/auth0-webhook-secret"),
        ("websocket_connection_arns", "quizcore-websocket"),
        *MESSAGING_KEYS,
    },
    "stream-processor": {
        ("kinesis_read_arns", "quizcore-answers"),
        ("dynamodb_read_write_arns", "quizcore-answers"),
        ("dynamodb_read_write_arns", "quizcore-sessions"),
        ("dynamodb_read_write_arns", "quizcore-scores"),
        ("sns_publish_arns", "quizcore-stream-result"),
        ("sns_publish_arns", "quizcore-quiz-events"),
        ("kms_key_arns", "quizcore-messaging"),
    },
    "score-event-worker": {
        ("sqs_consume_arns", "quizcore-score-event"),
        ("dynamodb_read_write_arns", "quizcore-scores"),
        ("dynamodb_read_write_arns", "quizcore-answers"),
        ("dynamodb_read_write_arns", "quizcore-sessions"),
        ("sns_publish_arns", "quizcore-quiz-events"),
        *STORE_SECRETS,
        *MESSAGING_KEYS,
    },
    "notification-worker": {
        ("sqs_consume_arns", "quizcore-ui-response"),
        ("dynamodb_read_arns", "quizcore-sessions"),
        ("dynamodb_read_arns", "quizcore-answers"),
        *STORE_SECRETS,
        ("secret_arns", "quizcore/firebase-credentials"),
        ("websocket_connection_arns", "quizcore-websocket"),
        *MESSAGING_KEYS,
    },
    "quiz-event-worker": {
        ("sqs_consume_arns", "quizcore-quiz-result"),
        ("dynamodb_read_arns", "quizcore-scores"),
        ("dynamodb_read_arns", "quizcore-answers"),
        ("dynamodb_read_arns", "quizcore-sessions"),
        *STORE_SECRETS,
        *MESSAGING_KEYS,
    },
    "keda-operator": {
        ("sqs_metrics_arns", "quizcore-score-event"),
        ("sqs_metrics_arns", "quizcore-ui-response"),
        ("sqs_metrics_arns", "quizcore-quiz-result"),
    },
}

REFERENCE = re.compile(r'module\.(?P<module>\w+)\.(?P<output>\w+)(?:\["(?P<key>[^"]+)"\])?')


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _call_of(module_calls: dict[str, Any], folder: str) -> dict[str, Any]:
    calls: list[dict[str, Any]] = [
        call for call in module_calls.values() if call["module"] == folder
    ]
    (call,) = calls
    return call


@functools.cache
def _prod_variable_defaults() -> dict[str, Any]:
    variables = blocks_of(load_hcl_dir(PROD_ENV_DIR), "variable")
    return {name: body.get("default") for name, body in variables.items()}


def _resolve(
    expression: str, module_calls: dict[str, Any], modules: dict[str, Any]
) -> tuple[str, str]:
    """Resolve module.<m>.<output>["key"] to (IAM service, resource name)."""
    match = REFERENCE.fullmatch(strip_interpolation(expression))
    assert match, f"not a module output reference: {expression}"
    call = module_calls[match["module"]]
    output = blocks_of(modules[call["module"]], "output")[match["output"]]
    referenced = set(re.findall(r"\baws_[a-z0-9_]+(?=\.)", output["value"]))
    resource_types = referenced & set(RESOURCE_SERVICES)
    assert len(resource_types) == 1, f"{expression} exposes {referenced}"
    (resource_type,) = resource_types
    if match["key"]:
        return RESOURCE_SERVICES[resource_type], match["key"]
    name = call[NAME_ARGUMENTS[resource_type]]
    variable = re.fullmatch(r"var\.(\w+)", strip_interpolation(name))
    if variable:
        name = _prod_variable_defaults()[variable[1]]
    if resource_type == "aws_apigatewayv2_api":
        name = f"{name}-websocket"
    return RESOURCE_SERVICES[resource_type], name


@pytest.mark.parametrize("path", TF_FILES, ids=lambda path: str(path.relative_to(TERRAFORM_DIR)))
def test_every_tf_file_parses_with_hcl2(path: Path) -> None:
    assert load_hcl(path), f"{path} declares nothing"


def test_terraform_files_are_formatted() -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not installed")
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-diff", str(TERRAFORM_DIR)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout


def test_no_check_is_skipped_inline() -> None:
    for path in TF_FILES:
        assert "checkov:skip" not in path.read_text(encoding="utf-8"), path


def test_settings_name_only_resources_of_known_services(setting_defaults: dict[str, Any]) -> None:
    aws_names = {
        field
        for field in setting_defaults
        if re.fullmatch(r"(dynamodb|kinesis|eventbridge|sns|sqs)_.*", field)
    }
    assert aws_names == set(SETTING_SERVICES)
    assert set(SECRET_SETTINGS.values()) <= set(setting_defaults)


def test_every_table_the_settings_read_is_declared_with_the_adapter_key_schema(
    setting_defaults: dict[str, Any], module_calls: dict[str, Any], modules: dict[str, Any]
) -> None:
    declared = _call_of(module_calls, "dynamodb")["tables"]
    (table,) = resources_of(modules["dynamodb"]).values()
    assert strip_interpolation(table["name"]) == "each.key"
    assert strip_interpolation(table["for_each"]) == "var.tables"
    assert (table["hash_key"], table["range_key"]) == ("pk", "sk")
    assert {(item["name"], item["type"]) for item in table["attribute"]} == {
        ("pk", "S"),
        ("sk", "S"),
    }
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"][0]["enabled"] is True
    for field in ("dynamodb_answers_table", "dynamodb_scores_table", "dynamodb_sessions_table"):
        assert setting_defaults[field] in declared, field
        assert declared[setting_defaults[field]]["ttl_attribute"]


def test_tables_have_the_key_schema_and_ttl_attribute_the_adapters_write(
    module_calls: dict[str, Any], modules: dict[str, Any]
) -> None:
    from adapters.dynamodb.tables import DynamoTables

    (table,) = resources_of(modules["dynamodb"]).values()
    keys = {
        DynamoTables.KEY_SCHEMA[0]["AttributeName"]: table["hash_key"],
        DynamoTables.KEY_SCHEMA[1]["AttributeName"]: table["range_key"],
    }
    assert keys == {"pk": "pk", "sk": "sk"}
    attributes = {
        (item["AttributeName"], item["AttributeType"]) for item in DynamoTables.ATTRIBUTES
    }
    assert {(item["name"], item["type"]) for item in table["attribute"]} == attributes
    declared = _call_of(module_calls, "dynamodb")["tables"]
    assert {config["ttl_attribute"] for config in declared.values()} == {DynamoTables.TTL_ATTRIBUTE}


def test_the_stream_and_bus_the_settings_read_are_declared_and_wired(
    setting_defaults: dict[str, Any], module_calls: dict[str, Any], modules: dict[str, Any]
) -> None:
    call = _call_of(module_calls, "streaming")
    assert call["stream_name"] == setting_defaults["kinesis_stream"]
    assert call["bus_name"] == setting_defaults["eventbridge_bus"]
    assert call["rule_source"] == "quizcore.score-service"
    assert call["rule_detail_type"] == "SubmitAnswer"
    # Keyed by session and participant, as the code puts answers on the stream.
    assert call["partition_key_path"] == PARTITION_KEY_PATH

    resources = resources_of(modules["streaming"])
    assert strip_interpolation(resources["aws_kinesis_stream.answers"]["name"]) == "var.stream_name"
    assert strip_interpolation(resources["aws_cloudwatch_event_bus.this"]["name"]) == "var.bus_name"
    target = resources["aws_cloudwatch_event_target.kinesis"]
    assert strip_interpolation(target["arn"]) == "aws_kinesis_stream.answers.arn"
    partition = target["kinesis_target"][0]["partition_key_path"]
    assert strip_interpolation(partition) == "var.partition_key_path"
    # The stream processor's dead-letter queue, under the name its setting derives.
    dead = resources["aws_sqs_queue.stream_dlq"]["name"]
    assert dead == "${var.stream_name}-dlq"
    assert (
        setting_defaults["stream_dead_letter_queue"] == setting_defaults["kinesis_stream"] + "-dlq"
    )


def test_kinesis_shards_carry_ten_thousand_answers_a_second(
    prod_env: dict[str, Any], module_calls: dict[str, Any]
) -> None:
    variable = blocks_of(prod_env, "variable")["kinesis_shard_count"]
    records_per_shard, answers_per_second = 1000, 10_000
    assert variable["default"] >= math.ceil(answers_per_second / records_per_shard)
    shard_count = _call_of(module_calls, "streaming")["shard_count"]
    assert strip_interpolation(shard_count) == "var.kinesis_shard_count"


def test_every_topic_fans_out_to_the_queues_the_settings_read(
    setting_defaults: dict[str, Any], module_calls: dict[str, Any]
) -> None:
    call = _call_of(module_calls, "messaging")
    queues = {setting_defaults[field] for field in SETTING_SERVICES if field.startswith("sqs_")}
    assert set(call["queues"]) == queues
    subscriptions = {
        topic: (set(config["subscribers"]), config["raw_message_delivery"])
        for topic, config in call["topics"].items()
    }
    assert subscriptions == {
        setting_defaults["sns_stream_result_topic"]: (
            {setting_defaults["sqs_score_event_queue"]},
            True,
        ),
        setting_defaults["sns_quiz_events_topic"]: (
            {setting_defaults["sqs_ui_response_queue"], setting_defaults["sqs_quiz_result_queue"]},
            True,
        ),
    }


def test_subscriptions_and_their_filters_are_the_routing_table(
    setting_defaults: dict[str, Any], module_calls: dict[str, Any], modules: dict[str, Any]
) -> None:
    call = _call_of(module_calls, "messaging")
    topic_of = {
        routing.STREAM_RESULT: setting_defaults["sns_stream_result_topic"],
        routing.QUIZ_EVENTS: setting_defaults["sns_quiz_events_topic"],
    }
    queue_of = {
        routing.SCORE_EVENT: setting_defaults["sqs_score_event_queue"],
        routing.UI_RESPONSE: setting_defaults["sqs_ui_response_queue"],
        routing.QUIZ_RESULT: setting_defaults["sqs_quiz_result_queue"],
    }
    declared = {
        (topic, queue)
        for topic, config in call["topics"].items()
        for queue in config["subscribers"]
    }

    assert declared == {(topic_of[r.topic], queue_of[r.queue]) for r in routing.ROUTES}
    assert {queue: set(kinds) for queue, kinds in call["queue_kinds"].items()} == {
        queue_of[r.queue]: set(r.kinds) for r in routing.ROUTES
    }
    subscription = resources_of(modules["messaging"])["aws_sns_topic_subscription.this"]
    assert "jsonencode({type = var.queue_kinds[each.value.queue]})" in strip_interpolation(
        subscription["filter_policy"]
    )


def test_every_queue_has_a_dead_letter_queue_after_five_receives(
    module_calls: dict[str, Any], modules: dict[str, Any]
) -> None:
    resources = resources_of(modules["messaging"])
    dlq, queue = resources["aws_sqs_queue.dlq"], resources["aws_sqs_queue.queue"]
    assert dlq["name"] == "${each.key}-dlq"
    assert strip_interpolation(dlq["for_each"]) == strip_interpolation(queue["for_each"])
    redrive = strip_interpolation(queue["redrive_policy"])
    assert "deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn" in redrive
    assert "maxReceiveCount = var.max_receive_count" in redrive
    assert blocks_of(modules["messaging"], "variable")["max_receive_count"]["default"] == 5
    assert "max_receive_count" not in _call_of(module_calls, "messaging")


def test_every_secret_the_deployables_read_is_declared(
    module_calls: dict[str, Any], modules: dict[str, Any]
) -> None:
    call = _call_of(module_calls, "secrets")
    assert set(call["secrets"]) == set(SECRET_SETTINGS)
    (secret,) = [
        body
        for address, body in resources_of(modules["secrets"]).items()
        if address.startswith("aws_secretsmanager_secret.")
    ]
    assert strip_interpolation(secret["name"]) == "each.key"
    assert set(call["generated_names"]) <= set(SECRET_SETTINGS)


def test_every_name_the_settings_read_resolves_to_a_declared_resource(
    setting_defaults: dict[str, Any], module_calls: dict[str, Any], modules: dict[str, Any]
) -> None:
    outputs = {
        "dynamodb": ("dynamodb", "table_arns"),
        "sqs": ("messaging", "queue_arns"),
        "sns": ("messaging", "topic_arns"),
    }
    label = {call["module"]: name for name, call in module_calls.items()}
    for field, service in SETTING_SERVICES.items():
        name = setting_defaults[field]
        if service in outputs:
            folder, output = outputs[service]
            expression = f'module.{label[folder]}.{output}["{name}"]'
        else:
            output = {"kinesis": "stream_arn", "events": "bus_arn"}[service]
            expression = f"module.{label['streaming']}.{output}"
        assert _resolve(expression, module_calls, modules) == (service, name), field


def test_irsa_grants_pair_each_service_with_its_own_actions(modules: dict[str, Any]) -> None:
    (grant_locals,) = [block for block in modules["irsa"]["locals"] if "grants" in block]
    variables = blocks_of(modules["irsa"], "variable")
    seen_inputs = set()
    for sid, grant in grant_locals["grants"].items():
        services = {action.split(":")[0] for action in grant["actions"]}
        resources = strip_interpolation(grant["resources"])
        assert resources.startswith("var."), sid
        variable = resources.removeprefix("var.")
        assert variable in variables, sid
        assert services == {GRANT_INPUTS[variable]}, sid
        assert not any("*" in action for action in grant["actions"]), sid
        seen_inputs.add(variable)
    assert seen_inputs == set(GRANT_INPUTS)


@pytest.mark.parametrize("deployable", sorted(ALLOWED))
def test_irsa_role_names_only_the_resources_of_its_deployable(
    deployable: str, module_calls: dict[str, Any], modules: dict[str, Any]
) -> None:
    (call,) = [
        call
        for call in module_calls.values()
        if call["module"] == "irsa" and call["service_account"] == deployable
    ]
    granted = set()
    for argument, value in call.items():
        if argument not in GRANT_INPUTS:
            continue
        for expression in _as_list(value):
            service, name = _resolve(expression, module_calls, modules)
            assert service == GRANT_INPUTS[argument], f"{argument} names {service}:{name}"
            granted.add((argument, name))
    assert granted == ALLOWED[deployable]


def test_flink_job_touches_only_the_stream_processors_resources(
    setting_defaults: dict[str, Any], module_calls: dict[str, Any], modules: dict[str, Any]
) -> None:
    call = _call_of(module_calls, "flink")
    assert _resolve(call["stream_arn"], module_calls, modules) == (
        "kinesis",
        setting_defaults["kinesis_stream"],
    )
    assert _resolve(call["answers_table_arn"], module_calls, modules) == (
        "dynamodb",
        setting_defaults["dynamodb_answers_table"],
    )
    assert _resolve(call["stream_result_topic_arn"], module_calls, modules) == (
        "sns",
        setting_defaults["sns_stream_result_topic"],
    )
    assert _resolve(call["quiz_events_topic_arn"], module_calls, modules) == (
        "sns",
        setting_defaults["sns_quiz_events_topic"],
    )
    for argument, table in (
        ("sessions_table_arn", "dynamodb_sessions_table"),
        ("scores_table_arn", "dynamodb_scores_table"),
    ):
        assert _resolve(call[argument], module_calls, modules) == (
            "dynamodb",
            setting_defaults[table],
        )
    (policy,) = [
        body
        for address, body in resources_of(modules["flink"], "data").items()
        if address == "aws_iam_policy_document.this"
    ]
    for statement in policy["statement"]:
        services = {action.split(":")[0] for action in statement["actions"]}
        assert len(services) == 1, statement["sid"]
        assert not any(resource == "*" for resource in _as_list(statement["resources"]))


def test_every_queue_topic_and_table_name_has_an_output(prod_env: dict[str, Any]) -> None:
    outputs = blocks_of(prod_env, "output")
    for name in (
        "dynamodb_tables",
        "kinesis_stream",
        "eventbridge_bus",
        "sns_topic_arns",
        "sqs_queue_urls",
        "secret_arns",
        "aurora_endpoint",
        "redis_primary_endpoint",
        "irsa_role_arns",
        "k8s_deploy_env",
    ):
        assert name in outputs, name


def test_the_flink_application_is_given_every_setting_the_job_requires(
    module_calls: dict[str, Any],
) -> None:
    from flink.settings import missing_settings

    properties = _call_of(module_calls, "flink")["job_properties"]
    assert missing_settings(properties) == []
    assert strip_interpolation(properties["QUIZ_AWS_REGION"]) == "var.region"
    # The control: the job would refuse the group without them.
    assert missing_settings({}) == ["QUIZ_AWS_REGION"]
