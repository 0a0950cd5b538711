#!/usr/bin/env python3
"""Offline structural checks of the custom resources this repository deploys.

    scripts/validate-crds.py [--promtool PATH] FILE...

Every YAML document in FILE... must be one of:

  monitoring.coreos.com/v1 PodMonitor, ServiceMonitor, PrometheusRule   (Prometheus Operator)
  argoproj.io/v1alpha1 Application                                      (ArgoCD)

kubernetes-validate has no schemas for custom resources, and no cluster is reachable here, so
each kind is checked with `jsonschema` against a hand-written subset of its published CRD
schema (prometheus-operator 0.9x example/prometheus-operator-crd, ArgoCD's Application CRD):
required fields, types, enums and patterns of the fields, and `additionalProperties: false`
wherever the published (structural) schema is closed, so a misspelt field fails here instead of
being pruned silently by the API server. The subsets list every property of the objects they
close, also those this repository does not use.

Each PrometheusRule's spec is also written to a temporary rules file and checked with
`promtool check rules` (PromQL syntax, templates, duplicate rules).

Exit status 0 when every document passes, 1 otherwise; one line per object.
Needs PyYAML and jsonschema (scripts/validate-kubernetes.sh installs both in .venv-deploy).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import jsonschema
    import yaml
except ImportError as error:  # pragma: no cover - environment problem
    sys.exit(f"validate-crds.py: {error}; run it through scripts/validate-kubernetes.sh (it makes .venv-deploy)")

# --- shared pieces -------------------------------------------------------------------------------

# Prometheus Operator's Duration (monitoringv1.Duration).
DURATION = {
    "type": "string",
    "pattern": r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$",
}
NON_EMPTY_DURATION = {
    "type": "string",
    "pattern": r"^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$",
    "minLength": 1,
}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
INT_OR_STRING = {"type": ["integer", "string"]}
DNS_SUBDOMAIN = {
    "type": "string",
    "maxLength": 253,
    "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
}
DNS_LABEL = {"type": "string", "maxLength": 63, "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"}

# ObjectMeta as a manifest carries it (server-set fields would be a mistake in a manifest).
METADATA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": DNS_SUBDOMAIN,
        "namespace": DNS_LABEL,
        "labels": STRING_MAP,
        "annotations": STRING_MAP,
        "finalizers": {"type": "array", "items": {"type": "string"}},
        "ownerReferences": {"type": "array", "items": {"type": "object"}},
    },
}

LABEL_SELECTOR = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "matchLabels": STRING_MAP,
        "matchExpressions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "operator"],
                "additionalProperties": False,
                "properties": {
                    "key": {"type": "string"},
                    "operator": {"enum": ["In", "NotIn", "Exists", "DoesNotExist"]},
                    "values": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
NAMESPACE_SELECTOR = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"any": {"type": "boolean"}, "matchNames": {"type": "array", "items": {"type": "string"}}},
}

RELABEL_ACTIONS = [
    "replace", "Replace", "keep", "Keep", "drop", "Drop", "hashmod", "HashMod", "labelmap", "LabelMap",
    "labeldrop", "LabelDrop", "labelkeep", "LabelKeep", "lowercase", "Lowercase", "uppercase", "Uppercase",
    "keepequal", "KeepEqual", "dropequal", "DropEqual",
]
RELABEL_CONFIG = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "action": {"enum": RELABEL_ACTIONS},
        "modulus": {"type": "integer"},
        "regex": {"type": "string"},
        "replacement": {"type": "string"},
        "separator": {"type": "string"},
        # Prometheus 2.x label names (the ASCII form; 3.x also accepts UTF-8).
        "sourceLabels": {"type": "array", "items": {"type": "string", "pattern": r"^[a-zA-Z_][a-zA-Z0-9_]*$"}},
        "targetLabel": {"type": "string", "minLength": 1},
    },
    # The CRD documents targetLabel as mandatory for these actions; the operator rejects it.
    "allOf": [
        {
            "if": {
                "properties": {"action": {"enum": [
                    "replace", "Replace", "hashmod", "HashMod", "lowercase", "Lowercase", "uppercase",
                    "Uppercase", "keepequal", "KeepEqual", "dropequal", "DropEqual"]}},
            },
            "then": {"required": ["targetLabel"]},
        },
        {"if": {"not": {"required": ["action"]}}, "then": {"required": ["targetLabel"]}},
    ],
}
RELABELINGS = {"type": "array", "items": RELABEL_CONFIG}

# Secret / ConfigMap key selectors and the authentication blocks are type-checked only as objects:
# this repository uses none of them.
OBJECT = {"type": "object"}

SCRAPE_PROTOCOLS = {
    "type": "array",
    "items": {"enum": ["PrometheusProto", "OpenMetricsText0.0.1", "OpenMetricsText1.0.0",
                       "PrometheusText0.0.4", "PrometheusText1.0.0"]},
}

# Fields both PodMetricsEndpoint and (ServiceMonitor) Endpoint have.
COMMON_ENDPOINT_PROPERTIES = {
    "authorization": OBJECT,
    "basicAuth": OBJECT,
    "bearerTokenSecret": OBJECT,
    "enableHttp2": {"type": "boolean"},
    "filterRunning": {"type": "boolean"},
    "followRedirects": {"type": "boolean"},
    "honorLabels": {"type": "boolean"},
    "honorTimestamps": {"type": "boolean"},
    "interval": DURATION,
    "metricRelabelings": RELABELINGS,
    "noProxy": {"type": "string"},
    "oauth2": OBJECT,
    "params": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    "path": {"type": "string", "pattern": r"^/"},
    "port": {"type": "string", "minLength": 1},
    "proxyConnectHeader": OBJECT,
    "proxyFromEnvironment": {"type": "boolean"},
    "proxyUrl": {"type": "string", "pattern": r"^(http|https|socks5)://.+$"},
    "relabelings": RELABELINGS,
    "scheme": {"enum": ["http", "https", "HTTP", "HTTPS"]},
    "scrapeTimeout": DURATION,
    "targetPort": INT_OR_STRING,
    "tlsConfig": OBJECT,
    "trackTimestampsStaleness": {"type": "boolean"},
}

POD_METRICS_ENDPOINT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {**COMMON_ENDPOINT_PROPERTIES, "portNumber": {"type": "integer", "minimum": 1, "maximum": 65535}},
    # Not in the CRD, but a target without a port selects every declared port: require one.
    "anyOf": [{"required": ["port"]}, {"required": ["portNumber"]}, {"required": ["targetPort"]}],
}
SERVICE_ENDPOINT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {**COMMON_ENDPOINT_PROPERTIES, "bearerTokenFile": {"type": "string"}},
    "anyOf": [{"required": ["port"]}, {"required": ["targetPort"]}],
}

# Fields the PodMonitor and ServiceMonitor specs share.
COMMON_MONITOR_SPEC_PROPERTIES = {
    "attachMetadata": {"type": "object", "additionalProperties": False, "properties": {"node": {"type": "boolean"}}},
    "bodySizeLimit": {"type": "string", "pattern": r"(^0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$"},
    "convertClassicHistogramsToNHCB": {"type": "boolean"},
    "fallbackScrapeProtocol": {"enum": SCRAPE_PROTOCOLS["items"]["enum"]},
    "jobLabel": {"type": "string"},
    "keepDroppedTargets": {"type": "integer"},
    "labelLimit": {"type": "integer"},
    "labelNameLengthLimit": {"type": "integer"},
    "labelValueLengthLimit": {"type": "integer"},
    "namespaceSelector": NAMESPACE_SELECTOR,
    "nativeHistogramBucketLimit": {"type": "integer"},
    "nativeHistogramMinBucketFactor": INT_OR_STRING,
    "podTargetLabels": {"type": "array", "items": {"type": "string"}},
    "sampleLimit": {"type": "integer"},
    "scrapeClass": {"type": "string", "minLength": 1},
    "scrapeClassicHistograms": {"type": "boolean"},
    "scrapeNativeHistograms": {"type": "boolean"},
    "scrapeProtocols": SCRAPE_PROTOCOLS,
    "selector": LABEL_SELECTOR,
    "selectorMechanism": {"enum": ["RelabelConfig", "RoleSelector"]},
    "targetLimit": {"type": "integer"},
}


def custom_resource(api_version, kind, spec):
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": METADATA,
            "spec": spec,
        },
    }


POD_MONITOR = custom_resource("monitoring.coreos.com/v1", "PodMonitor", {
    "type": "object",
    "required": ["selector", "podMetricsEndpoints"],  # the CRD requires selector; no endpoint = no scrape
    "additionalProperties": False,
    "properties": {
        **COMMON_MONITOR_SPEC_PROPERTIES,
        "podMetricsEndpoints": {"type": "array", "minItems": 1, "items": POD_METRICS_ENDPOINT},
    },
})

SERVICE_MONITOR = custom_resource("monitoring.coreos.com/v1", "ServiceMonitor", {
    "type": "object",
    "required": ["endpoints", "selector"],
    "additionalProperties": False,
    "properties": {
        **COMMON_MONITOR_SPEC_PROPERTIES,
        "endpoints": {"type": "array", "minItems": 1, "items": SERVICE_ENDPOINT},
        "serviceDiscoveryRole": {"enum": ["Endpoints", "EndpointSlice"]},
        "targetLabels": {"type": "array", "items": {"type": "string"}},
    },
})

RULE = {
    "type": "object",
    "required": ["expr"],
    "additionalProperties": False,
    "properties": {
        "alert": {"type": "string", "minLength": 1},
        "record": {"type": "string", "minLength": 1},
        "expr": INT_OR_STRING,
        "for": DURATION,
        "keep_firing_for": NON_EMPTY_DURATION,
        "labels": STRING_MAP,
        "annotations": STRING_MAP,
    },
    # Exactly one of alert / record (Prometheus' own rule); annotations and for are alert-only.
    "oneOf": [
        {"required": ["alert"], "not": {"required": ["record"]}},
        {"required": ["record"], "allOf": [
            {"not": {"required": ["alert"]}}, {"not": {"required": ["for"]}},
            {"not": {"required": ["annotations"]}}, {"not": {"required": ["keep_firing_for"]}}]},
    ],
}
PROMETHEUS_RULE = custom_resource("monitoring.coreos.com/v1", "PrometheusRule", {
    "type": "object",
    "required": ["groups"],
    "additionalProperties": False,
    "properties": {
        "groups": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "rules"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "interval": DURATION,
                    "query_offset": DURATION,
                    "limit": {"type": "integer"},
                    "labels": STRING_MAP,
                    "partial_response_strategy": {"type": "string", "pattern": r"^([Aa][Bb][Oo][Rr][Tt]|[Ww][Aa][Rr][Nn])?$"},
                    "rules": {"type": "array", "items": RULE},
                },
            },
        },
    },
})

SYNC_OPTIONS = {"type": "array", "items": {"type": "string", "pattern": r"^[A-Za-z]+=[^=]+$"}}
APPLICATION_SOURCE = {
    "type": "object",
    "required": ["repoURL"],
    "additionalProperties": False,
    "properties": {
        "repoURL": {"type": "string", "minLength": 1},
        "path": {"type": "string"},
        "targetRevision": {"type": "string"},
        "chart": {"type": "string"},
        "ref": {"type": "string"},
        "name": {"type": "string"},
        "directory": OBJECT,
        "helm": OBJECT,
        "kustomize": OBJECT,
        "plugin": OBJECT,
    },
}
APPLICATION = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "argoproj.io/v1alpha1"},
        "kind": {"const": "Application"},
        "metadata": METADATA,
        "operation": OBJECT,
        "spec": {
            "type": "object",
            "required": ["destination", "project"],
            "additionalProperties": False,
            "properties": {
                "project": {"type": "string", "minLength": 1},
                "source": APPLICATION_SOURCE,
                "sources": {"type": "array", "items": APPLICATION_SOURCE},
                "sourceHydrator": OBJECT,
                "destination": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "server": {"type": "string", "pattern": r"^https?://"},
                        "name": {"type": "string"},
                        "namespace": DNS_LABEL,
                    },
                    # ArgoCD refuses both or neither of server and name.
                    "oneOf": [{"required": ["server"]}, {"required": ["name"]}],
                },
                "syncPolicy": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "automated": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "prune": {"type": "boolean"},
                                "selfHeal": {"type": "boolean"},
                                "allowEmpty": {"type": "boolean"},
                                "enabled": {"type": "boolean"},
                            },
                        },
                        "syncOptions": SYNC_OPTIONS,
                        "retry": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "limit": {"type": "integer"},
                                "refresh": {"type": "boolean"},
                                "backoff": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {
                                        "duration": {"type": "string"},
                                        "factor": {"type": "integer"},
                                        "maxDuration": {"type": "string"},
                                    },
                                },
                            },
                        },
                        "managedNamespaceMetadata": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"labels": STRING_MAP, "annotations": STRING_MAP},
                        },
                    },
                },
                "ignoreDifferences": {"type": "array", "items": OBJECT},
                "info": {"type": "array", "items": OBJECT},
                "revisionHistoryLimit": {"type": "integer"},
            },
            # One source or several, not both, not neither.
            "oneOf": [{"required": ["source"]}, {"required": ["sources"]}, {"required": ["sourceHydrator"]}],
        },
    },
}

SCHEMAS = {
    ("monitoring.coreos.com/v1", "PodMonitor"): POD_MONITOR,
    ("monitoring.coreos.com/v1", "ServiceMonitor"): SERVICE_MONITOR,
    ("monitoring.coreos.com/v1", "PrometheusRule"): PROMETHEUS_RULE,
    ("argoproj.io/v1alpha1", "Application"): APPLICATION,
}


def check_schema(document):
    key = (document.get("apiVersion"), document.get("kind"))
    schema = SCHEMAS.get(key)
    if schema is None:
        known = ", ".join(f"{a} {k}" for a, k in SCHEMAS)
        return [f"no schema for apiVersion {key[0]!r} kind {key[1]!r} (known: {known})"]
    validator = jsonschema.Draft202012Validator(schema)
    errors = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(part) for part in error.absolute_path) or "(object)"
        errors.append(f"{path}: {error.message}")
    return errors


def check_prometheus_rule(document, promtool):
    """promtool check rules on the spec, as the plain rules file Prometheus would load.

    Returns (errors, note)."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, f"{document['metadata']['name']}.rules.yml")
        with open(path, "w") as file:
            yaml.safe_dump(document["spec"], file, sort_keys=False)
        result = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip().splitlines()
    if result.returncode != 0:
        return [f"promtool check rules: {line.strip()}" for line in output if line.strip()] or ["promtool check rules failed"], ""
    found = [line.strip() for line in output if "SUCCESS" in line]
    return [], "promtool check rules: " + (found[0] if found else "ok")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--promtool", default=shutil.which("promtool"),
                        help="promtool binary for PrometheusRule objects (default: promtool on PATH)")
    arguments = parser.parse_args()

    failed = checked = 0
    for name in arguments.files:
        try:
            with open(name) as file:
                documents = [d for d in yaml.safe_load_all(file) if d is not None]
        except (OSError, yaml.YAMLError) as error:
            print(f"ERROR {name}: {error}")
            failed += 1
            continue
        if not documents:
            print(f"ERROR {name}: no YAML document")
            failed += 1
        for document in documents:
            checked += 1
            if not isinstance(document, dict):
                print(f"ERROR {name}: a document is not a mapping")
                failed += 1
                continue
            label = f"{document.get('kind')}/{(document.get('metadata') or {}).get('name')}"
            errors = check_schema(document)
            note = "schema ok"
            if not errors and document.get("kind") == "PrometheusRule":
                if not arguments.promtool:
                    errors = ["promtool not found (Debian: apt-get install prometheus; or pass --promtool)"]
                else:
                    errors, promtool_note = check_prometheus_rule(document, arguments.promtool)
                    note = f"schema ok, {promtool_note}"
            if errors:
                failed += 1
                for error in errors:
                    print(f"ERROR {name}: {label}: {error}")
            else:
                print(f"ok    {name}: {label} ({note})")
    if failed:
        print(f"validate-crds.py: {failed} of {checked} custom resources failed")
        return 1
    print(f"validate-crds.py: {checked} custom resources ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
