package main

// The test binary doubles as the child programs the PID 1 tests run (the
// os/exec model): TestMain dispatches on GOSINIT_TEST_HELPER before any test
// runs. Helpers report through files named in their arguments, so a test
// can wait for a condition instead of sleeping.

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
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

// gosinitBin is the binary under test, built once by TestMain.
var gosinitBin string

// raceBuild says the tests run a race-detector build of gosinit
// (GOSINIT_TEST_RACE, set by make race).
var raceBuild = os.Getenv("GOSINIT_TEST_RACE") != ""

func TestMain(m *testing.M) {
	if h := os.Getenv("GOSINIT_TEST_HELPER"); h != "" {
		os.Exit(runHelper(h, os.Args[1:]))
	}
	dir, err := os.MkdirTemp("", "gosinit-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gosinitBin = filepath.Join(dir, "gosinit")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", gosinitBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if raceBuild {
		// gosinit under the race detector (make race: by hand, as it
		// needs cgo). Reports go where GORACE's log_path says.
		build.Args = append(build.Args[:2], append([]string{"-race"}, build.Args[2:]...)...)
		build.Env = append(os.Environ(), "CGO_ENABLED=1")
	}
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build gosinit:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startKept starts cmd with Pdeathsig SIGKILL, forked from one thread kept
// for that: so a test binary that dies (its -timeout, a signal, a closed
// output pipe) takes gosinit and every process it started with it, where
// before they were left running, cgroups and all. Pdeathsig follows the
// thread that forked, not the process, and a Go thread can end (a goroutine
// that returns while locked ends its thread), so every start goes through
// a goroutine locked to its thread for good. mask, if not nil, is blocked
// on that thread while it forks (the child inherits it), then unblocked.
func startKept(cmd *exec.Cmd, mask *unix.Sigset_t) error {
	keptOnce.Do(func() {
		keptStarts = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the binary
			for f := range keptStarts {
				f()
			}
		}()
	})
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	errc := make(chan error)
	keptStarts <- func() {
		if mask != nil {
			unix.PthreadSigmask(unix.SIG_BLOCK, mask, nil)
			defer unix.PthreadSigmask(unix.SIG_UNBLOCK, mask, nil)
		}
		errc <- cmd.Start()
	}
	return <-errc
}

var (
	keptOnce   sync.Once
	keptStarts chan func()
)

// helperCmd is the argv that runs helper name as a program.
func helperCmd(name string, args ...string) []string {
	self, _ := os.Executable()
	return append([]string{"/usr/bin/env", "GOSINIT_TEST_HELPER=" + name, self}, args...)
}

func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	f.WriteString(line + "\n")
	f.Close()
}

