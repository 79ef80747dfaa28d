package proc

import (
	"golang.org/x/sys/unix"
)

// The reaper is the one caller of wait4 in gosinit. It runs only on the
// owner goroutine, so a pid is always registered (spawn records it before
// the loop reads its next event) before it can be reaped: the race that
// loses exit statuses when a global reaper competes with exec.Cmd.Wait
// cannot happen here. gosinit's main runs the loop locked to the main
// thread, which forks every child and is the one orphans are re-parented
// to, so wait4 returns zombies oldest first (main.go's init).

// reapBatch is the most exits one call of reapSome hands on. Children
// that exit as fast as they are respawned (hundreds of programs
// crash-looping on a starved CPU) would otherwise keep one reap going for
// ever, and no signal, timer or status write would get its turn.
const reapBatch = 16

// reapSome collects exited children without blocking, at most reapBatch,
// and hands each to fn; it stops early when yield, asked after each,
// says so. none says the kernel said there are no children left at all
// (ECHILD), which is how PID 1 knows its namespace is empty; more says it
// stopped before the kernel said no more, so more may be waiting.
func reapSome(fn func(pid int, ws unix.WaitStatus), yield func() bool) (none, more bool) {
	for n := 0; n < reapBatch; n++ {
		if n > 0 && yield() {
			break
		}
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.ECHILD:
			return true, false
		case err != nil:
			return false, false
		case pid <= 0:
			return false, false
		}
		fn(pid, ws)
	}
	return false, true
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
