"""Helpers of the infrastructure tests: terraform parsing and a kustomize subset.

Terraform is read with python-hcl2 (no provider download, no cloud account).
The k8s prod overlay is rendered by the small kustomize subset below, so the
tests run where neither ``kustomize`` nor ``kubectl`` is installed; where one
of them is, ``test_k8s`` checks that both renderings agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
TERRAFORM_DIR = REPO_ROOT / "infra" / "terraform"
PROD_ENV_DIR = TERRAFORM_DIR / "envs" / "prod"
MODULES_DIR = TERRAFORM_DIR / "modules"
K8S_DIR = REPO_ROOT / "k8s"

# Values a deploy writes into k8s/overlays/prod (deploy.env from terraform,
# release.env from the image build); the tests render the overlay with these.
SAMPLE_ACCOUNT = "210987654321"
SAMPLE_REGION = "eu-central-1"
_ROLE = f"arn:aws:iam::{SAMPLE_ACCOUNT}:role"
SAMPLE_DEPLOY_ENV = {
    "AWS_REGION": SAMPLE_REGION,
    "IMAGE_REPOSITORY": f"{SAMPLE_ACCOUNT}.dkr.ecr.{SAMPLE_REGION}.amazonaws.com/quizcore",
    "ROLE_ARN_API": f"{_ROLE}/quizcore-api",
    "ROLE_ARN_STREAM_PROCESSOR": f"{_ROLE}/quizcore-stream-processor-eks",
    "ROLE_ARN_SCORE_EVENT_WORKER": f"{_ROLE}/quizcore-score-event-worker",
    "ROLE_ARN_NOTIFICATION_WORKER": f"{_ROLE}/quizcore-notification-worker",
    "ROLE_ARN_QUIZ_EVENT_WORKER": f"{_ROLE}/quizcore-quiz-event-worker",
    "QUIZ_AUTH_ISSUER": "https://quizcore-test.eu.auth0.com/",
    "QUIZ_AUTH_AUDIENCE": "quizcore",
    "QUIZ_AUTH_JWKS_URL": "https://quizcore-test.eu.auth0.com/.well-known/jwks.json",
    "QUIZ_AUTH0_DOMAIN": "quizcore-test.eu.auth0.com",
    "QUIZ_AUTH0_CLIENT_ID": "k8sTestClientId",
    "QUIZ_FIREBASE_PROJECT_ID": "quizcore-test",
    "QUIZ_FIREBASE_DATABASE_URL": "https://quizcore-test.firebaseio.com",
}
SAMPLE_RELEASE_ENV = {"IMAGE_TAG": "2.7.1"}


# --- Terraform --------------------------------------------------------------


def load_hcl(path: Path) -> dict[str, Any]:
    """Parse one .tf file into plain dicts, strings without their quotes."""
    with path.open(encoding="utf-8") as handle:
        try:
            from hcl2 import SerializationOptions
        except ImportError:  # python-hcl2 before 8 strips quotes by itself
            return hcl2.load(handle)
        options = SerializationOptions(
            with_comments=False, explicit_blocks=False, strip_string_quotes=True
        )
        return hcl2.load(handle, serialization_options=options)


def load_hcl_dir(directory: Path) -> dict[str, list[Any]]:
    """Merge the top-level blocks of every .tf file of one directory."""
    merged: dict[str, list[Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        for block_type, blocks in load_hcl(path).items():
            merged.setdefault(block_type, []).extend(blocks)
    return merged


def blocks_of(parsed: dict[str, list[Any]], block_type: str) -> dict[str, Any]:
    """Return {label: body} of single-label blocks (module, variable, output)."""
    found: dict[str, Any] = {}
    for block in parsed.get(block_type, []):
        for label, body in block.items():
            found[label] = body
    return found


def resources_of(parsed: dict[str, list[Any]], kind: str = "resource") -> dict[str, Any]:
    """Return {"type.name": body} of resource (or data) blocks."""
    found: dict[str, Any] = {}
    for block in parsed.get(kind, []):
        for type_name, named in block.items():
            for name, body in named.items():
                found[f"{type_name}.{name}"] = body
    return found


def strip_interpolation(value: str) -> str:
    """Turn "${expr}" into "expr"; leave other strings alone."""
    match = re.fullmatch(r"\$\{(.*)\}", value, flags=re.S)
    return match.group(1) if match else value


# --- Kustomize subset ---------------------------------------------------------

_SUPPORTED_KUSTOMIZATION_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "generatorOptions",
    "configMapGenerator",
    "replacements",
}
_CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
_POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


def _read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value
    return values


def _split_field_path(path: str) -> list[str]:
    return re.findall(r"\[[^\]]*\]|[^.\[\]]+", path)


def _walk(node: Any, segments: list[str], create: bool) -> Iterator[tuple[Any, Any]]:
    """Yield (container, key) pairs that a kustomize field path addresses."""
    head, rest = segments[0], segments[1:]
    if head.startswith("[") and "=" in head:
        field, _, wanted = head[1:-1].partition("=")
        for item in node:
            if isinstance(item, dict) and str(item.get(field)) == wanted:
                yield from _walk(item, rest, create) if rest else iter(())
        return
    key: Any = head[1:-1] if head.startswith("[") else head
    if isinstance(node, list):
        key = int(key)
    elif key not in node:
        if not create:
            raise KeyError(f"field {head!r} not found")
        node[key] = {} if rest else ""
    if rest:
        yield from _walk(node[key], rest, create)
    else:
        yield node, key


def _apply_replacements(
    resources: list[dict[str, Any]], replacements: list[dict[str, Any]]
) -> None:
    def selected(select: dict[str, str]) -> list[dict[str, Any]]:
        return [
            resource
            for resource in resources
            if resource["kind"] == select.get("kind", resource["kind"])
            and resource["metadata"]["name"] == select.get("name", resource["metadata"]["name"])
        ]

    for replacement in replacements:
        source = replacement["source"]
        (origin,) = selected(source)
        ((container, key),) = _walk(origin, _split_field_path(source["fieldPath"]), False)
        value = container[key]
        for target in replacement["targets"]:
            options = target.get("options", {})
            for resource in selected(target["select"]):
                for field_path in target["fieldPaths"]:
                    segments = _split_field_path(field_path)
                    for node, leaf in _walk(resource, segments, options.get("create", False)):
                        if "delimiter" in options:
                            parts = str(node[leaf]).split(options["delimiter"])
                            parts[options.get("index", 0)] = value
                            node[leaf] = options["delimiter"].join(parts)
                        else:
                            node[leaf] = value


def render_kustomization(directory: Path) -> list[dict[str, Any]]:
    """Render a kustomization that uses only the features this repository uses."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    unsupported = set(spec) - _SUPPORTED_KUSTOMIZATION_KEYS
    if unsupported:
        raise NotImplementedError(f"kustomize fields not rendered here: {sorted(unsupported)}")

    resources: list[dict[str, Any]] = []
    for entry in spec.get("resources", []):
        path = directory / entry
        if path.is_dir():
            resources.extend(render_kustomization(path))
        else:
            text = path.read_text(encoding="utf-8")
            resources.extend(doc for doc in yaml.safe_load_all(text) if doc)

    generator_options = spec.get("generatorOptions", {})
    for generator in spec.get("configMapGenerator", []):
        if not generator_options.get("disableNameSuffixHash"):
            raise NotImplementedError("hashed ConfigMap names are not rendered here")
        data: dict[str, str] = {}
        for env_file in generator.get("envs", []):
            data.update(_read_env_file(directory / env_file))
        metadata: dict[str, Any] = {"name": generator["name"]}
        annotations = generator.get("options", {}).get("annotations")
        if annotations:
            metadata["annotations"] = dict(annotations)
        config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}
        resources.append(config_map)

    namespace = spec.get("namespace")
    for resource in resources:
        if namespace and resource["kind"] not in _CLUSTER_SCOPED:
            resource["metadata"]["namespace"] = namespace

    for label_spec in spec.get("labels", []):
        if label_spec.get("includeSelectors"):
            raise NotImplementedError("selector labels are not rendered here")
        for resource in resources:
            resource["metadata"].setdefault("labels", {}).update(label_spec["pairs"])
            if label_spec.get("includeTemplates") and resource["kind"] in _POD_TEMPLATE_KINDS:
                template_meta = resource["spec"]["template"].setdefault("metadata", {})
                template_meta.setdefault("labels", {}).update(label_spec["pairs"])

    _apply_replacements(resources, spec.get("replacements", []))

    return [
        resource
        for resource in resources
        if resource["metadata"].get("annotations", {}).get("config.kubernetes.io/local-config")
        != "true"
    ]


