# The justice backend. Two commands matter: `make run` and `make test`.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO      ?= go
TOOLS   := $(CURDIR)/bin/tools
export PATH := $(TOOLS):$(PATH)
export GOFLAGS := -buildvcs=false
# Every Go module of the workspace (go.work); scripts/tools is apart on purpose.
MODULES := proto services/platform services/rescue services/prosecution gateway deploy/local
PKGS    := $(addsuffix /...,$(addprefix ./,$(MODULES)))
BINARIES := justice-local:./deploy/local/cmd/justice-local rescue:./services/rescue/cmd/rescue prosecution:./services/prosecution/cmd/prosecution gateway:./gateway/cmd/gateway

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: run
run: build ## build and start the whole stack locally on the embedded store
	./bin/justice-local serve

.PHONY: build
build: ## build bin/justice-local, bin/rescue and bin/gateway
	@for b in $(BINARIES); do $(GO) build -o bin/$${b%%:*} $${b#*:}; done

.PHONY: test
test: lint ## every check and every test (with the race detector)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

.PHONY: test-short
test-short: ## the tests without the race detector, for a quick loop
	$(GO) test -count=1 $(PKGS)

.PHONY: lint
lint: tools proto-deps ## gofmt, go vet, buf lint, each module builds alone (GOWORK=off)
	@bad=$$(gofmt -l $$(git ls-files '*.go' | grep -v -E '\.pb(\.gw)?\.go$$|_grpc\.pb\.go$$')); \
	  if [ -n "$$bad" ]; then echo "gofmt needed:"; echo "$$bad"; exit 1; fi
	$(GO) vet $(PKGS)
	cd proto && buf lint --path justice
	@for m in $(MODULES); do (cd $$m && GOWORK=off $(GO) build ./...) || { echo "module $$m does not build with GOWORK=off"; exit 1; }; done

.PHONY: tools
tools: ## install buf and the protoc plugins (pinned in scripts/tools/go.mod) into bin/tools
	@cd scripts/tools && GOWORK=off GOBIN=$(TOOLS) $(GO) install tool

.PHONY: proto-deps
proto-deps:
	@scripts/proto-deps.sh

.PHONY: proto
proto: tools proto-deps ## regenerate Go, gRPC, grpc-gateway and OpenAPI code from proto/
	cd proto && buf lint --path justice && buf generate

.PHONY: proto-check
proto-check: proto ## fail if the committed generated code differs from a fresh generation
	@if [ -n "$$(git status --porcelain -- proto/gen)" ]; then \
	  echo "generated code is stale; run 'make proto' and commit:"; git status --porcelain -- proto/gen; \
	  git diff --stat -- proto/gen; exit 1; fi

.PHONY: bench
bench: ## benchmarks (apart from tests): REST vs gRPC latency and metrics query latency at 10k-1M records, results in scripts/bench/results.md
	scripts/bench.sh

.PHONY: clean
clean: ## remove built binaries (not ./data)
	rm -rf bin
