# gosinit: build, demo and the whole test suite (what .ci/run runs).
GO      ?= go
SHARED  ?= ../shared
BIN     ?= gosinit

.PHONY: build demo test unit fuzz corpus engine race clean

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
	# again with internal/textf as fmt itself, so vet checks textf's calls
	# as fmt's (internal/textf/vet.go)
	$(GO) vet -tags gosinit_fmt ./...
	$(GO) test -count=1 -timeout 20m ./...

# A short, bounded fuzz run of the INI front end (its corpus: config/testdata/fuzz).
# The budgets are counts, not durations: with a duration, Go 1.26's fuzz
# coordinator can fail the run with a bare "context deadline exceeded" at the
# deadline (go.dev/issue/75804, fixed in Go 1.27; it failed our CI once).
# 150,000 runs take 15-30 s here. Minimizing is capped at 50 runs an input: a
# new input with numprocs near its 10,000 limit takes about 0.1 s a run, and
# unbounded minimization stalled both workers for 10-35 s.
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzINI -fuzztime 150000x -fuzzminimizetime 50x ./config

# gosinit check --json against the real supervisord's reading of real configs.
corpus: build
	@if [ -f $(SHARED)/corpus/compare.py ]; then python3 $(SHARED)/corpus/compare.py ./$(BIN); \
	else echo "corpus: $(SHARED)/corpus not found, skipped"; fi

# The real Docker engine suite (installs and starts dockerd; root only).
engine:
	bash docker/engine-test.sh

# By hand, not in CI (it needs cgo and a C compiler, and takes 10-15
# minutes): the unit tests with the race detector, then the PID 1 suite
# against a race-detector build of gosinit. A report fails the run; each is
# kept in $(RACE_DIR).
RACE_DIR ?= /tmp/gosinit-race
race:
	rm -rf $(RACE_DIR) && mkdir -p $(RACE_DIR)
	CGO_ENABLED=1 $(GO) test -race -count=1 ./config ./proc ./internal/...
	GOSINIT_TEST_RACE=1 GORACE="log_path=$(RACE_DIR)/report halt_on_error=0" \
		$(GO) test -count=1 -timeout 40m .
	@if ls $(RACE_DIR)/report.* >/dev/null 2>&1; then \
		echo "race: reports in $(RACE_DIR):"; ls $(RACE_DIR); exit 1; fi

clean:
	rm -f $(BIN)
