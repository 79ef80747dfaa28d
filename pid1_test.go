package main

// PID 1 tests: the real binary, as PID 1 of a new PID namespace (exec.Cmd
// with CLONE_NEWPID|CLONE_NEWNS gives the exact wait status), driven with
// real signals. They need root; CI runs as root.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/proc"
)

type initRun struct {
	cmd    *exec.Cmd
	stdout lockedBuffer
	stderr lockedBuffer
	done   chan struct{}
	ws     syscall.WaitStatus
}

// lockedBuffer collects a process's output; safe to read while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("PID namespace tests need root (CI runs as root)")
	}
}

// startInit starts gosinit with args as PID 1 of a new PID namespace (or
// as a plain child when ns is false). Cleanup SIGKILLs it, which, for PID 1,
// kills every process of its namespace.
func startInit(t *testing.T, ns bool, env []string, args ...string) *initRun {
	t.Helper()
	return launch(t, gosinitBin, "", ns, env, args...)
}

// launchTTY, when set, is the next launch's stdin and controlling
// terminal (a pty's slave side).
var launchTTY *os.File

// deadStderr makes the next launch's stderr a pipe whose reader has gone.
func deadStderr(t *testing.T) {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pr.Close()
	t.Cleanup(func() { pw.Close() })
	launchStderr = pw
}

// launchCgroup, when set, is a cgroup directory the next launch starts
// in, before its first instruction (a shell moves itself, then execs).
var launchCgroup string

// launchMask, when set, is blocked in the next launch (the child starts
// with it, as when its parent left signals blocked).
var launchMask *unix.Sigset_t

// launchStderr, when set, is the next launch's stderr instead of a
// collected buffer (a pipe the test reads, or not, itself).
var launchStderr *os.File

// launch starts bin (gosinit or a peer) with args in dir, as PID 1 of a
// new PID namespace when ns is set, its output collected.
func launch(t *testing.T, bin, dir string, ns bool, env []string, args ...string) *initRun {
	t.Helper()
	needRoot(t)
	r := &initRun{done: make(chan struct{})}
	if launchCgroup != "" {
		args = append([]string{"-c", `echo 0 >"$0" && exec "$@"`, filepath.Join(launchCgroup, "cgroup.procs"), bin}, args...)
		bin, launchCgroup = "/bin/sh", ""
	}
	r.cmd = exec.Command(bin, args...)
	r.cmd.Dir = dir
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if launchStderr != nil {
		r.cmd.Stderr, launchStderr = launchStderr, nil
	}
	r.cmd.Env = append(os.Environ(), env...)
	r.cmd.SysProcAttr = &syscall.SysProcAttr{}
	if ns {
		r.cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWPID | syscall.CLONE_NEWNS
	}
	if launchTTY != nil { // stdin is a terminal, the controlling one
		r.cmd.Stdin = launchTTY
		r.cmd.SysProcAttr.Setsid, r.cmd.SysProcAttr.Setctty = true, true
		launchTTY = nil
	}
	mask := launchMask
	launchMask = nil
	if err := startKept(r.cmd, mask); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		r.cmd.Wait()
		r.ws = r.cmd.ProcessState.Sys().(syscall.WaitStatus)
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			unix.Kill(r.cmd.Process.Pid, unix.SIGKILL)
			<-r.done
		}
	})
	return r
}

// wait returns gosinit's exit code, failing the test after d.
func (r *initRun) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(d):
		t.Fatalf("gosinit still running after %v; stderr:\n%s", d, r.stderr.String())
	}
	if r.ws.Signaled() {
		t.Fatalf("gosinit killed by %v; stderr:\n%s", r.ws.Signal(), r.stderr.String())
	}
	return r.ws.ExitStatus()
}

func (r *initRun) alive() bool {
	select {
	case <-r.done:
		return false
	default:
		return true
	}
}

