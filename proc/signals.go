package proc

import (
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// CaughtSignals is the explicit list main passes to signal.Notify before
// anything else: every signal a user could mean for the program, and the
// fault signals (below).
//
// The fault signals (SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP,
// SIGSYS) concern gosinit itself and are never passed on; they are caught
// only so that one sent with kill(2) is dropped: uncaught, the Go runtime
// takes it for a crash and PID 1 dies, and the container with it. A real
// fault still crashes (Notify sees only sent ones). Left out on purpose:
// SIGKILL and SIGSTOP (uncatchable), SIGURG (the Go runtime's preemption
// signal: it arrives constantly and means nothing to a child), SIGPROF
// (the runtime's profiler) and signals 32 to 34 (the C library's and the
// Go runtime's own: Go installs no handler for them, so they cannot be
// caught; as PID 1 the kernel drops them). Catching a signal, rather than
// ignoring it, matters: a caught signal is reset to its default
// disposition in every child on exec, an ignored one would be inherited.
func CaughtSignals() []os.Signal {
	sigs := []os.Signal{unix.SIGCHLD}
	for _, s := range append(faults[:], forwardable...) {
		sigs = append(sigs, s)
	}
	return sigs
}

// faults are the fault signals: caught, logged, never passed on.
var faults = [...]unix.Signal{unix.SIGABRT, unix.SIGSEGV, unix.SIGBUS, unix.SIGFPE, unix.SIGILL, unix.SIGTRAP, unix.SIGSYS}

// forwardable are the signals gosinit passes on to its main program.
var forwardable = func() []unix.Signal {
	s := []unix.Signal{
		unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2,
		unix.SIGPIPE, unix.SIGALRM, unix.SIGTERM, unix.SIGSTKFLT, unix.SIGCONT,
		unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGXCPU, unix.SIGXFSZ,
		unix.SIGVTALRM, unix.SIGWINCH, unix.SIGIO, unix.SIGPWR,
	}
	for n := 35; n <= 64; n++ { // real-time signals, as far as Go lets them be caught
		s = append(s, unix.Signal(n))
	}
	return s
}()

// signalName is supervisord's spelling: "SIGTERM", or "signal 40".
func signalName(s unix.Signal) string {
	if n := signalText(s); n != "" {
		return n
	}
	if s >= 34 && s <= 64 {
		return "SIGRT" + itoa(int(s))
	}
	return "signal " + itoa(int(s))
}

// itoa is strconv.Itoa for the loop's messages. Not inlined: 19 call
// sites (issue 2's size).
//
//go:noinline
func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// resetInherited gives signals 32 and 34 their default disposition when
// gosinit was started with them ignored. They are the only ones the Go
// runtime neither handles nor lets os/signal catch, so an inherited SIG_IGN
// would otherwise pass through exec to every child; all the others are
// caught, which exec resets to default.
func resetInherited() {
	for _, sig := range []uintptr{32, 34} {
		var old sigaction
		if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, sig, 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
			continue
		}
		if old.handler != 1 { // SIG_IGN
			continue
		}
		var dfl sigaction // SIG_DFL
		syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0)
	}
}

// sigaction is the kernel's struct sigaction (amd64, arm64).
type sigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// ignoreTTOU sets SIGTTOU to SIG_IGN behind the Go runtime's back, as
// the main program is given the terminal: gosinit is then in the
// terminal's background, and with `stty tostop` each write of its own there would
// raise SIGTTOU at it and be restarted, for ever, at 100% CPU. Ignored
// (as tini ignores it), the write goes through. The runtime still counts
// SIGTTOU as its own, so every child forked later has it reset to its
// default, as signal.Ignore would not; and os/signal's Ignore costs 3 kB
// of the binary.
func ignoreTTOU() {
	ign := sigaction{handler: 1} // SIG_IGN
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(unix.SIGTTOU), uintptr(unsafe.Pointer(&ign)), 0, 8, 0, 0)
}
