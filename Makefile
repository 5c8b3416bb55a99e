# Build, test and demo entry points for alerter. `make help` lists them.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
FUZZTIME ?= 30s
# Extra arguments for `make run`, e.g. RUN_ARGS='--config examples/alerter.yml'.
RUN_ARGS ?=

.PHONY: build test run demo bench bench-load fuzz lint clean help

build: ## build bin/alerter and bin/alerter-demo (static, trimmed)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/alerter ./cmd/alerter
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o bin/alerter-demo ./cmd/alerter-demo

test: ## install test dependencies, vet, run all tests with -race
	scripts/ensure-deps.sh
	$(GO) vet ./...
	$(GO) test -race -count=1 -parallel 4 -timeout 30m ./...

run: build ## build, then run alerter with its embedded defaults (plus RUN_ARGS)
	./bin/alerter run $(RUN_ARGS)

demo: ## run the demo: target, Prometheus, webhook sink and alerter
	scripts/demo.sh

bench: ## run all benchmarks
	$(GO) test -run='^$$' -bench=. -benchmem ./...

bench-load: ## load harness: real Prometheus + alerter, scale/storm/shared/page (~11 min; BENCHMARKS.md)
	scripts/ensure-deps.sh
	ALERTER_BENCH_LOAD=1 $(GO) test -run '^TestLoad$$' -v -count=1 -timeout 30m ./bench/load

fuzz: ## run every Fuzz* target for FUZZTIME (default 30s) each
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

lint: ## gofmt must report nothing; go vet
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt -l reports:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

clean: ## remove build output and coverage files
	rm -rf bin/ coverage.out coverage.html cover.out *.coverprofile

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'