func TestExitStatusPropagates(t *testing.T) {
	needRoot(t)
	for code := 0; code <= 255; code++ {
		r := startInit(t, true, nil, "--", "/bin/sh", "-c", "exit "+strconv.Itoa(code))
		if got := r.wait(t, 10*time.Second); got != code {
			t.Fatalf("exit %d: gosinit exited %d; stderr: %s", code, got, r.stderr.String())
		}
		if r.stdout.Len() != 0 || r.stderr.Len() != 0 {
			t.Fatalf("exit %d: gosinit was not silent: stdout %q stderr %q", code, r.stdout.String(), r.stderr.String())
		}
	}
}

// killedBy are the signals whose default action ends a process.
var killedBy = []unix.Signal{
	unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGILL, unix.SIGTRAP, unix.SIGABRT, unix.SIGBUS,
	unix.SIGFPE, unix.SIGKILL, unix.SIGUSR1, unix.SIGSEGV, unix.SIGUSR2, unix.SIGPIPE, unix.SIGALRM,
	unix.SIGTERM, unix.SIGSTKFLT, unix.SIGXCPU, unix.SIGXFSZ, unix.SIGVTALRM, unix.SIGPROF,
	unix.SIGIO, unix.SIGPWR, unix.SIGSYS, 34, 40, 50, 64,
}

func TestDeathBySignalGives128PlusN(t *testing.T) {
	for _, sig := range killedBy {
		t.Run(unix.SignalName(sig)+strconv.Itoa(int(sig)), func(t *testing.T) {
			// ulimit -c 0: no core files from the core-dumping signals.
			r := startInit(t, true, nil, "--", "/bin/sh", "-c", fmt.Sprintf("ulimit -c 0; kill -%d $$; sleep 5", sig))
			if got, want := r.wait(t, 10*time.Second), 128+int(sig); got != want {
				t.Fatalf("gosinit exited %d, want %d; stderr: %s", got, want, r.stderr.String())
			}
		})
	}
}

func TestRemapExit(t *testing.T) {
	tests := []struct {
		args []string
		env  []string
		want int
	}{
		{[]string{"-e", "3", "--", "/bin/sh", "-c", "exit 3"}, nil, 0},
		{[]string{"-e", "3", "-e", "143", "--", "/bin/sh", "-c", "exit 143"}, nil, 0},
		{[]string{"-e", "3", "--", "/bin/sh", "-c", "exit 4"}, nil, 4},
		{[]string{"--", "/bin/sh", "-c", "exit 5"}, []string{"GOSINIT_REMAP_EXIT=5,6"}, 0},
		{[]string{"-e", "143", "--", "/bin/sh", "-c", "kill -TERM $$"}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := startInit(t, true, tt.env, tt.args...)
			if got := r.wait(t, 10*time.Second); got != tt.want {
				t.Fatalf("got exit %d, want %d; stderr: %s", got, tt.want, r.stderr.String())
			}
		})
	}
}

func TestStartFailures(t *testing.T) {
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec")
	os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644)
	tests := []struct {
		cmd      string
		want     int
		wantText string
	}{
		{"no-such-command-gosinit", 127, `"no-such-command-gosinit": not found`},
		{"/nonexistent/bin/x", 127, `"/nonexistent/bin/x": not found`},
		{noexec, 126, noexec},
		{dir, 126, "is a directory"},
		// An empty name (exec tini -- "$APP" with APP unset) is
		// execvp's ENOENT, as tini reports it, not a PATH directory's
		// EACCES.
		{"", 127, `"": not found`},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.cmd), func(t *testing.T) {
			r := startInit(t, true, nil, "--", tt.cmd)
			if got := r.wait(t, 10*time.Second); got != tt.want {
				t.Fatalf("got exit %d, want %d", got, tt.want)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.wantText) {
				t.Fatalf("stderr = %q, want one line containing %q", r.stderr.String(), tt.wantText)
			}
		})
	}
}

