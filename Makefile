# Entry points. `make demo` and `make test` each do all set-up on a fresh Debian 12
# machine (system packages through scripts/setup.sh, then the Swift build).

SWIFT ?= swift
RELEASE_DIR := .build/release
DEBUG_DIR := .build/debug

# Debian's OpenBLAS 0.3.21 does not recognise AVX-512 on this machine kind and falls back to
# slower kernels; it reads OPENBLAS_CORETYPE when it loads, so set it for everything make runs,
# only on CPUs that have AVX-512 (a caller's own setting wins).
ifeq ($(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo yes),yes)
OPENBLAS_CORETYPE ?= SkylakeX
export OPENBLAS_CORETYPE
endif

.PHONY: setup build install check test fuzz docs demo bench-capture bench-models bench-detector bench-auth soak clean

setup:
	@scripts/setup.sh

# BPF object (compiled by the build plugin and embedded) + release executables; the
# object is also written to build/ for bpftool and BPF_OBJECT users.
build: setup
	$(SWIFT) build -c release --product monitor
	$(SWIFT) build -c release --product detector
	@mkdir -p build
	$(RELEASE_DIR)/monitor --export-bpf-object build/network_monitor.bpf.o
	@echo "built: $(RELEASE_DIR)/monitor, $(RELEASE_DIR)/detector, build/network_monitor.bpf.o"

PREFIX ?= /usr/local

# Installs the release binaries and the systemd units (docs/deploy-systemd.md); builds nothing
# (run `make build` first, as your user, so that `sudo make install` does not compile as root)
# and starts nothing. PREFIX, DESTDIR, BIN_DIR, SYSCONFDIR, SYSTEMD_UNIT_DIR, GENERATE_TOKEN.
install:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" BIN_DIR="$(or $(BIN_DIR),$(RELEASE_DIR))" scripts/install.sh

# Everything, from one debug build (and one instrumented build of the fuzz targets, Fuzz/): the
# deployment artifacts (alert rules and their unit tests, dashboard queries, Kubernetes
# manifests, systemd units; offline), the soak's RSS-trend estimator on made-up series, bounded
# fuzzing (the API, then each libFuzzer target for FUZZ_SECONDS, default 20), unit suites, the
# monitor binary, and (as root) BPF_PROG_TEST_RUN, XDP on test namespaces and the monitor end to
# end. The suites that send real traffic (floods are judged by their rate) run afterwards, one at
# a time, with the machine to themselves but for the quiet 10-minute benign run, which runs
# beside them (scripts/privileged-tests.sh); everything else runs in parallel first, where the
# suites that start services take turns (at most TEST_SERVICE_PROCESSES of them at once, see
# Tests/TestSupport/ServiceSlots.swift). Each phase says how long it took (scripts/phase.sh).
PHASE := scripts/phase.sh
test:
	@$(PHASE) --reset
	@$(PHASE) setup scripts/setup.sh
	@$(PHASE) dependencies scripts/check-dependencies.py
	@$(PHASE) alert-rules scripts/check-prometheus-rules.sh
	@$(PHASE) kubernetes scripts/validate-kubernetes.sh
	@$(PHASE) soak-estimator python3 Benchmarks/soak/memory.py --self-test
	@$(PHASE) build $(SWIFT) build --build-tests
	@$(PHASE) systemd-units scripts/check-systemd-units.sh
	@$(PHASE) fuzz-api scripts/fuzz-api.sh
	@$(PHASE) fuzz-targets scripts/fuzz-targets.sh
	@$(PHASE) parallel $(SWIFT) test --skip-build --parallel --skip PrivilegedTests
	@$(PHASE) privileged env SWIFT=$(SWIFT) scripts/privileged-tests.sh
	@$(PHASE) --summary

# The contributor's tier: every suite that needs neither root nor real traffic (the parallel
# phase of make test), from the same debug build, with no set-up, fuzzing or deployment checks.
# Minutes after the build; make test is the whole suite, as CI runs it.
check:
	@$(PHASE) --reset
	@$(PHASE) build $(SWIFT) build --build-tests
	@$(PHASE) unprivileged $(SWIFT) test --skip-build --parallel --skip PrivilegedTests
	@$(PHASE) --summary

# Longer fuzzing than make test's bounded runs: the detector's API (schemathesis,
# docs/openapi.json against the debug detector, FUZZ_EXAMPLES per operation), the libFuzzer
# targets of Fuzz/ (FUZZ_SECONDS each), and as root the XDP program against the Swift parser on
# FUZZ_FRAMES random and mutated frames of each kind (BPF_PROG_TEST_RUN).
fuzz: setup
	$(SWIFT) build --product detector
	FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),1000) scripts/fuzz-api.sh
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),300) scripts/fuzz-targets.sh
	if [ "$$(id -u)" = 0 ]; then FUZZ_FRAMES=$(or $(FUZZ_FRAMES),100000) $(SWIFT) test --filter MutatedFramesTests; fi

# The DocC catalog of every library, built with swift-docc-plugin; fails on any DocC warning.
docs: setup
	@scripts/build-docs.sh

demo: build
	@scripts/demo.sh

# Benchmark, not a test: UDP flood from a test namespace, with and without XDP.
bench-capture: build
	@Benchmarks/capture/bench-capture.sh

# Benchmark, not a test: the models (Swift, release) against scikit-learn and NumPy (PyTorch with
# BENCH_TORCH=1), single-threaded, in one run; the Python side lives in .venv-bench.
bench-models: setup
	@SWIFT=$(SWIFT) Benchmarks/models/bench-models.sh

# Benchmark, not a test (root): hydra's 200 guesses against a real sshd, first failure in its log
# to the brute_force verdict, from the debug test build.
bench-auth: setup
	@$(SWIFT) build --build-tests >/dev/null
	@Benchmarks/auth/bench-auth.sh

# Benchmark, not a test: wrk against POST /detect on loopback, full path and rules only.
bench-detector: setup
	@SWIFT=$(SWIFT) Benchmarks/detector/bench-detector.sh

# Benchmark, not a test (root, about 15 min): 10 minutes of wrk saturating POST /detect while
# the monitor counts a flood from a test namespace; RSS slope, latency against the first minute.
soak: setup
	@SWIFT=$(SWIFT) Benchmarks/soak/soak.sh

clean:
	rm -rf .build build
