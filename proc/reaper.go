package proc

import (
	"golang.org/x/sys/unix"
)

// The reaper is the one caller of wait4 in gosinit. It runs only on the
// owner goroutine, so a pid is always registered (spawn records it before
// the loop reads its next event) before it can be reaped: the race that
// loses exit statuses when a global reaper competes with exec.Cmd.Wait
// cannot happen here.

// reapAll collects every exited child without blocking and hands each to
// fn. It returns true when the kernel says there are no children left at
// all (ECHILD), which is how PID 1 knows its namespace is empty.
func reapAll(fn func(pid int, ws unix.WaitStatus)) (none bool) {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.ECHILD:
			return true
		case err != nil:
			return false
		case pid <= 0:
			return false
		}
		fn(pid, ws)
	}
}

// exitCode is the shell's view of a wait status: the exit status, or
// 128+N for death by signal N.
func exitCode(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// describeExit is supervisord's text: "exit status 3", or
// "terminated by SIGSEGV (core dumped)".
func describeExit(ws unix.WaitStatus) string {
	if ws.Signaled() {
		s := "terminated by " + signalName(ws.Signal())
		if ws.CoreDump() {
			s += " (core dumped)"
		}
		return s
	}
	return "exit status " + itoa(ws.ExitStatus())
}

// becomeSubreaper makes orphans of gosinit's tree re-parent to gosinit when
// it is not PID 1 (under `docker run --init`, or on a host).
func becomeSubreaper() error {
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}