func TestChildSignalState(t *testing.T) {
	// Start gosinit with 32 and 34 ignored, as some launchers leave them
	// (signals the Go runtime neither handles nor lets os/signal catch),
	// and with USR1 and WINCH blocked, as a parent may leave them (Go
	// keeps such a mask in the children it forks): the program must still
	// start with every disposition at default and nothing blocked.
	for _, sig := range []uintptr{32, 34} {
		old := setSigIgn(t, sig)
		t.Cleanup(func() { restoreSig(sig, old) })
	}
	var blocked unix.Sigset_t
	blocked.Val[0] = 1<<(unix.SIGUSR1-1) | 1<<(unix.SIGWINCH-1)
	launchMask = &blocked
	r := startInit(t, true, nil, helperCmd("maskcheck")...)
	if code := r.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, r.stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(r.stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("helper printed %q", r.stdout.String())
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 2 || strings.Trim(f[1], "0") != "" {
			t.Errorf("child %s, want all zero (default dispositions, empty mask)", l)
		}
	}
}

type rawSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

func setSigIgn(t *testing.T, sig uintptr) rawSigaction {
	t.Helper()
	var old rawSigaction
	ign := rawSigaction{handler: 1}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&ign)), uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
		t.Fatalf("rt_sigaction(%d): %v", sig, e)
	}
	return old
}

func restoreSig(sig uintptr, old rawSigaction) {
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
}

func TestSignalForwarding(t *testing.T) {
	for _, group := range []bool{true, false} {
		t.Run(fmt.Sprintf("group=%v", group), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "sigs")
			args := append([]string{"-g=" + strconv.FormatBool(group), "--"}, helperCmd("sigrec", file, "child", "spawn")...)
			r := startInit(t, true, nil, args...)
			if got := waitFileLines(file, 2, 10*time.Second); len(got) < 2 {
				t.Fatalf("helpers not ready: %q; stderr %s", got, r.stderr.String())
			}
			var sent []unix.Signal
			for _, s := range proc.CaughtSignals() {
				sig := s.(unix.Signal)
				switch sig {
				case unix.SIGCHLD, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
					continue // CHLD is not forwarded; job control is tested apart
				case unix.SIGABRT, unix.SIGSEGV, unix.SIGBUS, unix.SIGFPE, unix.SIGILL, unix.SIGTRAP, unix.SIGSYS:
					continue // caught to be dropped: TestFaultSignalsDropped
				}
				sent = append(sent, sig)
			}
			for i, sig := range sent {
				if err := unix.Kill(r.cmd.Process.Pid, sig); err != nil {
					t.Fatal(err)
				}
				want := 2 + (i+1)*2
				if !group {
					want = 2 + i + 1
				}
				lines := waitFileLines(file, want, 5*time.Second)
				if len(lines) < want {
					t.Fatalf("after %s: %d lines, want %d: %q", unix.SignalName(sig), len(lines), want, lines)
				}
			}
			b, _ := os.ReadFile(file)
			for _, sig := range sent {
				for _, role := range []string{"child", "grandchild"} {
					has := strings.Contains(string(b), fmt.Sprintf("%s %d\n", role, sig))
					if want := role == "child" || group; has != want {
						t.Errorf("%s received %s: %v, want %v", role, unix.SignalName(sig), has, want)
					}
				}
			}
		})
	}
}

func TestJobControlSignalsStopTheProgramNotInit(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sigs")
	r := startInit(t, true, nil, append([]string{"--"}, helperCmd("ignoreterm", file, "9")...)...)
	waitFileLines(file, 1, 10*time.Second)
	prog := childOf(t, r.cmd.Process.Pid)
	// SIGTSTP's default action stops the program; gosinit itself must not
	// stop, or nothing more would be forwarded. (Each step waits for its
	// effect: pending signals are delivered lowest number first.)
	unix.Kill(r.cmd.Process.Pid, unix.SIGTSTP)
	waitProcState(t, prog, "T")
	if st := procState(r.cmd.Process.Pid); st == "T" {
		t.Fatal("gosinit stopped itself")
	}
	unix.Kill(r.cmd.Process.Pid, unix.SIGCONT)
	waitProcState(t, prog, "S")
	unix.Kill(r.cmd.Process.Pid, unix.SIGUSR1)
	if got := r.wait(t, 10*time.Second); got != 9 {
		t.Fatalf("exit %d, want 9", got)
	}
}

