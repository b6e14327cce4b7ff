# The two commands of the README. Each installs what it needs first.
SWIFT ?= swift
CONFIG ?= release

.PHONY: demo test deps models build bench clean

deps:
	@scripts/install-deps.sh

models:
	@scripts/fetch-models.sh

build: deps
	$(SWIFT) build -c $(CONFIG) --product divtune

demo: deps models build
	$(SWIFT) run -c $(CONFIG) divtune demo

test: deps models
	$(SWIFT) build -c $(CONFIG) --build-tests
	$(SWIFT) test -c $(CONFIG) --skip-build

bench: deps models build
	$(SWIFT) run -c $(CONFIG) divtune bench engine

clean:
	rm -rf .build
