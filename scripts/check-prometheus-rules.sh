#!/usr/bin/env bash
# Offline checks of the monitoring artifacts (part of `make test`):
#   - promtool check rules / check config on deploy/prometheus;
#   - promtool test rules on deploy/prometheus/tests/*.test.yml, and every alert of the rules
#     file has a unit test where it fires and one where it stays silent;
#   - every PromQL expression of the Grafana dashboard and of design-queries.promql parses
#     (each becomes a recording rule in a scratch rules file for promtool);
#   - the dashboard is valid JSON with unique panel ids and a datasource on every target.
# FleetPrometheusTests runs the same expressions against a real Prometheus and real sensors.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/deploy/prometheus"
command -v promtool >/dev/null || { echo "check-prometheus-rules: promtool is missing (make setup installs Debian's prometheus)" >&2; exit 1; }

promtool check rules ebpf-security.rules.yml
promtool check config prometheus.example.yml >/dev/null
promtool test rules tests/*.test.yml

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
python3 - "$scratch" <<'PY'
import json, re, sys, yaml
scratch = sys.argv[1]
rules = yaml.safe_load(open("ebpf-security.rules.yml"))
alerts = [r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r]
fires, silent = set(), set()
import glob
for path in glob.glob("tests/*.test.yml"):
    for test in yaml.safe_load(open(path))["tests"]:
        for case in test.get("alert_rule_test", []):
            (fires if case.get("exp_alerts") else silent).add(case["alertname"])
problems = [f"{a}: no unit test where it fires" for a in alerts if a not in fires]
problems += [f"{a}: no unit test where it stays silent" for a in alerts if a not in silent]
problems += [f"{a}: tested but not in the rules file" for a in sorted((fires | silent) - set(alerts))]

def substitute(expr):
    return expr.replace("$instance", ".*").replace("$__rate_interval", "1m")
dashboard = json.load(open("../grafana/ebpf-security-monitoring.json"))
ids, exprs = set(), []
for panel in dashboard["panels"]:
    if panel["id"] in ids: problems.append(f"dashboard: panel id {panel['id']} repeats")
    ids.add(panel["id"])
    for target in panel.get("targets", []):
        if "datasource" not in target: problems.append(f"dashboard: {panel['title']} {target['refId']} has no datasource")
        exprs.append((f"dashboard {panel['title']} {target['refId']}", substitute(target["expr"])))
if dashboard.get("title") != "eBPF Security Monitoring": problems.append("dashboard: title is not 'eBPF Security Monitoring'")
for n, line in enumerate(open("design-queries.promql"), 1):
    line = line.strip()
    if line and not line.startswith("#"): exprs.append((f"design-queries.promql:{n}", line))
scratch_rules = {"groups": [{"name": "parse-only", "rules": [
    {"record": f"parse:check_{i}", "expr": e} for i, (_, e) in enumerate(exprs)]}]}
yaml.safe_dump(scratch_rules, open(f"{scratch}/exprs.rules.yml", "w"), sort_keys=False)
json.dump([w for w, _ in exprs], open(f"{scratch}/where.json", "w"))
if problems:
    print("\n".join(problems), file=sys.stderr); sys.exit(1)
print(f"check-prometheus-rules: {len(alerts)} alerts each tested firing and silent; {len(exprs)} dashboard and design expressions")
PY
if ! out="$(promtool check rules "$scratch/exprs.rules.yml" 2>&1)"; then
  echo "$out" >&2
  echo "check-prometheus-rules: an expression above does not parse; parse:check_N is entry N of:" >&2
  python3 -c 'import json,sys; [print(i, w) for i, w in enumerate(json.load(open(sys.argv[1])))]' "$scratch/where.json" >&2
  exit 1
fi
echo "check-prometheus-rules: every expression parses"