// childrenOf lists pid's children (host pids). Children hang off the
// thread that forked them: every task's list is read.
func childrenOf(pid int) []string {
	var f []string
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		f = append(f, strings.Fields(string(b))...)
	}
	return f
}

// childOf is the one child of pid (its host pid).
func childOf(t *testing.T, pid int) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if f := childrenOf(pid); len(f) == 1 {
			n, _ := strconv.Atoi(f[0])
			return n
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no single child of %d", pid)
	return 0
}

// procState is the state letter of /proc/PID/stat ("S", "T", "Z", ...).
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || len(b) < i+3 {
		return ""
	}
	return string(b[i+2])
}

func waitProcState(t *testing.T, pid int, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for procState(pid) != want {
		if time.Now().After(deadline) {
			t.Fatalf("process %d in state %q, want %q", pid, procState(pid), want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestOrphansReaped(t *testing.T) {
	r := startInit(t, true, nil, append([]string{"--"}, helperCmd("orphans", "5000")...)...)
	if got := r.wait(t, 120*time.Second); got != 0 {
		t.Fatalf("exit %d; stdout %s stderr %s", got, r.stdout.String(), r.stderr.String())
	}
	if !strings.Contains(r.stdout.String(), "all reaped") {
		t.Fatalf("stdout %q", r.stdout.String())
	}
}

// TestChildrenAreMainThreads: every child, forked or adopted, belongs to
// gosinit's main thread. wait4 scans the calling thread's children before
// the other threads', oldest first; children forked from whatever thread
// the loop happened to be on were reaped out of order, and with 200
// programs crash-looping on a starved CPU, one program's exit waited over
// a minute behind the others' (TestStatusWrittenWhileLoopNeverIdle).
func TestChildrenAreMainThreads(t *testing.T) {
	r := startConf(t, base+`
[program:s]
command=/bin/sh -c 'sleep 0.2'
process_name=s%(process_num)d
numprocs=6
startsecs=0
autorestart=true
stdout_logfile=NONE
stderr_logfile=NONE

[program:orphaner]
command=/bin/sh -c 'sleep 1000 & exit 0'
startsecs=0
autorestart=false
`)
	// Restarts, each after the loop has waited for an event: it goes back
	// to a thread the Go scheduler picks each time.
	r.waitStatus(t, 30*time.Second, "s0..s5 restarted 5 times", func(m map[string]proc.ProcessStatus) bool {
		for i := range 6 {
			if m["s"+strconv.Itoa(i)].Restarts < 5 {
				return false
			}
		}
		return m["orphaner"].State == proc.Exited
	})
	pid := r.cmd.Process.Pid
	own := fmt.Sprintf("/proc/%d/task/%d/children", pid, pid)
	kids, _ := os.ReadFile(own)
	orphan := false
	for _, c := range strings.Fields(string(kids)) {
		b, _ := os.ReadFile("/proc/" + c + "/cmdline")
		orphan = orphan || string(b) == "sleep\x001000\x00"
	}
	if !orphan {
		t.Errorf("the main thread's children %q: the orphan (sleep 1000) is not among them", kids)
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, task := range tasks {
		if b, _ := os.ReadFile(task); task != own && len(b) > 0 {
			t.Errorf("%s: %q, want none (every child the main thread's)", task, b)
		}
	}
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

func TestSubreaper(t *testing.T) {
	r := startInit(t, false, nil, append([]string{"--"}, helperCmd("subreaper")...)...)
	if got := r.wait(t, 20*time.Second); got != 0 {
		t.Fatalf("exit %d: stdout %q stderr %q", got, r.stdout.String(), r.stderr.String())
	}
	want := fmt.Sprintf(" ppid %d\nreaped\n", r.cmd.Process.Pid)
	if !strings.HasSuffix(r.stdout.String(), want) {
		t.Fatalf("helper says %q, want the orphan re-parented to gosinit (pid %d) and reaped", r.stdout.String(), r.cmd.Process.Pid)
	}
	if r.stderr.Len() != 0 {
		t.Fatalf("subreaper mode was not silent: %q", r.stderr.String())
	}
}

func TestTermIgnoringProgramKeepsInitAlive(t *testing.T) {
	file := filepath.Join(t.TempDir(), "it")
	r := startInit(t, true, nil, append([]string{"--"}, helperCmd("ignoreterm", file, "7")...)...)
	waitFileLines(file, 1, 10*time.Second)
	unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
	if lines := waitFileLines(file, 2, 10*time.Second); len(lines) < 2 {
		t.Fatalf("program did not get SIGTERM: %q", lines)
	}
	if !r.alive() {
		t.Fatal("gosinit exited while its program still ran")
	}
	unix.Kill(r.cmd.Process.Pid, unix.SIGUSR1)
	if got := r.wait(t, 10*time.Second); got != 7 {
		t.Fatalf("exit %d, want 7", got)
	}
}

func TestLeftoversTermThenKill(t *testing.T) {
	file := filepath.Join(t.TempDir(), "lo")
	start := time.Now()
	r := startInit(t, true, nil, append([]string{"--grace", "1s", "--"}, helperCmd("leftovers", file, "5")...)...)
	if got := r.wait(t, 20*time.Second); got != 5 {
		t.Fatalf("exit %d, want the program's 5; stderr %s", got, r.stderr.String())
	}
	b, _ := os.ReadFile(file)
	for _, want := range []string{"polite TERM", "stubborn TERM"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("leftover log %q lacks %q", b, want)
		}
	}
	// The stubborn one ignores SIGTERM, so gosinit must have waited the
	// grace period before its SIGKILL (a lower bound, not a speed test).
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("gosinit exited after %v, before the 1s grace period", el)
	}
}

// A leftover stopped with SIGSTOP ends at the SIGTERM, not at the SIGKILL
// a minute later: SIGCONT follows the SIGTERM, as systemd sends it.
func TestStoppedLeftoverEndsAtTerm(t *testing.T) {
	r := startInit(t, true, nil, "--grace", "60s", "--", "/bin/sh", "-c", "/bin/sleep 1000 & kill -STOP $!; exit 3")
	if got := r.wait(t, 20*time.Second); got != 3 {
		t.Fatalf("exit %d, want the program's 3; stderr %s", got, r.stderr.String())
	}
}

func TestVersionAndHelp(t *testing.T) {
	out, err := exec.Command(gosinitBin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "gosinit ") {
		t.Fatalf("version: %q %v", out, err)
	}
	out, err = exec.Command(gosinitBin, "--help").Output()
	if err != nil || !strings.Contains(string(out), "usage: gosinit") {
		t.Fatalf("--help: %q %v", out, err)
	}
	// A program named like a subcommand runs after --.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "status"), []byte("#!/bin/sh\nexit 9\n"), 0o755)
	cmd := exec.Command(gosinitBin, "--", "status")
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 9 {
		t.Fatalf("gosinit -- status: %v, want exit 9", err)
	}
}

// TestUsageErrorsAreOneLine: a bad flag or environment variable, and a
// "--" with no COMMAND after it (ENTRYPOINT ["gosinit", "--"] with no
// CMD), are one line on stderr and exit 2. The "--" case never reads a
// supervisord.conf of the search path, which the working directory here
// holds.
func TestUsageErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "supervisord.conf"), []byte("[program:x]\ncommand=/bin/true\n"), 0o644)
	for _, tt := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"-e", "300", "true"}, nil, `gosinit: invalid value "300" for flag -e: exit code "300" is not an integer from 0 to 255 (gosinit --help lists the flags)` + "\n"},
		{[]string{"--bogus"}, nil, "gosinit: flag provided but not defined: -bogus (gosinit --help lists the flags)\n"},
		{[]string{"--"}, nil, "gosinit: nothing to run: no COMMAND after --\n"},
		{[]string{"-g=false", "--"}, nil, "gosinit: nothing to run: no COMMAND after --\n"},
		// A bad boolean in the environment is never silently false, as
		// GOSINIT_GROUP's and GOSINIT_PIN_CPU's are not.
		{[]string{"true"}, []string{"GOSINIT_WAIT=bogus"}, "gosinit: GOSINIT_WAIT=\"bogus\" is not a boolean\n"},
		// The variable is named, not the flag the user did not give.
		{[]string{"true"}, []string{"GOSINIT_LOGLEVEL=bogus"}, "gosinit: GOSINIT_LOGLEVEL: unknown log level \"bogus\" (critical, error, warn, info, debug, trace, blather)\n"},
		{[]string{"--loglevel", "bogus", "true"}, nil, "gosinit: --loglevel: unknown log level \"bogus\" (critical, error, warn, info, debug, trace, blather)\n"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel() // a gosinit that ran the file instead is killed
		cmd := exec.CommandContext(ctx, gosinitBin, tt.args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), tt.env...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || stderr.String() != tt.want {
			t.Errorf("gosinit %q: %v, stderr %q; want exit 2 and %q", tt.args, err, stderr.String(), tt.want)
		}
	}
}

