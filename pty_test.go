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

// TestTerminalForeground: with a terminal on stdin, the program's group is
// the terminal's foreground group, so Ctrl-C (typed, not sent by kill)
// reaches the program, and gosinit exits with its status.
func TestTerminalForeground(t *testing.T) {
	needRoot(t)
	master, slave := openPty(t)
	cmd := exec.Command(gosinitBin, append([]string{"--"}, helperCmd("ttyint")...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0,
		Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { unix.Kill(cmd.Process.Pid, unix.SIGKILL) })
	slave.Close()

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
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(string(b)); err == nil {
				unix.Kill(pid, unix.SIGKILL)
			}
		}
		unix.Kill(cmd.Process.Pid, unix.SIGKILL)
	})
	slave.Close()
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
	cmd := exec.Command("/bin/sh", "-c", gosinitBin+` -- /bin/true; if read x; then echo "read: $x"; else echo "read failed"; fi`)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { unix.Kill(-cmd.Process.Pid, unix.SIGKILL) })
	slave.Close()
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
	cmd := exec.Command(gosinitBin, "--", "/bin/sleep", "1000")
	cmd.Stdout, cmd.Stderr = slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { unix.Kill(cmd.Process.Pid, unix.SIGKILL) })
	slave.Close()
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
