package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPty opens a pseudo-terminal pair with x/sys/unix alone.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// onPty starts argv with its stdout and stderr on the terminal slave (and
// its stdin, with stdin), with attr, and closes slave: the process holds
// the terminal's only slave end. It is SIGKILLed at cleanup (its group
// too, when attr makes it a session leader); done receives Wait's result.
func onPty(t *testing.T, slave *os.File, stdin bool, attr *syscall.SysProcAttr, argv ...string) (*exec.Cmd, chan error) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = slave, slave
	if stdin {
		cmd.Stdin = slave
	}
	cmd.SysProcAttr = attr
	if err := startKept(cmd, nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if attr.Setsid {
			unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
		}
		unix.Kill(cmd.Process.Pid, unix.SIGKILL)
	})
	slave.Close()
	return cmd, done
}

// TestTerminalForeground: with a terminal on stdin, the program's group is
// the terminal's foreground group, so Ctrl-C (typed, not sent by kill)
// reaches the program, and gosinit exits with its status.
func TestTerminalForeground(t *testing.T) {
	needRoot(t)
	master, slave := openPty(t)
	_, done := onPty(t, slave, true, &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0,
		Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS},
		append([]string{gosinitBin, "--"}, helperCmd("ttyint")...)...)

	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(master)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var first string
	select {
	case first = <-lines:
	case <-time.After(20 * time.Second):
		t.Fatal("no output from the program")
	}
	var fg, pg int
	if _, err := fmt.Sscanf(strings.TrimSpace(first), "fg=%d pgrp=%d", &fg, &pg); err != nil || fg != pg {
		t.Fatalf("program reports %q: want its group in the foreground", first)
	}
	master.Write([]byte{3}) // Ctrl-C
	select {
	case err := <-done:
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 42 {
			t.Fatalf("gosinit: %v, want exit 42 (the program's, after SIGINT)", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("gosinit did not exit after Ctrl-C")
	}
}

// TestTostopBackgroundWrites: run from a shell with job control and
// `stty tostop`, gosinit hands the terminal to its program and is then in
// the background; its own log lines written there must neither stop it
// nor make it spin on SIGTTOU for ever (it did, at 100% CPU, never
// reaping the program).
func TestTostopBackgroundWrites(t *testing.T) {
	needRoot(t)
	master, slave := openPty(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	argv := helperCmd("jobshell", pidFile, gosinitBin, "-v", "--", "/bin/echo", "hi")
	_, done := onPty(t, slave, true, &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}, argv...)
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(string(b)); err == nil {
				unix.Kill(pid, unix.SIGKILL)
			}
		}
	})
	go io.Copy(io.Discard, master) // the terminal's reader
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the job shell: %v (its status is gosinit's)", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("gosinit did not exit in 20 s (spinning on SIGTTOU?)")
	}
}

// TestTerminalGivenBack: a shell script on a terminal runs gosinit, which
// gives its program the terminal; once gosinit exits, the terminal is the
// script's again, so its next read works (tini leaves it to the dead
// program's group, and the read fails with EIO).
func TestTerminalGivenBack(t *testing.T) {
	needRoot(t)
	master, slave := openPty(t)
	_, done := onPty(t, slave, true, &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0},
		"/bin/sh", "-c", gosinitBin+` -- /bin/true; if read x; then echo "read: $x"; else echo "read failed"; fi`)
	out := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(master)
		for sc.Scan() {
			out <- strings.TrimSpace(sc.Text())
		}
		close(out)
	}()
	// The script reads once gosinit is gone: give it the line now; a
	// terminal keeps it until someone reads.
	master.Write([]byte("hello\n"))
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-out:
			if !ok {
				t.Fatal("the terminal closed without the script's answer")
			}
			switch l {
			case "read: hello":
				<-done
				return
			case "read failed":
				t.Fatal("the script could not read its terminal after gosinit exited")
			}
		case <-deadline:
			t.Fatal("no answer from the script")
		}
	}
}

// TestSigpipeHungUpTerminalPassedOn: with gosinit's stdout and stderr on a
// terminal that has hung up (its master closed), poll says POLLHUP there,
// but a write fails with EIO and raises no SIGPIPE: a SIGPIPE sent to
// gosinit then is someone's kill, passed on to COMMAND (here it kills it).
func TestSigpipeHungUpTerminalPassedOn(t *testing.T) {
	needRoot(t)
	master, slave := openPty(t)
	cmd, done := onPty(t, slave, false, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS},
		gosinitBin, "--", "/bin/sleep", "1000")
	for deadline := time.Now().Add(10 * time.Second); len(childrenOf(cmd.Process.Pid)) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("gosinit started no COMMAND")
		}
	}
	master.Close()
	unix.Kill(cmd.Process.Pid, unix.SIGPIPE)
	select {
	case <-done:
		if code := cmd.ProcessState.ExitCode(); code != 128+int(unix.SIGPIPE) {
			t.Errorf("exit %d, want 141: COMMAND killed by the SIGPIPE passed on", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGPIPE not passed on to COMMAND while the terminal is hung up")
	}
}