// codeResidency sums, over pid's private read-only mappings of the file
// bin, the kB mapped (Size) and the kB resident (Rss).
func codeResidency(pid int, bin string) (rss, size int, err error) {
	var st unix.Stat_t
	if err := unix.Stat(bin, &st); err != nil {
		return 0, 0, err
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return 0, 0, err
	}
	ours := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && !strings.HasSuffix(f[0], ":") {
			ino, _ := strconv.ParseUint(f[4], 10, 64)
			ours = ino == st.Ino && f[1][1] == '-' && f[1][3] == 'p'
			continue
		}
		if ours && len(f) == 3 && (f[0] == "Size:" || f[0] == "Rss:") {
			n, _ := strconv.Atoi(f[1])
			if f[0] == "Size:" {
				size += n
			} else {
				rss += n
			}
		}
	}
	if size == 0 {
		return 0, 0, fmt.Errorf("no read-only mapping of %s in /proc/%d/smaps", bin, pid)
	}
	return rss, size, nil
}

// TestIdleUnmapsCodePages: once the start is over, gosinit unmaps the code
// pages it ran (proc/pages.go), so an idle gosinit's code is mostly not
// resident. Without it, 90% of the binary's read-only pages stay mapped
// after the start; with it, 35-45% here (what the idle loop and the runtime
// map back), so the bound of 70% fails only if nothing was unmapped.
func TestIdleUnmapsCodePages(t *testing.T) {
	check := func(t *testing.T, pid int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			rss, size, err := codeResidency(pid, gosinitBin)
			if err != nil {
				t.Fatal(err)
			}
			if rss*10 < size*7 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("idle gosinit still has %d of its %d kB of code mapped", rss, size)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Run("command", func(t *testing.T) {
		status := filepath.Join(t.TempDir(), "status.json")
		r := &confRun{initRun: startInit(t, true, nil, "--status-file", status, "--", "/bin/sleep", "1000"), status: status}
		// The first status write ends the start; the pages go right after.
		r.waitStatus(t, 10*time.Second, "a status file", func(map[string]proc.ProcessStatus) bool { return true })
		check(t, r.cmd.Process.Pid)
		unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
		if got := r.wait(t, 10*time.Second); got != 128+int(unix.SIGTERM) {
			t.Fatalf("exit %d after SIGTERM, want %d; stderr %s", got, 128+int(unix.SIGTERM), r.stderr.String())
		}
	})
	t.Run("config", func(t *testing.T) {
		r := startConf(t, base+`
[program:idle]
command=/bin/sleep 1000
startsecs=0
`)
		r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "idle"))
		check(t, r.cmd.Process.Pid)
		if got := r.stop(t); got != 0 {
			t.Fatalf("exit %d after SIGTERM, want 0", got)
		}
	})
}

