#!/usr/bin/env python3
"""Checks one rendered overlay (the output of `kubectl kustomize`) for what the sensor needs.

    scripts/kubernetes-invariants.py RENDERED.yaml --name OVERLAY [--privileged] [--split DIR]

Schemas say whether objects are well-formed; this says whether they are the sensor the docs
describe: one DaemonSet on the host network that never runs two pods on a node (maxSurge 0), a
monitor holding exactly BPF, NET_ADMIN and PERFMON (or privileged, with --privileged, for
overlays/privileged-fallback), a non-root detector, /health and /ready probes on the named ports,
the token Secret and the ConfigMap that the pods reference, exactly one scrape object (PodMonitor
or ServiceMonitor, never both), the rule and dashboard objects.

--split DIR writes DIR/core.yaml (built-in kinds, for kubernetes-validate) and DIR/crds.yaml
(custom resources, for scripts/validate-crds.py). Prints one summary line; exit status 1 with one
line per broken invariant.
"""

import argparse
import collections
import json
import os
import sys

import yaml

NAMESPACE = "ebpf-security"
CAPABILITIES = {"BPF", "NET_ADMIN", "PERFMON"}
MODEL_DIR = "/var/lib/ebpf-security/models"
PORTS = {"monitor": ("monitor-http", 8800), "detector": ("detector-http", 5000)}
JOBS = {"monitor-http": "ebpf-monitor", "detector-http": "ml-detector"}
# API groups served by Kubernetes itself (kubernetes-validate has schemas for them).
CORE_GROUPS = {"", "apps", "batch", "policy", "rbac.authorization.k8s.io", "networking.k8s.io",
               "scheduling.k8s.io", "autoscaling", "storage.k8s.io", "coordination.k8s.io"}


def group(document):
    api_version = document.get("apiVersion", "")
    return api_version.split("/")[0] if "/" in api_version else ""


class Checks:
    def __init__(self):
        self.failures = []

    def expect(self, condition, message):
        if not condition:
            self.failures.append(message)
        return condition


def container_port(container, name):
    for port in container.get("ports", []):
        if port.get("name") == name:
            return port
    return None


def env_value(container, name):
    for entry in container.get("env", []):
        if entry.get("name") == name:
            return entry
    return None


def check_container_probes(c, container, port_name):
    name = container["name"]
    for probe, path in (("livenessProbe", "/health"), ("readinessProbe", "/ready"), ("startupProbe", "/health")):
        get = (container.get(probe) or {}).get("httpGet")
        if not c.expect(get is not None, f"{name}: {probe} is missing or not an httpGet probe"):
            continue
        c.expect(get.get("path") == path, f"{name}: {probe} path is {get.get('path')!r}, expected {path}")
        c.expect(get.get("port") == port_name, f"{name}: {probe} port is {get.get('port')!r}, expected {port_name}")


