#!/usr/bin/env bash
# Offline validation of the Kubernetes deployment (no cluster, no registry):
#   1. deploy/kubernetes/generate.sh --check: the PrometheusRule and dashboard copies are current;
#   2. every overlay in deploy/kubernetes/overlays/ renders with `kubectl kustomize`;
#   3. its built-in objects validate against the Kubernetes JSON schemas (kubernetes-validate,
#      --strict, every version in K8S_VERSIONS);
#   4. its custom resources (PodMonitor, ServiceMonitor, PrometheusRule) and
#      deploy/argocd/application.yaml pass scripts/validate-crds.py (schema subsets of the
#      published CRDs; promtool check rules on the rules);
#   5. scripts/kubernetes-invariants.py: hostNetwork, maxSurge 0, the monitor's capabilities (or
#      privileged, in overlays whose name starts with "privileged"), probes, references, ...
#
# Run from anywhere: scripts/validate-kubernetes.sh. Needs kubectl (kustomize built in), promtool
# (Debian: prometheus), python3 with venv (Debian: python3-venv); the Python packages are pinned
# below and installed from PyPI into .venv-deploy at the repository root, reused when current.
# Environment: K8S_VERSIONS (default "1.29.0 1.37.0"), PYTHON (default python3), plus
# generate.sh's RULES_FILE / DASHBOARD_FILE / OUT_DIR.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# kubernetes-validate 1.37.0 ships the schemas of Kubernetes 1.25 ... 1.37.
requirements=(kubernetes-validate==1.37.0 jsonschema==4.26.0 PyYAML==6.0.4)
read -r -a k8s_versions <<<"${K8S_VERSIONS:-1.29.0 1.37.0}"
venv="$root/.venv-deploy"
python="${PYTHON:-python3}"

fail() { echo "validate-kubernetes: FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }

# --- tools ----------------------------------------------------------------------------------------
if ! command -v kubectl >/dev/null 2>&1; then
  cat >&2 <<'EOF'
validate-kubernetes: kubectl not found. It renders the overlays (`kubectl kustomize`, kustomize
built in; no cluster needed). Install kubectl >= 1.24 from the Kubernetes apt repository
(https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/) or as a standalone binary on PATH.
Debian 12's own package (kubernetes-client, kubectl 1.20) is too old for these kustomizations.
EOF
  exit 1
fi
# The overlays use `labels:` and components: kustomize >= 4.5, i.e. kubectl >= 1.24. (Debian 12's
# own kubernetes-client package is kubectl 1.20 with kustomize 2.0: too old.)
kustomize_version="$(kubectl version --client -o json 2>/dev/null |
  sed -n 's/.*"kustomizeVersion": *"v\{0,1\}\([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p')"
read -r kustomize_major kustomize_minor <<<"${kustomize_version:-0 0}"
if [ "$kustomize_major" -lt 4 ] || { [ "$kustomize_major" -eq 4 ] && [ "$kustomize_minor" -lt 5 ]; }; then
  fail "kubectl's built-in kustomize is ${kustomize_major}.${kustomize_minor} (0.0: unknown); need >= 4.5 (kubectl >= 1.24)"
fi
command -v promtool >/dev/null 2>&1 || fail "promtool not found (Debian 12: apt-get install prometheus)"
command -v "$python" >/dev/null 2>&1 || fail "$python not found (Debian 12: apt-get install python3 python3-venv)"

# --- 1. generated files ---------------------------------------------------------------------------
step "generate.sh --check"
deploy/kubernetes/generate.sh --check

# --- Python environment ---------------------------------------------------------------------------
stamp="$venv/.validate-kubernetes-requirements"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${requirements[*]}" ]; then
  step "installing ${requirements[*]} into ${venv#"$root"/}"
  rm -rf "$venv"
  "$python" -m venv "$venv" ||
    fail "could not create $venv with '$python -m venv' (Debian 12: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}" ||
    fail "pip install ${requirements[*]} failed"
  printf '%s\n' "${requirements[*]}" >"$stamp"
fi
vpython="$venv/bin/python"
kv="$venv/bin/kubernetes-validate"
echo "kubernetes-validate $("$kv" --version), Kubernetes schemas ${k8s_versions[*]}, $(kubectl version --client 2>/dev/null | grep -i kustomize || echo 'kustomize: built into kubectl')"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- 2-5. overlays --------------------------------------------------------------------------------
overlays=()
for dir in deploy/kubernetes/overlays/*/; do
  [ -f "$dir/kustomization.yaml" ] && overlays+=("$(basename "$dir")")
done
[ ${#overlays[@]} -gt 0 ] || fail "no overlays under deploy/kubernetes/overlays"

k8s_args=()
for version in "${k8s_versions[@]}"; do k8s_args+=(-k "$version"); done

summaries=()
for overlay in "${overlays[@]}"; do
  step "overlay $overlay"
  out="$work/$overlay"
  mkdir -p "$out"
  kubectl kustomize "deploy/kubernetes/overlays/$overlay" >"$out/rendered.yaml" ||
    fail "kubectl kustomize deploy/kubernetes/overlays/$overlay"

  privileged=()
  case "$overlay" in privileged*) privileged=(--privileged) ;; esac
  summary="$("$vpython" scripts/kubernetes-invariants.py "$out/rendered.yaml" --name "$overlay" \
    "${privileged[@]}" --split "$out")" || { echo "$summary"; fail "invariants of overlay $overlay"; }

  # --quiet prints failures and warnings only; a warning (no schema for a kind) is a failure too.
  set +e
  report="$("$kv" --strict --quiet "${k8s_args[@]}" "$out/core.yaml" 2>&1)"
  status=$?
  set -e
  if [ "$status" -ne 0 ] || [ -n "$report" ]; then
    echo "${report//"$out/core.yaml"/$overlay}"
    fail "kubernetes-validate on overlay $overlay (status $status)"
  fi
  core_count="$(grep -c '^kind:' "$out/core.yaml" || true)"
  echo "kubernetes-validate --strict: $core_count built-in objects ok against ${k8s_versions[*]}"

  "$vpython" scripts/validate-crds.py "$out/crds.yaml" | sed "s|$out/crds.yaml|$overlay|" ||
    fail "custom resources of overlay $overlay"
  echo "$summary"
  summaries+=("$summary")
done

step "deploy/argocd/application.yaml"
"$vpython" scripts/validate-crds.py deploy/argocd/application.yaml || fail "deploy/argocd/application.yaml"
app_path="$("$vpython" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["spec"]["source"]["path"])' deploy/argocd/application.yaml)"
[ -f "$app_path/kustomization.yaml" ] || fail "deploy/argocd/application.yaml: source.path $app_path is not a kustomization in this repository"
echo "source.path $app_path is an overlay of this repository"

echo
echo "validate-kubernetes: all checks passed"
for summary in "${summaries[@]}"; do echo "  $summary"; done
