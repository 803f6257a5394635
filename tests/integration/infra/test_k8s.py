"""The k8s prod overlay renders, validates offline and runs every deployable safely."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from infra_testlib import (
    K8S_DIR,
    SAMPLE_DEPLOY_ENV,
    SAMPLE_REGION,
    SAMPLE_RELEASE_ENV,
    blocks_of,
    pod_environment,
    render_kustomization,
    strip_interpolation,
)

from entrypoints.settings import Settings

KUBERNETES_VERSION = "1.33.0"

# Custom resources of cluster add-ons (KEDA, External Secrets): kubernetes-validate
# ships no schema for them, so they are checked field by field below instead.
CRD_KINDS = {
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
    ("external-secrets.io/v1", "SecretStore"),
    ("external-secrets.io/v1", "ExternalSecret"),
}

API_COMMAND = [
    "gunicorn",
    "-k",
    "entrypoints.api.gunicorn_conf.ApiWorker",
    "-c",
    "entrypoints/api/gunicorn_conf.py",
    "entrypoints.api.asgi:app",
]

# Deployable -> (command, health port, the settings field of the queue it consumes).
DEPLOYABLES: dict[str, tuple[list[str], int, str | None]] = {
    "api": (API_COMMAND, 8000, None),
    "stream-processor": (["quiz", "stream-processor"], 8081, None),
    "score-event-worker": (["quiz", "worker", "score-event"], 8081, "sqs_score_event_queue"),
    "notification-worker": (["quiz", "worker", "notification"], 8081, "sqs_ui_response_queue"),
    "quiz-event-worker": (["quiz", "worker", "quiz-event"], 8081, "sqs_quiz_result_queue"),
}

ROLE_KEYS = {
    "api": "ROLE_ARN_API",
    "stream-processor": "ROLE_ARN_STREAM_PROCESSOR",
    "score-event-worker": "ROLE_ARN_SCORE_EVENT_WORKER",
    "notification-worker": "ROLE_ARN_NOTIFICATION_WORKER",
    "quiz-event-worker": "ROLE_ARN_QUIZ_EVENT_WORKER",
}

Lookup = Callable[[str, str], dict[str, Any]]


def _kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def _by_identity(docs: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(doc["apiVersion"], doc["kind"], doc["metadata"]["name"]): doc for doc in docs}


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    (container,) = containers
    return container


def test_python_rendering_matches_kustomize(
    prod_overlay_dir: Path, prod_manifests: list[dict[str, Any]]
) -> None:
    command = _kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is installed; the Python rendering stands alone")
    built = subprocess.run(
        [*command, str(prod_overlay_dir)], capture_output=True, text=True, check=True, timeout=120
    )
    rendered_by_kustomize = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    assert _by_identity(rendered_by_kustomize) == _by_identity(prod_manifests)


def test_overlay_without_deploy_values_is_refused(tmp_path: Path) -> None:
    shutil.copytree(K8S_DIR, tmp_path / "k8s")
    with pytest.raises(FileNotFoundError):
        render_kustomization(tmp_path / "k8s" / "overlays" / "prod")


def test_every_builtin_manifest_validates_against_kubernetes(
    prod_manifests: list[dict[str, Any]],
) -> None:
    validated = set()
    for doc in prod_manifests:
        if (doc["apiVersion"], doc["kind"]) in CRD_KINDS:
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        validated.add(doc["kind"])
    assert validated == {
        "Namespace",
        "ConfigMap",
        "ServiceAccount",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    }


def test_validation_rejects_a_misspelled_field(manifest_index: Lookup) -> None:
    deployment = manifest_index("Deployment", "api")
    _container(deployment)["readinesProbe"] = _container(deployment).pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_only_known_custom_resources_are_used(prod_manifests: list[dict[str, Any]]) -> None:
    builtin_groups = {"v1", "apps/v1", "policy/v1", "autoscaling/v2"}
    custom = {
        (doc["apiVersion"], doc["kind"])
        for doc in prod_manifests
        if doc["apiVersion"] not in builtin_groups
    }
    assert custom == CRD_KINDS


def test_every_resource_lives_in_the_quizcore_namespace(
    prod_manifests: list[dict[str, Any]],
) -> None:
    for doc in prod_manifests:
        if doc["kind"] == "Namespace":
            assert doc["metadata"]["name"] == "quizcore"
        else:
            assert doc["metadata"]["namespace"] == "quizcore", doc["metadata"]["name"]


def test_health_ports_are_the_ones_the_deployables_listen_on(
    setting_defaults: dict[str, Any],
) -> None:
    assert DEPLOYABLES["api"][1] == setting_defaults["port"]
    for name, (_, port, _) in DEPLOYABLES.items():
        if name != "api":
            assert port == setting_defaults["worker_health_port"], name


@pytest.mark.parametrize("name", sorted(DEPLOYABLES))
def test_deployable_has_probes_limits_a_locked_down_context_and_its_account(
    name: str, manifest_index: Lookup
) -> None:
    command, port, _ = DEPLOYABLES[name]
    deployment = manifest_index("Deployment", name)
    pod = deployment["spec"]["template"]["spec"]
    container = _container(deployment)

    assert container["command"] == command
    assert container["image"] == (
        f"{SAMPLE_DEPLOY_ENV['IMAGE_REPOSITORY']}:{SAMPLE_RELEASE_ENV['IMAGE_TAG']}"
    )
    ports = {entry["name"]: entry["containerPort"] for entry in container["ports"]}
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        check = container[probe]["httpGet"]
        assert check["path"] == path
        assert ports[check["port"]] == port

    for kind in ("requests", "limits"):
        assert set(container["resources"][kind]) >= {"cpu", "memory"}

    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["runAsNonRoot"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    assert context["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0

    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert mounts["tmp"] == "/tmp"
    assert "emptyDir" in volumes["tmp"]

    assert pod["serviceAccountName"] == name
    account = manifest_index("ServiceAccount", name)
    assert (
        account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        == (SAMPLE_DEPLOY_ENV[ROLE_KEYS[name]])
    )


@pytest.mark.parametrize("name", sorted(DEPLOYABLES))
def test_deployable_reports_to_datadog_with_unified_tags(name: str, manifest_index: Lookup) -> None:
    deployment = manifest_index("Deployment", name)
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert template_labels["admission.datadoghq.com/enabled"] == "true"
    for labels in (deployment["metadata"]["labels"], template_labels):
        assert labels["tags.datadoghq.com/env"] == "prod"
        assert labels["tags.datadoghq.com/service"] == f"quizcore-{name}"
        assert labels["tags.datadoghq.com/version"] == SAMPLE_RELEASE_ENV["IMAGE_TAG"]

    env = {entry["name"]: entry for entry in _container(deployment)["env"]}
    for host_variable in ("DD_AGENT_HOST", "QUIZ_STATSD_HOST"):
        assert env[host_variable]["valueFrom"]["fieldRef"]["fieldPath"] == "status.hostIP"
    for tag in ("env", "service", "version"):
        expected = f"metadata.labels['tags.datadoghq.com/{tag}']"
        for variable in (f"DD_{tag.upper()}", f"QUIZ_{tag.upper()}"):
            assert env[variable]["valueFrom"]["fieldRef"]["fieldPath"] == expected


def test_config_map_names_only_settings_and_matches_their_defaults(
    manifest_index: Lookup, setting_defaults: dict[str, Any]
) -> None:
    data = manifest_index("ConfigMap", "quizcore-config")["data"]
    quiz_keys = {key for key in data if key.startswith("QUIZ_")}
    assert quiz_keys <= {f"QUIZ_{field.upper()}" for field in setting_defaults}
    assert data["QUIZ_PROFILE"] == "cloud"
    assert data["QUIZ_AWS_REGION"] == SAMPLE_REGION
    for field, default in setting_defaults.items():
        if re.fullmatch(r"(dynamodb|sqs|sns)_.*|kinesis_stream|eventbridge_bus", field):
            assert data[f"QUIZ_{field.upper()}"] == default, field
    for key, value in SAMPLE_DEPLOY_ENV.items():
        if key.startswith("QUIZ_"):
            assert data[key] == value


@pytest.mark.parametrize("name", sorted(DEPLOYABLES))
def test_deployable_reads_the_shared_config_and_only_its_own_secret(
    name: str, manifest_index: Lookup, prod_manifests: list[dict[str, Any]]
) -> None:
    sources = _container(manifest_index("Deployment", name))["envFrom"]
    config_maps = [entry["configMapRef"]["name"] for entry in sources if "configMapRef" in entry]
    secrets = [entry["secretRef"]["name"] for entry in sources if "secretRef" in entry]
    assert config_maps == ["quizcore-config"]

    external = [doc for doc in prod_manifests if doc["kind"] == "ExternalSecret"]
    produced_by_own_store = {
        doc["spec"]["target"]["name"]
        for doc in external
        if doc["spec"]["secretStoreRef"]["name"] == name
    }
    assert set(secrets) == produced_by_own_store


def _secret_keys(prod_manifests: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Return each Secret an ExternalSecret writes, with the keys it holds."""
    return {
        doc["spec"]["target"]["name"]: [entry["secretKey"] for entry in doc["spec"]["data"]]
        for doc in prod_manifests
        if doc["kind"] == "ExternalSecret"
    }


