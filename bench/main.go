// Command bench measures gosinit side by side with the inits it replaces, in
// one run, and prints one table per section with ratios: to tini for the
// PID 1 core (issue 2), to supervisord for supervision (issue 4).
//
// Every init runs as PID 1 of its own PID and mount namespace, started by
// this program, and is SIGKILLed when its section ends (killing a
// namespace's PID 1 kills everything in it), or when the harness is
// interrupted. It must run as root.
//
//	go run ./bench                      # everything, about 2.5 minutes
//	go run ./bench -quick               # short idle periods, fewer trials
//	go run ./bench -only sigterm,spawn  # some sections (or "core", "supervise")
//	go run ./bench -only soak -soak 30m # gosinit alone under churn, sampled for leaks
//
// It is a program a person runs, not a timed test: the figures depend on the
// machine, so the useful output is the ratio between inits measured in the
// same run.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// section is one independent measurement; each prints its own table.
type section struct {
	name  string
	group string // "core" (issue 2) or "supervise" (issue 4)
	about string
	run   func(*env) (*table, error)
}

var sections = []section{
	{"size", "core", "binary size and linking", sizeSection},
	{"idle", "core", "RSS after 2 s idle and wake-ups while idle, child: sleep", idleSection},
	{"orphans", "core", "reaping orphans that exit at once", orphanSection},
	{"sigterm", "core", "SIGTERM forwarding latency to the child's group", sigtermSection},
	{"exec", "core", "fork/exec of the init to the child's first instruction", execSection},
	{"shutdown", "supervise", "shutdown wall time, 50 programs that exit on SIGTERM", shutdownSection},
	{"stopwait", "supervise", "shutdown with one program ignoring SIGTERM (stopwaitsecs=2)", stopwaitSection},
	{"spawn", "supervise", "start of 200 programs (startsecs=1)", spawnSection},
	{"idle50", "supervise", "RSS and wake-ups of PID 1 idle with 50 sleeping programs", idle50Section},
	{"crashloop", "supervise", "CPU of PID 1 while one program crash-loops", crashloopSection},
	{"listener", "supervise", "a program goes FATAL; an event listener stops the container", listenerSection},
	// Not in a default run: -only soak (-soak sets how long).
	{"soak", "soak", "gosinit alone as PID 1 under churn, sampled for leaks", soakSection},
}

// env is what every section gets: the binaries and the run's settings.
type env struct {
	child        string        // the helper program (bench/child), built for this run
	gosinit      string        // "" when gosinit could not be built
	gosinitNote  string        // why gosinit is missing
	tmp          string        // removed at exit
	idle         time.Duration // idle period for wake-ups and crash-loop CPU
	termTrials   int
	termHog      bool // a CPU-bound process on gosinit's CPU during sigterm
	hogCPU       int  // which
	execTrials   int
	orphans      int
	orphanRuns   int
	runs         int           // runs per init of shutdown, stopwait and spawn (median reported)
	soak         time.Duration // the soak's length
	soakSample   time.Duration // and its sampling interval
	supervisord  string
	verbose      bool
	keep         bool
	sectionStart time.Time
}

func main() {
	quick := flag.Bool("quick", false, "short idle periods and fewer trials (a smoke run; figures are rougher)")
	only := flag.String("only", "", "comma-separated sections to run: "+sectionNames()+", or core, supervise")
	idle := flag.Duration("idle", 30*time.Second, "idle period for wake-up and crash-loop CPU counts")
	gosinit := flag.String("gosinit", "", "gosinit binary to measure (default: build the module at the repository root)")
	termTrials := flag.Int("sigterm-trials", 200, "SIGTERM forwarding trials per init")
	termHog := flag.Bool("sigterm-hog", false, "sigterm: run a CPU-bound process on the CPU gosinit is pinned to (CPU 0 if it is not) during the trials")
	execTrials := flag.Int("exec-trials", 30, "exec-to-child trials per init")
	orphans := flag.Int("orphans", 10000, "orphans to reap")
	orphanRuns := flag.Int("orphan-runs", 5, "orphan-reaping runs per init (the median is reported)")
	runs := flag.Int("runs", 3, "runs per init of the shutdown, stopwait and spawn sections (the median is reported)")
	soak := flag.Duration("soak", 30*time.Minute, "length of the soak section (-only soak)")
	soakSample := flag.Duration("soak-sample", time.Minute, "sampling interval of the soak")
	verbose := flag.Bool("v", false, "print progress to stderr")
	keep := flag.Bool("keep", false, "keep the work directory (configs, logs of every init) and print its path")
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *quick {
		if !set["idle"] {
			*idle = 5 * time.Second
		}
		if !set["sigterm-trials"] {
			*termTrials = 50
		}
		if !set["exec-trials"] {
			*execTrials = 10
		}
		if !set["orphans"] {
			*orphans = 2000
		}
		if !set["orphan-runs"] {
			*orphanRuns = 1
		}
		if !set["runs"] {
			*runs = 1
		}
		if !set["soak"] {
			*soak = time.Minute
		}
		if !set["soak-sample"] {
			*soakSample = 10 * time.Second
		}
	}
	selected, err := selectSections(*only)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(2)
	}
	e := &env{idle: *idle, termTrials: *termTrials, termHog: *termHog, execTrials: *execTrials, orphans: *orphans, orphanRuns: *orphanRuns, runs: max(*runs, 1), verbose: *verbose, keep: *keep,
		soak: *soak, soakSample: max(*soakSample, time.Second)}
	code := run(e, *gosinit, selected)
	os.Exit(code)
}

