# The two commands of the README. Each installs what it needs first.
SWIFT ?= swift
CONFIG ?= release
# Build for this machine's CPU on x86_64 (AVX2/AVX-512 for the SIMD kernels); portable elsewhere.
ifeq ($(shell uname -m),x86_64)
SWIFTFLAGS ?= -Xswiftc -target-cpu -Xswiftc native
endif
BUILD = $(SWIFT) build -c $(CONFIG) $(SWIFTFLAGS)

.PHONY: demo test deps models build bench clean

deps:
	@scripts/install-deps.sh

models:
	@scripts/fetch-models.sh

build: deps
	$(BUILD) --product divtune

demo: deps models build
	$(SWIFT) run -c $(CONFIG) $(SWIFTFLAGS) divtune demo

# Tests build in release mode (real-model tests need the speed) with testability enabled.
test: deps models
	$(BUILD) -Xswiftc -enable-testing --build-tests
	$(SWIFT) test -c $(CONFIG) $(SWIFTFLAGS) -Xswiftc -enable-testing --skip-build

bench: deps models build
	$(SWIFT) run -c $(CONFIG) $(SWIFTFLAGS) divtune bench engine

clean:
	rm -rf .build