// TestFaultSignalsDropped: SIGABRT and the fault signals sent to gosinit
// with kill(2) are neither fatal to it (the Go runtime would take them
// for a crash, and PID 1's death ends the container) nor passed on.
func TestFaultSignalsDropped(t *testing.T) {
	r := startInit(t, true, nil, "--", "/bin/sleep", "1000")
	// Its child runs: its handlers are in place (before them, a signal
	// from outside the namespace is dropped by the kernel).
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if len(childrenOf(r.cmd.Process.Pid)) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("gosinit started no child")
		}
	}
	for _, sig := range []unix.Signal{unix.SIGABRT, unix.SIGSEGV, unix.SIGBUS, unix.SIGFPE, unix.SIGILL, unix.SIGTRAP, unix.SIGSYS} {
		if err := unix.Kill(r.cmd.Process.Pid, sig); err != nil {
			t.Fatal(err)
		}
		want := "received " + signalText(sig) + ": ignored"
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(r.stderr.String(), want); time.Sleep(10 * time.Millisecond) {
			if !r.alive() || time.Now().After(deadline) {
				t.Fatalf("after %v: alive %v, stderr:\n%s", sig, r.alive(), r.stderr.String())
			}
		}
	}
	unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
	if code := r.wait(t, 10*time.Second); code != 128+int(unix.SIGTERM) {
		t.Errorf("exit %d, want %d: sleep should have lived until the SIGTERM", code, 128+int(unix.SIGTERM))
	}
}

