# gosinit: build, demo and the whole test suite (what .ci/run runs).
GO      ?= go
SHARED  ?= ../shared
BIN     ?= gosinit

.PHONY: build demo test unit fuzz corpus engine clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o $(BIN) .

# Builds gosinit and runs it on the bundled example (Ctrl-C stops it).
demo: build
	./$(BIN) -c docker/demo.conf

# Everything CI checks. Needs root for the PID namespace tests (CI is root).
test: unit fuzz corpus engine

unit:
	test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

# A short, bounded fuzz run of the INI front end (its corpus: config/testdata/fuzz).
# Minimizing is capped at 2s an input: a new input with numprocs near its
# 10,000 limit takes about 0.1 s a run, and its minimization used to stall
# both workers for 10-35 s of the 20.
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzINI -fuzztime 20s -fuzzminimizetime 2s ./config

# gosinit check --json against the real supervisord's reading of real configs.
corpus: build
	@if [ -f $(SHARED)/corpus/compare.py ]; then python3 $(SHARED)/corpus/compare.py ./$(BIN); \
	else echo "corpus: $(SHARED)/corpus not found, skipped"; fi

# The real Docker engine suite (installs and starts dockerd; root only).
engine:
	bash docker/engine-test.sh

clean:
	rm -f $(BIN)
