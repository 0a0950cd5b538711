#!/usr/bin/env bash
# bench-models: the AnomalyModels library (Swift, release) against Python references, both sides
# in the same run, on the same data files, single-threaded.
#
#   dbscan_fit_{10k,50k,100k}  DBSCANModel.fit vs scikit-learn DBSCAN(eps, min_samples,
#                              algorithm='auto', n_jobs=1) on n standardised 7-d points
#                              (anisotropic Gaussian blobs + 2 % uniform noise), best of
#                              BENCH_REPEAT; labels_equal: the same clustering up to a renumbering
#                              of the clusters (compared in Python; mismatched_points otherwise).
#                              eps (printed) gives a mean neighbourhood of ~80-110 points.
#   vae_train_50x10k           VariationalAutoencoder.train vs the same VAE (70 → 32 tanh →
#                              μ, log σ² (4) → 32 tanh → 70, Adam 1e-3, batch 64, 50 epochs, squared
#                              error sum + KL) in PyTorch (float64, 1 thread) when it is installed
#                              in the venv, else in NumPy; reference_impl says which.
#   retrain_5k                 AnomalyEnsemble.train on 5 000 × 7 windows vs the same work in
#                              scikit-learn + NumPy (see reference.py); target_lt_1s: Swift < 1 s.
#   score_single               AnomalyEnsemble.score of one vector (with 9 vectors of history),
#                              median latency, vs the NumPy + sklearn KDTree single-vector path.
#   ratio = reference / swift: above 1 Swift is faster.
#
# Data files (written by reference.py generate, read by model-bench): little-endian int64 rows,
# int64 columns, then rows × columns float64, row-major. Labels: text, one per line, -1 = noise.
#
# Environment:
#   BENCH_TORCH=1       pip install torch into the venv (PyPI's wheel is large: it pulls CUDA
#                       libraries) and use it for the VAE reference; without it PyTorch is used
#                       only if it is already importable in the venv, else NumPy.
#   BENCH_TORCH_SPEC    what BENCH_TORCH=1 installs (default "torch"), e.g. a CPU-only wheel file.
#                       When neither is set and /opt/wheels holds a CPU-only torch wheel, that
#                       wheel is installed and used (no CUDA download).
#   BENCH_REPEAT        runs per figure, best reported (default 3)
#   BENCH_SIZES         DBSCAN sizes (default "10k 50k 100k")
#   BENCH_DATA          keep the data and outputs in this directory (default: a temporary one)
#   VENV                the Python venv (default .venv-bench at the repository root)
#   OPENBLAS_CORETYPE   kept if set; otherwise SkylakeX when /proc/cpuinfo lists avx512f
#
# Output: one `name: key=value ...` line per figure on stdout; build and pip output on stderr.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

SWIFT=${SWIFT:-swift}
VENV=${VENV:-$root/.venv-bench}
REPEAT=${BENCH_REPEAT:-3}
SIZES=${BENCH_SIZES:-"10k 50k 100k"}
REFERENCE=Benchmarks/models/reference.py

# Single-thread comparisons: OpenBLAS (Swift via CBLAS, NumPy via its own OpenBLAS), OpenMP, MKL.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# Debian's OpenBLAS 0.3.21 mis-detects some AVX-512 CPUs and falls back to SSE3 kernels.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=SkylakeX
fi

# Python side.
if [ ! -x "$VENV/bin/python" ]; then
  echo "bench-models: creating $VENV" >&2
  python3 -m venv "$VENV" >&2
fi
py="$VENV/bin/python"
if ! "$py" -c 'import numpy, sklearn, threadpoolctl' 2>/dev/null; then
  "$py" -m pip install -q --upgrade pip >&2
  "$py" -m pip install -q numpy scikit-learn threadpoolctl >&2
fi
# A CPU-only PyTorch wheel already on the machine (no CUDA download) is used by default.
if [ -z "${BENCH_TORCH_SPEC:-}" ] && [ -z "${BENCH_TORCH:-}" ]; then
  local_wheel=$(ls /opt/wheels/torch-*+cpu-*.whl 2>/dev/null | head -n 1 || true)
  if [ -n "$local_wheel" ]; then
    BENCH_TORCH=1
    BENCH_TORCH_SPEC=$local_wheel
  fi