func runHelper(name string, args []string) int {
	switch name {
	case "listener":
		return runListener(args)
	case "fcgiecho":
		return runFcgiEcho()
	case "sigrec":
		// sigrec FILE ROLE [child]: record every forwardable signal as
		// "ROLE SIGNUM"; with "child", also start a grandchild in the same
		// process group. Exits on SIGUSR... never: the test kills the group.
		file, role := args[0], args[1]
		c := make(chan os.Signal, 64)
		var sigs []os.Signal
		for _, s := range proc.CaughtSignals() {
			if s != unix.SIGCHLD {
				sigs = append(sigs, s)
			}
		}
		signal.Notify(c, sigs...)
		if len(args) > 2 {
			self, _ := os.Executable()
			gc := exec.Command(self, file, "grandchild")
			gc.Env = append(os.Environ(), "GOSINIT_TEST_HELPER=sigrec")
			if err := gc.Start(); err != nil {
				return 3
			}
		}
		appendLine(file, role+" ready")
		for s := range c {
			appendLine(file, fmt.Sprintf("%s %d", role, s.(syscall.Signal)))
		}
	case "maskcheck":
		// Print SigIgn, SigBlk of this process: both must be zero.
		b, _ := os.ReadFile("/proc/self/status")
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "SigIgn:") || strings.HasPrefix(l, "SigBlk:") {
				fmt.Println(l)
			}
		}
	case "orphans":
		// orphans N: a parent forks N grandchildren blocked on a pipe and
		// exits, so they are re-parented to PID 1; then release them all at
		// once and wait (deadline) until no zombie and no grandchild is left.
		n, _ := strconv.Atoi(args[0])
		return orphans(n)
	case "orphanparent":
		fd, _ := strconv.Atoi(args[1])
		n, _ := strconv.Atoi(args[0])
		rawForkBlocked(n, fd)
		return 0
	case "ignoreterm":
		// ignoreterm FILE CODE: record SIGTERM and ignore it; exit CODE on SIGUSR1.
		file := args[0]
		code, _ := strconv.Atoi(args[1])
		c := make(chan os.Signal, 8)
		signal.Notify(c, unix.SIGTERM, unix.SIGUSR1)
		appendLine(file, "ready")
		for s := range c {
			if s == unix.SIGUSR1 {
				return code
			}
			appendLine(file, "TERM")
		}
	case "leftovers":
		// leftovers FILE CODE: start two processes in their own sessions (so
		// a group signal misses them): one exits on SIGTERM (recording it),
		// one ignores SIGTERM; then exit CODE.
		file := args[0]
		code, _ := strconv.Atoi(args[1])
		self, _ := os.Executable()
		for _, role := range []string{"polite", "stubborn"} {
			c := exec.Command(self, file, role)
			c.Env = append(os.Environ(), "GOSINIT_TEST_HELPER=leftover")
			c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			if err := c.Start(); err != nil {
				return 3
			}
			c.Process.Release()
		}
		waitFileLines(file, 2, 10*time.Second)
		return code
	case "leftover":
		file, role := args[0], args[1]
		c := make(chan os.Signal, 8)
		signal.Notify(c, unix.SIGTERM)
		appendLine(file, role+" "+strconv.Itoa(os.Getpid()))
		for range c {
			appendLine(file, role+" TERM")
			if role == "polite" {
				return 0
			}
		}
	case "jobshell":
		// jobshell PIDFILE GOSINIT ARGS...: what a shell with job control
		// does for a foreground job, with `stty tostop` set first: run
		// gosinit in a process group of its own, in the terminal's
		// foreground, and exit with its status. PIDFILE gets its pid.
		signal.Ignore(unix.SIGTTOU) // as shells do, to get the terminal back
		tio, err := unix.IoctlGetTermios(0, unix.TCGETS)
		if err != nil {
			return 100
		}
		tio.Lflag |= unix.TOSTOP
		if err := unix.IoctlSetTermios(0, unix.TCSETS, tio); err != nil {
			return 101
		}
		cmd := exec.Command(args[1], args[2:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Foreground: true, Ctty: 0}
		if err := cmd.Start(); err != nil {
			return 102
		}
		os.WriteFile(args[0], []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
		cmd.Wait()
		return cmd.ProcessState.ExitCode()
	case "ttyint":
		// ttyint: report whether this process group is the terminal's
		// foreground group, then exit 42 on SIGINT.
		c := make(chan os.Signal, 1)
		signal.Notify(c, unix.SIGINT)
		fg, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
		pg := unix.Getpgrp()
		fmt.Printf("fg=%d pgrp=%d err=%v\n", fg, pg, err)
		select {
		case <-c:
			fmt.Println("got SIGINT")
			return 42
		case <-time.After(20 * time.Second):
			return 1
		}
	case "outlines", "outflood", "outticks":
		// Output helpers of output_test.go: numbered lines, a flood of
		// lines with a long one and a partial one, a steady ticker.
		return outHelper(name, args)
	case "devlog":
		// devlog SOCKET BIN ARGV0 ARGS...: PID 1 of a new PID and mount
		// namespace gives itself a /dev of its own (a tmpfs with null,
		// the std* links, and log -> SOCKET), then execs BIN as ARGV0:
		// syslog(3) and gosinit send to /dev/log, which is the test's
		// socket, and the host's /dev is untouched.
		if len(args) < 3 {
			return 2
		}
		if err := devWithLog(args[0]); err != nil {
			fmt.Fprintln(os.Stderr, "devlog:", err)
			return 3
		}
		err := unix.Exec(args[1], args[2:], os.Environ())
		fmt.Fprintln(os.Stderr, "devlog: exec:", err)
		return 4
	case "subreaper":
		// subreaper: a shell starts a sleep in the background and exits, so
		// the sleep is re-parented to gosinit (the subreaper). Report its new
		// parent, then wait (deadline) until it is gone: not a zombie, reaped.
		out, err := exec.Command("/bin/sh", "-c", "sleep 0.3 >/dev/null 2>&1 & echo $!").Output()
		if err != nil {
			return 3
		}
		pid := strings.TrimSpace(string(out))
		stat, _ := os.ReadFile("/proc/" + pid + "/stat")
		i := strings.LastIndexByte(string(stat), ')')
		if i < 0 {
			fmt.Println("orphan gone too early")
			return 4
		}
		f := strings.Fields(string(stat[i+1:]))
		fmt.Printf("orphan %s ppid %s\n", pid, f[1])
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat("/proc/" + pid); err != nil {
				fmt.Println("reaped")
				return 0
			}
			time.Sleep(5 * time.Millisecond)
		}
		fmt.Println("not reaped")
		return 5
	}
	return 0
}