func signalText(sig unix.Signal) string { return "SIG" + strings.ToUpper(unix.SignalName(sig)[3:]) }

// TestMainProgramAsExecvp: COMMAND is started as execvp starts it (tini,
// dumb-init): a script without #! runs with /bin/sh, and a file found on
// PATH without execute permission is 126 "permission denied", not 127.
func TestMainProgramAsExecvp(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "ran")
	os.WriteFile(filepath.Join(dir, "noshebang"), []byte("echo \"$1\" > "+out+"\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "noexec"), []byte("#!/bin/sh\n"), 0o644)
	env := []string{"PATH=" + dir + ":/usr/bin:/bin"}
	r := startInit(t, true, env, "--", "noshebang", "arg1")
	if code := r.wait(t, 10*time.Second); code != 0 {
		t.Errorf("a script without #!: exit %d, stderr %q", code, r.stderr.String())
	}
	if b, _ := os.ReadFile(out); string(b) != "arg1\n" {
		t.Errorf("the script wrote %q, want its argument", b)
	}
	r = startInit(t, true, env, "--", "noexec")
	if code := r.wait(t, 10*time.Second); code != 126 || !strings.Contains(r.stderr.String(), "permission denied") {
		t.Errorf("a file on PATH without x: exit %d, stderr %q; want 126, permission denied", code, r.stderr.String())
	}
	// A directory named like the command is execve's EACCES to execvp: 126.
	os.Mkdir(filepath.Join(dir, "onlydir"), 0o755)
	r = startInit(t, true, []string{"PATH=" + dir}, "--", "onlydir")
	if code := r.wait(t, 10*time.Second); code != 126 || !strings.Contains(r.stderr.String(), "permission denied") {
		t.Errorf("a directory on PATH: exit %d, stderr %q; want 126, permission denied", code, r.stderr.String())
	}
	// PATH set but empty: execvp looks in the current directory.
	os.Remove(out)
	r = launch(t, gosinitBin, dir, true, []string{"PATH="}, "--", "noshebang", "arg2")
	if code := r.wait(t, 10*time.Second); code != 0 {
		t.Errorf("PATH= and the command in the current directory: exit %d, stderr %q", code, r.stderr.String())
	}
	if b, _ := os.ReadFile(out); string(b) != "arg2\n" {
		t.Errorf("PATH=: the script wrote %q, want its argument", b)
	}
}

// TestOwnSigpipeNotPassedOn: gosinit's stderr is a pipe whose reader has
// gone; its first log line raises SIGPIPE in gosinit itself. That signal
// is gosinit's, not the user's: passed on, it killed the program (exit
// 141). Sent from outside while the pipes are sound, SIGPIPE is still
// passed on (TestSignalForwarding).
func TestOwnSigpipeNotPassedOn(t *testing.T) {
	deadStderr(t)
	r := startInit(t, true, nil, "-v", "--", "/bin/sh", "-c", "sleep 0.3; exit 7")
	if code := r.wait(t, 10*time.Second); code != 7 {
		t.Errorf("gosinit ended with exit %d, want 7: its own SIGPIPE was passed on", code)
	}
}

// cpusAllowed is the Cpus_allowed_list line of /proc/PATH/status.
func cpusAllowed(path string) string {
	b, _ := os.ReadFile("/proc/" + path + "/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// TestPinnedToOneCPU: gosinit's own threads run on one CPU (a signal's
// hops between the Go runtime's threads stay on it), while COMMAND and
// the configuration's programs get every CPU gosinit was given, whatever
// thread forked them. --pin-cpu=false (GOSINIT_PIN_CPU=0) leaves gosinit
// on them all.
func TestPinnedToOneCPU(t *testing.T) {
	all := cpusAllowed("self")
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set); set.Count() < 2 {
		t.Skip("one CPU: nothing to pin")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "supervisord.conf")
	os.WriteFile(conf, []byte("[program:side]\ncommand=/bin/sh -c 'grep Cpus_allowed_list /proc/self/status > "+dir+"/side; exec sleep 1000'\nstartsecs=0\n"), 0o644)
	for _, pinned := range []bool{true, false} {
		env := []string{"GOSINIT_PIN_CPU=0"}
		if pinned {
			env = nil
		}
		os.Remove(filepath.Join(dir, "side"))
		r := startInit(t, true, env, "-c", conf, "--status-file", filepath.Join(dir, "status.json"), "--", "/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status > "+dir+"/main; exec sleep 1000")
		for _, f := range []string{"main", "side"} {
			lines := waitFileLines(filepath.Join(dir, f), 1, 10*time.Second)
			if len(lines) != 1 || strings.TrimSpace(strings.TrimPrefix(lines[0], "Cpus_allowed_list:")) != all {
				t.Errorf("pinned %v: %s program's CPUs %q, want gosinit's own given ones %q", pinned, f, lines, all)
			}
		}
		tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(r.cmd.Process.Pid) + "/task")
		seen := map[string]bool{}
		for _, task := range tasks {
			seen[cpusAllowed(strconv.Itoa(r.cmd.Process.Pid)+"/task/"+task.Name())] = true
		}
		if len(tasks) < 2 || len(seen) != 1 {
			t.Errorf("pinned %v: gosinit's %d threads on CPUs %v, want all on the same", pinned, len(tasks), seen)
		}
		for cpus := range seen {
			if one := !strings.ContainsAny(cpus, ",-"); one != pinned || !pinned && cpus != all {
				t.Errorf("pinned %v: gosinit's threads on CPUs %q (given %q)", pinned, cpus, all)
			}
		}
		unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
		r.wait(t, 10*time.Second)
	}
}

// TestOwnSigpipeNoLoop: at loglevel debug, with a stderr whose reader has
// gone, the debug line saying an own SIGPIPE was kept back raised the next
// SIGPIPE, whose line raised the next: gosinit spun a CPU until it exited.
func TestOwnSigpipeNoLoop(t *testing.T) {
	deadStderr(t)
	r := startInit(t, true, nil, "-vvv", "--", "/bin/sh", "-c", "sleep 3; exit 7")
	if code := r.wait(t, 15*time.Second); code != 7 {
		t.Errorf("gosinit ended with exit %d, want 7", code)
	}
	if cpu := r.cmd.ProcessState.UserTime() + r.cmd.ProcessState.SystemTime(); cpu > 1500*time.Millisecond {
		t.Errorf("gosinit used %v of CPU in a 3 s run: its own SIGPIPEs fed each other", cpu)
	}
}