def write_env_file(path: Path, values: dict[str, str]) -> None:
    """Write KEY=value lines, as terraform output -raw k8s_deploy_env does."""
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()), encoding="utf-8")


# --- A pod's environment ----------------------------------------------------


def pod_environment(
    deployment: dict[str, Any],
    config: dict[str, str],
    secrets: dict[str, list[str]] | None = None,
) -> dict[str, str]:
    """Resolve a pod's QUIZ_* environment as Kubernetes would.

    ``config`` is the ConfigMap's data; ``secrets`` maps a Secret's name to
    the keys its ExternalSecret writes (each given a placeholder value, as
    the real values live in Secrets Manager). Sources apply in Kubernetes'
    order: ``envFrom`` (config, then secrets), then ``env``.
    """
    template = deployment["spec"]["template"]
    labels = template["metadata"].get("labels", {})
    container = template["spec"]["containers"][0]
    env = dict(config)
    for source in container.get("envFrom", []):
        name = source.get("secretRef", {}).get("name")
        if name is not None:
            env.update({key: f"<{name}:{key}>" for key in (secrets or {}).get(name, [])})
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
            continue
        path = item.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath", "")
        label = re.fullmatch(r"metadata\.labels\['(.+)'\]", path)
        if label:
            env[item["name"]] = labels.get(label.group(1), "")
    return {key: value for key, value in env.items() if key.startswith("QUIZ_")}