def check(documents, privileged):
    c = Checks()
    by_kind = collections.defaultdict(list)
    for document in documents:
        by_kind[document["kind"]].append(document)
    named = {(d["kind"], d["metadata"]["name"]) for d in documents}

    for document in documents:
        if document["kind"] != "Namespace":
            namespace = document["metadata"].get("namespace")
            c.expect(namespace == NAMESPACE,
                     f"{document['kind']}/{document['metadata']['name']}: namespace {namespace!r}, expected {NAMESPACE}")

    namespaces = by_kind["Namespace"]
    if c.expect(len(namespaces) == 1, f"expected one Namespace, found {len(namespaces)}"):
        labels = namespaces[0]["metadata"].get("labels", {})
        c.expect(labels.get("pod-security.kubernetes.io/enforce") == "privileged",
                 "Namespace: pod-security.kubernetes.io/enforce must be privileged (hostNetwork, hostPath, capabilities)")

    daemonsets = by_kind["DaemonSet"]
    if not c.expect(len(daemonsets) == 1, f"expected one DaemonSet, found {len(daemonsets)}"):
        return c.failures
    ds = daemonsets[0]
    spec = ds["spec"]
    pod = spec["template"]["spec"]
    strategy = spec.get("updateStrategy", {})
    rolling = strategy.get("rollingUpdate", {})
    c.expect(strategy.get("type") == "RollingUpdate", "DaemonSet: updateStrategy.type must be RollingUpdate")
    c.expect(rolling.get("maxSurge") in (0, "0", "0%"),
             f"DaemonSet: maxSurge is {rolling.get('maxSurge')!r}; must be 0 (two XDP programs on one interface)")
    c.expect(rolling.get("maxUnavailable") not in (None, 0, "0", "0%"), "DaemonSet: maxUnavailable must be > 0")
    c.expect(pod.get("hostNetwork") is True, "DaemonSet: hostNetwork must be true (XDP attaches to a node interface)")
    c.expect(pod.get("dnsPolicy") == "ClusterFirstWithHostNet", "DaemonSet: dnsPolicy must be ClusterFirstWithHostNet")
    c.expect(pod.get("terminationGracePeriodSeconds", 30) >= 30,
             "DaemonSet: terminationGracePeriodSeconds below 30 s leaves too little time to detach XDP")
    c.expect({"operator": "Exists"} in pod.get("tolerations", []), "DaemonSet: needs a toleration {operator: Exists}")

    containers = {container["name"]: container for container in pod.get("containers", [])}
    c.expect(set(containers) == {"monitor", "detector"},
             f"DaemonSet: containers are {sorted(containers)}, expected monitor and detector")
    every_container = pod.get("containers", []) + pod.get("initContainers", [])
    for container in every_container:
        security = container.get("securityContext", {})
        if security.get("privileged"):
            c.expect(security.get("allowPrivilegeEscalation") is not False,
                     f"{container['name']}: privileged with allowPrivilegeEscalation false is rejected by the API")
        c.expect(security.get("readOnlyRootFilesystem") is True, f"{container['name']}: readOnlyRootFilesystem must be true")
    images = {container.get("image") for container in every_container}
    c.expect(len(images) == 1, f"DaemonSet: containers run different images {sorted(map(str, images))}")

    monitor = containers.get("monitor")
    if monitor:
        security = monitor.get("securityContext", {})
        if privileged:
            c.expect(security.get("privileged") is True, "monitor: must be privileged in this overlay")
        else:
            c.expect(not security.get("privileged"), "monitor: must not be privileged")
            capabilities = security.get("capabilities", {})
            c.expect(set(capabilities.get("add", [])) == CAPABILITIES and len(capabilities.get("add", [])) == 3,
                     f"monitor: capabilities.add is {capabilities.get('add')}, expected exactly {sorted(CAPABILITIES)}")
            c.expect(capabilities.get("drop") == ["ALL"], "monitor: capabilities.drop must be [ALL]")
            c.expect(security.get("allowPrivilegeEscalation") is False, "monitor: allowPrivilegeEscalation must be false")
            c.expect((security.get("seccompProfile") or {}).get("type") == "RuntimeDefault",
                     "monitor: seccompProfile must be RuntimeDefault")
        c.expect(security.get("runAsUser") == 0, "monitor: runAsUser must be 0 (no ambient capabilities for non-root)")
        c.expect("--require-xdp" in monitor.get("args", []), "monitor: args must include --require-xdp")
        url = env_value(monitor, "ML_DETECTOR_URL") or {}
        c.expect(url.get("value") == f"http://127.0.0.1:{PORTS['detector'][1]}",
                 f"monitor: ML_DETECTOR_URL is {url.get('value')!r}, expected the detector in the pod")

    detector = containers.get("detector")
    if detector:
        security = detector.get("securityContext", {})
        c.expect(security.get("runAsNonRoot") is True and security.get("runAsUser") == 65532,
                 "detector: must run as non-root uid 65532")
        c.expect(not security.get("privileged"), "detector: must not be privileged")
        c.expect((security.get("capabilities") or {}).get("drop") == ["ALL"], "detector: capabilities.drop must be [ALL]")
        c.expect(not (security.get("capabilities") or {}).get("add"), "detector: must add no capabilities")
        c.expect(security.get("allowPrivilegeEscalation") is False, "detector: allowPrivilegeEscalation must be false")
        c.expect((security.get("seccompProfile") or {}).get("type") == "RuntimeDefault",
                 "detector: seccompProfile must be RuntimeDefault")
        model_dir = env_value(detector, "MODEL_DIR") or {}
        c.expect(model_dir.get("value") == MODEL_DIR, f"detector: MODEL_DIR must be {MODEL_DIR}")
        mounts = {m["mountPath"]: m["name"] for m in detector.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        host_path = (volumes.get(mounts.get(MODEL_DIR), {}) or {}).get("hostPath") or {}
        c.expect(host_path.get("path") == MODEL_DIR and host_path.get("type") == "DirectoryOrCreate",
                 f"detector: {MODEL_DIR} must be a hostPath (DirectoryOrCreate) mount")

    for name, container in containers.items():
        if name not in PORTS:
            continue
        port_name, number = PORTS[name]
        port = container_port(container, port_name)
        if c.expect(port is not None, f"{name}: no container port named {port_name}"):
            c.expect(port.get("containerPort") == number, f"{name}: {port_name} must be {number}")
        address = env_value(container, "HTTP_ADDR") or {}
        c.expect(address.get("value") == f"0.0.0.0:{number}", f"{name}: HTTP_ADDR must be 0.0.0.0:{number}")
        check_container_probes(c, container, port_name)
        c.expect((container.get("resources") or {}).get("limits", {}).get("memory") is not None,
                 f"{name}: needs a memory limit")
        c.expect((container.get("resources") or {}).get("requests") is not None, f"{name}: needs resource requests")
        token = ((env_value(container, "DETECTOR_API_TOKEN") or {}).get("valueFrom") or {}).get("secretKeyRef")
        if c.expect(token is not None and token.get("key") == "token",
                    f"{name}: DETECTOR_API_TOKEN must come from a Secret's key `token`"):
            c.expect(("Secret", token.get("name")) in named,
                     f"{name}: DETECTOR_API_TOKEN references Secret {token.get('name')!r}, which the overlay does not render")
        for source in container.get("envFrom", []):
            reference = (source.get("configMapRef") or {}).get("name")
            if reference:
                c.expect(("ConfigMap", reference) in named, f"{name}: envFrom ConfigMap {reference!r} is not rendered")

    config = [d for d in by_kind["ConfigMap"] if d["metadata"]["name"].startswith("ebpf-security-config")]
    if c.expect(len(config) == 1, "expected one ebpf-security-config ConfigMap"):
        c.expect(config[0].get("data", {}).get("INTERFACE"), "ebpf-security-config: INTERFACE is missing or empty")

    dashboards = [d for d in by_kind["ConfigMap"] if d["metadata"]["name"] == "ebpf-security-dashboard"]
    if c.expect(len(dashboards) == 1, "expected the ConfigMap ebpf-security-dashboard (fixed name)"):
        c.expect(dashboards[0]["metadata"].get("labels", {}).get("grafana_dashboard") == "1",
                 "ebpf-security-dashboard: label grafana_dashboard must be \"1\"")
        for key, value in dashboards[0].get("data", {}).items():
            try:
                json.loads(value)
            except ValueError as error:
                c.failures.append(f"ebpf-security-dashboard: {key} is not JSON: {error}")

    rules = by_kind["PrometheusRule"]
    if c.expect(len(rules) == 1, f"expected one PrometheusRule, found {len(rules)}"):
        c.expect(rules[0]["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "ebpf-security",
                 "PrometheusRule: label app.kubernetes.io/part-of: ebpf-security is what the docs' ruleSelector uses")

    scrapers = by_kind["PodMonitor"] + by_kind["ServiceMonitor"]
    if c.expect(len(scrapers) == 1,
                f"expected exactly one PodMonitor or ServiceMonitor, found {len(scrapers)} (both would double every series)"):
        scraper = scrapers[0]
        endpoints = scraper["spec"].get("podMetricsEndpoints") or scraper["spec"].get("endpoints") or []
        seen = {}
        for endpoint in endpoints:
            job = [r.get("replacement") for r in endpoint.get("relabelings", []) if r.get("targetLabel") == "job"]
            instance = [r.get("sourceLabels") for r in endpoint.get("relabelings", []) if r.get("targetLabel") == "instance"]
            seen[endpoint.get("port")] = job
            c.expect(instance == [["__meta_kubernetes_pod_node_name"]],
                     f"{scraper['kind']}: port {endpoint.get('port')}: instance must be relabelled from the node name")
            c.expect(endpoint.get("interval") == "15s" and endpoint.get("path") == "/metrics",
                     f"{scraper['kind']}: port {endpoint.get('port')}: expected /metrics every 15s")
        c.expect(seen == {port: [job] for port, job in JOBS.items()},
                 f"{scraper['kind']}: job relabelings are {seen}, expected {JOBS}")
    return c.failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rendered")
    parser.add_argument("--name", required=True, help="overlay name, for the summary line")
    parser.add_argument("--privileged", action="store_true", help="the monitor is expected to be privileged")
    parser.add_argument("--split", metavar="DIR", help="write DIR/core.yaml and DIR/crds.yaml")
    arguments = parser.parse_args()

    with open(arguments.rendered) as file:
        documents = [d for d in yaml.safe_load_all(file) if d]
    bad = [d for d in documents if not isinstance(d, dict) or "kind" not in d or "metadata" not in d]
    if bad:
        print(f"{arguments.name}: {len(bad)} documents without kind/metadata")
        return 1

    if arguments.split:
        os.makedirs(arguments.split, exist_ok=True)
        core = [d for d in documents if group(d) in CORE_GROUPS]
        custom = [d for d in documents if group(d) not in CORE_GROUPS]
        for name, subset in (("core.yaml", core), ("crds.yaml", custom)):
            with open(os.path.join(arguments.split, name), "w") as file:
                yaml.safe_dump_all(subset, file, sort_keys=False)

    failures = check(documents, arguments.privileged)
    kinds = collections.Counter(d["kind"] for d in documents)
    summary = ", ".join(f"{kind}×{count}" if count > 1 else kind for kind, count in sorted(kinds.items()))
    if failures:
        for failure in failures:
            print(f"INVARIANT {arguments.name}: {failure}")
        print(f"{arguments.name}: {len(failures)} invariant(s) broken")
        return 1
    monitor = "privileged monitor" if arguments.privileged else "monitor caps BPF,NET_ADMIN,PERFMON"
    print(f"{arguments.name}: {len(documents)} objects ({summary}); invariants ok ({monitor})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