fi
if [ "${BENCH_TORCH:-0}" = 1 ] && ! "$py" -c 'import torch' 2>/dev/null; then
  echo "bench-models: BENCH_TORCH=1: installing ${BENCH_TORCH_SPEC:-torch} (large download)" >&2
  "$py" -m pip install -q "${BENCH_TORCH_SPEC:-torch}" >&2 \
    || echo "bench-models: torch did not install; the VAE reference uses NumPy" >&2
fi

# Swift side.
echo "bench-models: building model-bench (release)" >&2
"$SWIFT" build -c release --package-path Benchmarks --product model-bench >&2
bench="Benchmarks/.build/release/model-bench"

if [ -n "${BENCH_DATA:-}" ]; then
  work=$BENCH_DATA
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

echo "bench-models: generating data in $work" >&2
"$py" "$REFERENCE" generate --out "$work" >/dev/null

failed=0
# run OUTPUT COMMAND...: the command's JSON to OUTPUT; a failure is reported and leaves no output.
run() {
  local out=$1; shift
  if ! "$@" >"$out.tmp"; then
    echo "bench-models: failed: $*" >&2
    rm -f "$out.tmp"; failed=1; return 0
  fi
  mv "$out.tmp" "$out"
}
eps_of() { "$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["dbscan"][sys.argv[2]]["eps"])' "$work/params.json" "$1"; }
min_points_of() { "$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["dbscan"][sys.argv[2]]["min_points"])' "$work/params.json" "$1"; }

"$bench" info | "$py" -c 'import json, sys; i = json.load(sys.stdin); print("blas_core=%s threads=%s" % (i["blas_core"], i["threads"]))'

for size in $SIZES; do
  eps=$(eps_of "$size"); k=$(min_points_of "$size")
  run "$work/swift_dbscan_$size.json" "$bench" dbscan --data "$work/dbscan_$size.bin" --eps "$eps" --min-points "$k" \
    --labels-out "$work/swift_dbscan_$size.labels" --repeat "$REPEAT"
  run "$work/ref_dbscan_$size.json" "$py" "$REFERENCE" dbscan --data "$work/dbscan_$size.bin" --eps "$eps" --min-points "$k" \
    --labels-out "$work/ref_dbscan_$size.labels" --repeat "$REPEAT"
  "$py" "$REFERENCE" line "dbscan_fit_$size" --swift "$work/swift_dbscan_$size.json" --reference "$work/ref_dbscan_$size.json" \
    --swift-labels "$work/swift_dbscan_$size.labels" --reference-labels "$work/ref_dbscan_$size.labels" --params "$work/params.json"
done

vae_args=(--data "$work/vae_10k.bin" --epochs 50 --batch 64 --hidden 32 --latent 4)
run "$work/swift_vae.json" "$bench" vae "${vae_args[@]}" --repeat "$REPEAT"
run "$work/ref_vae.json" "$py" "$REFERENCE" vae "${vae_args[@]}" --repeat "$REPEAT"
"$py" "$REFERENCE" line vae_train_50x10k --swift "$work/swift_vae.json" --reference "$work/ref_vae.json"

run "$work/swift_retrain.json" "$bench" retrain --data "$work/windows_5k.bin" --repeat "$REPEAT"
run "$work/ref_retrain.json" "$py" "$REFERENCE" retrain --data "$work/windows_5k.bin" --repeat "$REPEAT"
"$py" "$REFERENCE" line retrain_5k --swift "$work/swift_retrain.json" --reference "$work/ref_retrain.json"

run "$work/swift_score.json" "$bench" score --data "$work/windows_5k.bin"
run "$work/ref_score.json" "$py" "$REFERENCE" score --data "$work/windows_5k.bin"
"$py" "$REFERENCE" line score_single --swift "$work/swift_score.json" --reference "$work/ref_score.json"

exit "$failed"
