# The two commands of the README. Each installs what it needs first.
SWIFT ?= swift
CONFIG ?= release
# Build for this machine's CPU on x86_64 (AVX2/AVX-512 for the SIMD kernels); portable elsewhere.
ifeq ($(shell uname -m),x86_64)
SWIFTFLAGS ?= -Xswiftc -target-cpu -Xswiftc native
endif
# Debian's OpenBLAS falls back to its slow "Prescott" kernels on virtual CPUs it does not know;
# name the core from the CPU flags (the divtune binary does the same for itself, BLASCoreCheck).
OPENBLAS_CORETYPE ?= $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo SkylakeX || (grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo Haswell))
ifneq ($(OPENBLAS_CORETYPE),)
export OPENBLAS_CORETYPE
endif
# One build configuration for everything: tests need testability (-enable-testing) in release mode,
# and the demo and benchmarks use the same build, so `make demo` then `make test` compile the
# package once (testability measured at no cost to speed, docs/benchmarks.md §1).
FLAGS = -c $(CONFIG) $(SWIFTFLAGS) -Xswiftc -enable-testing
BUILD = $(SWIFT) build $(FLAGS)

.PHONY: demo test test-venv torch-venv deps models build bench soak fuzz clean

deps:
	@scripts/install-deps.sh

models:
	@scripts/fetch-models.sh

build: deps
	$(BUILD) --product divtune

demo: deps models build
	$(SWIFT) run $(FLAGS) divtune demo

# The Python some tests run (tensorboard's event reader), pinned in scripts/reference/test-requirements.txt.
TEST_VENV = .build/test-venv
test-venv:
	@$(TEST_VENV)/bin/python -c "import tensorboard" 2>/dev/null || { python3 -m venv $(TEST_VENV) \
	    && $(TEST_VENV)/bin/pip install --quiet -r scripts/reference/test-requirements.txt; }

# The torch backend's Python (docs/scale-out.md §1), made once for its tests and reused: torch's CPU
# wheel, the pinned stack of python/divtune_torch/requirements.txt, pytest and gguf. The Swift build
# and the demo never need it.
TORCH_VENV = .cache/torch-venv
torch-venv:
	@$(TORCH_VENV)/bin/python -c "import torch, trl, peft, accelerate, datasets, pytest, gguf" 2>/dev/null || { python3 -m venv $(TORCH_VENV) \
	    && { $(TORCH_VENV)/bin/pip install --quiet --index-url https://download.pytorch.org/whl/cpu "$$(grep '^torch' python/divtune_torch/requirements.txt)" \
	         || echo "torch's CPU wheel index is unreachable: torch comes from PyPI"; } \
	    && $(TORCH_VENV)/bin/pip install --quiet -r python/divtune_torch/requirements.txt -r python/test-requirements.txt; }

# Tests build in release mode (real-model tests need the speed).
test: deps models test-venv torch-venv
	python3 scripts/checks/layers.py
	$(TORCH_VENV)/bin/python -m pytest -q -p no:cacheprovider python/tests
	$(BUILD) --build-tests
	$(SWIFT) test $(FLAGS) --skip-build
	scripts/fuzz.sh $(FUZZ_TEST_SECONDS)

# libFuzzer targets (docs/fuzzing.md), each run FUZZ_SECONDS after an AddressSanitizer build in .build-fuzz;
# `make test` runs each for FUZZ_TEST_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 5
fuzz: models
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Benchmarks (not tests): DivTune next to its peers in one run. PYTHON needs the peers, pinned in one
# file (llama-cpp-python compiles for several minutes):
#   python3 -m venv /tmp/pyref && /tmp/pyref/bin/pip install -r scripts/reference/requirements.txt
#   make bench PYTHON=/tmp/pyref/bin/python
# A peer that fails is reported with the end of its stderr (after DivTune's numbers) and stops the target.
PYTHON ?= python3
DIVTUNE = .build/$(CONFIG)/divtune
bench: deps models build
	$(DIVTUNE) bench engine --python $(PYTHON)
	$(DIVTUNE) bench runtime --python $(PYTHON)
	$(DIVTUNE) bench sampling --python $(PYTHON)
	$(DIVTUNE) bench evaluate
	PYTHON=$(PYTHON) scripts/bench/embed.sh
	$(DIVTUNE) bench train --python $(PYTHON)
	$(DIVTUNE) bench metrics --python $(PYTHON)

# Soak benchmark (not a test): 64 clients for 10 minutes against `divtune serve` on loopback, mixing
# streams, single answers, hang-ups and malformed requests; fails if a well-formed request failed.
# Shorter or smaller: make soak SOAK_ARGS="--duration 120 --clients 16".
SOAK_ARGS ?=
soak: deps models build
	$(PYTHON) scripts/bench/serve_soak.py --divtune $(DIVTUNE) $(SOAK_ARGS)

clean:
	rm -rf .build .build-fuzz
