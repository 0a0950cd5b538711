# Entry points. `make demo` and `make test` each do all set-up on a fresh Debian 12
# machine (system packages through scripts/setup.sh, then the Swift build).

SWIFT ?= swift
RELEASE_DIR := .build/release
DEBUG_DIR := .build/debug

.PHONY: setup build test demo bench-capture clean

setup:
	@scripts/setup.sh

# BPF object (compiled by the build plugin and embedded) + release executables; the
# object is also written to build/ for bpftool and BPF_OBJECT users.
build: setup
	$(SWIFT) build -c release --product monitor
	@mkdir -p build
	$(RELEASE_DIR)/monitor --export-bpf-object build/network_monitor.bpf.o
	@echo "built: $(RELEASE_DIR)/monitor, build/network_monitor.bpf.o"

# Everything, from one debug build: unit suites, the monitor binary, and (as root)
# BPF_PROG_TEST_RUN, XDP on test namespaces and the monitor end to end.
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel

demo: build
	@scripts/demo.sh

# Benchmark, not a test: UDP flood from a test namespace, with and without XDP.
bench-capture: build
	@Benchmarks/capture/bench-capture.sh

clean:
	rm -rf .build build