// waitFileLines waits until path has at least n lines, or the deadline.
func waitFileLines(path string, n int, d time.Duration) []string {
	deadline := time.Now().Add(d)
	for {
		b, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(b) > 0 && len(lines) >= n || time.Now().After(deadline) {
			if len(b) == 0 {
				return nil
			}
			return lines
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func orphans(n int) int {
	// Inside the new PID namespace: a private mount tree and our own /proc.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		fmt.Fprintln(os.Stderr, "mount private:", err)
		return 3
	}
	if err := unix.Mount("proc", "/proc", "proc", 0, ""); err != nil {
		fmt.Fprintln(os.Stderr, "mount proc:", err)
		return 3
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return 3
	}
	self, _ := os.Executable()
	c := exec.Command(self, strconv.Itoa(n), "3")
	c.Env = append(os.Environ(), "GOSINIT_TEST_HELPER=orphanparent")
	c.ExtraFiles = []*os.File{os.NewFile(uintptr(p[0]), "r")}
	if err := c.Run(); err != nil { // a helper's own child: Run is fine here
		fmt.Fprintln(os.Stderr, "orphanparent:", err)
		return 3
	}
	unix.Close(p[0])
	if got := countProcs(); got < n {
		fmt.Fprintf(os.Stderr, "only %d processes before release\n", got)
		return 4
	}
	unix.Close(p[1]) // every grandchild reads EOF and exits at once
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if countProcs() == 2 { // gosinit and this helper
			fmt.Println("all reaped")
			return 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "%d processes left (zombies: %d)\n", countProcs(), countZombies())
	return 5
}

func countProcs() int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err == nil {
			n++
		}
	}
	return n
}

func countZombies() int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && len(b) > i+2 && b[i+2] == 'Z' {
			n++
		}
	}
	return n
}

// rawForkBlocked forks n children that block reading fd and exit when it
// reaches EOF. The children run only raw system calls: after a raw fork
// only the forking thread exists, so nothing of the Go runtime may run.
func rawForkBlocked(n, fd int) {
	var buf [1]byte
	for i := 0; i < n; i++ {
		pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
		if errno != 0 {
			fmt.Fprintln(os.Stderr, "clone:", errno)
			return
		}
		if pid == 0 {
			syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), 1)
			syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
		}
	}
}

// nobodyDir is a new directory that user nobody can reach and read (the
// test's temp dirs are 0700), removed at the end.
func nobodyDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "gosinit-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for d := filepath.Dir(dir); d != "/"; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm()&0o001 == 0 {
			t.Skipf("user nobody cannot reach %s", dir)
		}
	}
	return dir
}

// copyExecutable copies the program src to dst, mode 0755, and returns dst.
func copyExecutable(t *testing.T, src, dst string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// devWithLog mounts a tmpfs on /dev, in the caller's own mount namespace,
// with /dev/null, /dev/fd and /dev/std* as usual and /dev/log a link to
// sock.
func devWithLog(sock string) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	if err := unix.Mount("devlog", "/dev", "tmpfs", 0, "mode=0755"); err != nil {
		return fmt.Errorf("mount /dev: %w", err)
	}
	if err := unix.Mknod("/dev/null", unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		return fmt.Errorf("mknod /dev/null: %w", err)
	}
	unix.Chmod("/dev/null", 0o666)
	for name, to := range map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
		"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2", "log": sock} {
		if err := os.Symlink(to, "/dev/"+name); err != nil {
			return err
		}
	}
	return nil
}

// startAsNobody starts cmd as nobody (uid and gid 65534), not as PID 1.
// Cleanup SIGTERMs it and fails the test if it has not stopped 10 s later.
func startAsNobody(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		unix.Kill(cmd.Process.Pid, unix.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			unix.Kill(cmd.Process.Pid, unix.SIGKILL)
			<-done
			t.Errorf("gosinit did not stop on SIGTERM")
		}
	})
}