@pytest.mark.parametrize("name", sorted(DEPLOYABLES))
def test_deployable_is_given_every_setting_it_refuses_to_start_without(
    name: str,
    manifest_index: Lookup,
    prod_manifests: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in [key for key in os.environ if key.startswith("QUIZ_")]:
        monkeypatch.delenv(variable)
    deployment = manifest_index("Deployment", name)
    config = manifest_index("ConfigMap", "quizcore-config")["data"]
    secrets = _secret_keys(prod_manifests)
    deployable = name.removesuffix("-worker")

    def settings(env: dict[str, str]) -> Settings:
        return Settings(**{key[5:].lower(): value for key, value in env.items()})

    given = settings(pod_environment(deployment, config, secrets))
    assert given.profile == "cloud"
    assert given.missing_for(deployable) == [], name
    bare = settings(pod_environment(deployment, config))
    if deployable == "stream-processor":
        # DynamoDB and SNS alone: the shared config is all it needs.
        assert bare.missing_for(deployable) == []
    else:
        # The control: without its Secret the same pod would refuse to start.
        assert set(bare.missing_for(deployable)) >= {"QUIZ_POSTGRES_DSN", "QUIZ_REDIS_URL"}


def test_external_secrets_pull_declared_secrets_with_the_deployables_role(
    prod_manifests: list[dict[str, Any]], manifest_index: Lookup, module_calls: dict[str, Any]
) -> None:
    declared = set(module_calls["secrets"]["secrets"])
    stores = {
        doc["metadata"]["name"]: doc for doc in prod_manifests if doc["kind"] == "SecretStore"
    }
    for doc in (doc for doc in prod_manifests if doc["kind"] == "ExternalSecret"):
        store = stores[doc["spec"]["secretStoreRef"]["name"]]
        aws = store["spec"]["provider"]["aws"]
        assert aws["service"] == "SecretsManager"
        assert aws["region"] == SAMPLE_REGION
        account = aws["auth"]["jwt"]["serviceAccountRef"]["name"]
        assert account == store["metadata"]["name"]
        manifest_index("ServiceAccount", account)
        for entry in doc["spec"]["data"]:
            assert entry["secretKey"].startswith("QUIZ_")
            assert entry["remoteRef"]["key"] in declared


def test_api_scales_on_cpu(manifest_index: Lookup) -> None:
    autoscaler = manifest_index("HorizontalPodAutoscaler", "api")
    assert autoscaler["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "api",
    }
    (metric,) = autoscaler["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert autoscaler["spec"]["minReplicas"] >= 2
    assert "replicas" not in manifest_index("Deployment", "api")["spec"]


@pytest.mark.parametrize(
    "name", [name for name, (_, _, queue) in sorted(DEPLOYABLES.items()) if queue]
)
def test_worker_scales_on_its_own_queue_depth_through_keda(
    name: str, manifest_index: Lookup, setting_defaults: dict[str, Any]
) -> None:
    scaled = manifest_index("ScaledObject", name)["spec"]
    assert scaled["scaleTargetRef"]["name"] == name
    assert 1 <= scaled["minReplicaCount"] < scaled["maxReplicaCount"]
    (trigger,) = scaled["triggers"]
    assert trigger["type"] == "aws-sqs-queue"
    assert trigger["metadata"]["queueURL"] == setting_defaults[DEPLOYABLES[name][2] or ""]
    assert trigger["metadata"]["awsRegion"] == SAMPLE_REGION
    assert int(trigger["metadata"]["queueLength"]) > 0
    auth = manifest_index("TriggerAuthentication", trigger["authenticationRef"]["name"])
    assert auth["spec"]["podIdentity"]["provider"] == "aws"
    assert "replicas" not in manifest_index("Deployment", name)["spec"]


def test_stream_processor_stands_by_as_a_single_consumer(manifest_index: Lookup) -> None:
    spec = manifest_index("Deployment", "stream-processor")["spec"]
    assert spec["replicas"] == 0
    assert spec["strategy"]["type"] == "Recreate"


@pytest.mark.parametrize("name", sorted(DEPLOYABLES))
def test_deployable_has_a_disruption_budget(name: str, manifest_index: Lookup) -> None:
    budget = manifest_index("PodDisruptionBudget", name)["spec"]
    selector = manifest_index("Deployment", name)["spec"]["selector"]
    assert budget["selector"] == selector
    assert budget.get("maxUnavailable") == 1


def test_service_accounts_are_the_ones_the_irsa_roles_trust(
    prod_manifests: list[dict[str, Any]], module_calls: dict[str, Any]
) -> None:
    trusted = {
        call["service_account"]
        for call in module_calls.values()
        if call["module"] == "irsa" and strip_interpolation(call["namespace"]) == "local.namespace"
    }
    accounts = {
        doc["metadata"]["name"] for doc in prod_manifests if doc["kind"] == "ServiceAccount"
    }
    assert accounts == trusted == set(DEPLOYABLES)


def test_api_service_is_the_node_port_the_load_balancer_targets(
    manifest_index: Lookup, modules: dict[str, Any]
) -> None:
    variables = blocks_of(modules["api_gateway"], "variable")
    (port,) = manifest_index("Service", "api")["spec"]["ports"]
    assert port["nodePort"] == variables["node_port"]["default"]
    assert port["port"] == variables["listener_port"]["default"] == DEPLOYABLES["api"][1]


def test_overlay_reads_exactly_the_values_terraform_writes(
    prod_env: dict[str, Any], prod_overlay_dir: Path, setting_defaults: dict[str, Any]
) -> None:
    output = strip_interpolation(blocks_of(prod_env, "output")["k8s_deploy_env"]["value"])
    written = set(re.findall(r'"([A-Z0-9_]+)=', output))
    kustomization = yaml.safe_load((prod_overlay_dir / "kustomization.yaml").read_text())
    read = {
        replacement["source"]["fieldPath"].removeprefix("data.")
        for replacement in kustomization["replacements"]
    }
    assert written == set(SAMPLE_DEPLOY_ENV)
    assert read == written | set(SAMPLE_RELEASE_ENV)
    settings = {key for key in written if key.startswith("QUIZ_")}
    assert settings <= {f"QUIZ_{field.upper()}" for field in setting_defaults}