func sectionNames() string {
	var names []string
	for _, s := range sections {
		names = append(names, s.name)
	}
	return strings.Join(names, ", ")
}

func selectSections(only string) ([]section, error) {
	if only == "" {
		var out []section
		for _, s := range sections {
			if s.group != "soak" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	want := map[string]bool{}
	for _, w := range strings.Split(only, ",") {
		if w = strings.TrimSpace(w); w != "" {
			want[w] = true
		}
	}
	var out []section
	for _, s := range sections {
		if want[s.name] || want[s.group] {
			out = append(out, s)
			delete(want, s.name)
		}
	}
	delete(want, "core")
	delete(want, "supervise")
	for w := range want {
		return nil, fmt.Errorf("-only: unknown section %q (known: %s, core, supervise)", w, sectionNames())
	}
	return out, nil
}

// run prepares the binaries, runs the sections and cleans up; it returns
// the exit code.
func run(e *env, gosinit string, selected []section) int {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "bench: must run as root (it creates PID namespaces)")
		return 2
	}
	// An interrupted run must not leave namespaces behind.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		killAll()
		if e.tmp != "" && !e.keep {
			os.RemoveAll(e.tmp)
		}
		fmt.Fprintf(os.Stderr, "bench: %v: stopped, every init killed\n", s)
		os.Exit(130)
	}()
	defer killAll()

	var err error
	e.tmp, err = os.MkdirTemp("", "gosinit-bench-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	if e.keep {
		defer fmt.Printf("work directory kept: %s\n", e.tmp)
	} else {
		defer os.RemoveAll(e.tmp)
	}

	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	e.child = filepath.Join(e.tmp, "child")
	if err := goBuild(root, e.child, "./bench/child"); err != nil {
		fmt.Fprintf(os.Stderr, "bench: build helper: %v\n", err)
		return 1
	}
	switch {
	case gosinit != "":
		e.gosinit, err = filepath.Abs(gosinit)
		if err == nil {
			_, err = os.Stat(e.gosinit)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: -gosinit: %v\n", err)
			return 2
		}
	default:
		e.gosinit = filepath.Join(e.tmp, "gosinit")
		if err := goBuild(root, e.gosinit, "."); err != nil {
			e.gosinit = ""
			e.gosinitNote = "gosinit not measured: " + err.Error()
		}
	}
	if p, err := exec.LookPath("supervisord"); err == nil {
		e.supervisord = p
	}
	printHeader(e)

	failed := false
	for _, s := range selected {
		e.sectionStart = time.Now()
		t, err := s.run(e)
		killAll()
		if t != nil {
			t.title = fmt.Sprintf("%s: %s", s.name, s.about)
			t.notes = append(t.notes, fmt.Sprintf("section time %.1f s", time.Since(e.sectionStart).Seconds()))
			t.print(os.Stdout)
		}
		if err != nil {
			fmt.Printf("%s: FAILED: %v\n\n", s.name, err)
			failed = true
		}
	}
	if failed {
		return 1
	}
	return 0
}

func printHeader(e *env) {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	fmt.Printf("gosinit bench  %s  kernel %s  %d CPUs  %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		strings.TrimSpace(string(kernel)), runtime.NumCPU(), runtime.Version())
	fmt.Printf("idle period %v, %d SIGTERM trials, %d exec trials, %d orphans x %d runs\n", e.idle, e.termTrials, e.execTrials, e.orphans, e.orphanRuns)
	if e.gosinit != "" {
		fmt.Printf("gosinit: %s (%s)\n", e.gosinit, versionOf(e.gosinit, "version"))
	} else {
		fmt.Printf("%s\n", e.gosinitNote)
	}
	fmt.Printf("tini: %s; dumb-init: %s; supervisord: %s\n\n",
		versionOf("tini", "--version"), versionOf("dumb-init", "--version"), versionOf("supervisord", "--version"))
}

func versionOf(bin, arg string) string {
	out, err := exec.Command(bin, arg).CombinedOutput()
	if err != nil && len(out) == 0 {
		return "unknown"
	}
	return firstLine(strings.TrimSpace(string(out)))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// moduleRoot is the directory of gosinit's go.mod, wherever bench runs from.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the gosinit module: run from the repository")
	}
	return filepath.Dir(mod), nil
}

// goBuild builds pkg the way gosinit ships: static, trimmed, stripped.
func goBuild(root, out, pkg string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	b, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	// The first compiler message says enough; "# package" lines say nothing.
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return fmt.Errorf("go build %s: %s", pkg, l)
		}
	}
	return fmt.Errorf("go build %s: %w", pkg, err)
}

func (e *env) logf(format string, args ...any) {
	if e.verbose {
		fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(e.sectionStart).Seconds(), fmt.Sprintf(format, args...))
	}
}
