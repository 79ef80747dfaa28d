//go:build linux && (386 || amd64 || arm || arm64 || loong64 || riscv64 || s390x)

package proc

import (
	"strings"

	"golang.org/x/sys/unix"
)

// The names golang.org/x/sys/unix gives errors and signals. unix keeps
// them in tables of number, name and description, which cost the binary
// 6.5 kB more than these strings (issue 2). These are its names, in number
// order from 1, on the architectures where its tables are the same; a
// number without a name has an empty one. sysnames_other.go asks unix on
// the others; TestSysNamesAsUnix holds both to unix's answers.

// errnoNames are unix.ErrnoName(1), unix.ErrnoName(2), ...
const errnoNames = "EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD " +
	"EAGAIN ENOMEM EACCES EFAULT ENOTBLK EBUSY EEXIST EXDEV ENODEV " +
	"ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY ETXTBSY EFBIG ENOSPC " +
	"ESPIPE EROFS EMLINK EPIPE EDOM ERANGE EDEADLK ENAMETOOLONG " +
	"ENOLCK ENOSYS ENOTEMPTY ELOOP  ENOMSG EIDRM ECHRNG EL2NSYNC " +
	"EL3HLT EL3RST ELNRNG EUNATCH ENOCSI EL2HLT EBADE EBADR EXFULL " +
	"ENOANO EBADRQC EBADSLT  EBFONT ENOSTR ENODATA ETIME ENOSR " +
	"ENONET ENOPKG EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO " +
	"EMULTIHOP EDOTDOT EBADMSG EOVERFLOW ENOTUNIQ EBADFD EREMCHG " +
	"ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ ERESTART " +
	"ESTRPIPE EUSERS ENOTSOCK EDESTADDRREQ EMSGSIZE EPROTOTYPE " +
	"ENOPROTOOPT EPROTONOSUPPORT ESOCKTNOSUPPORT ENOTSUP " +
	"EPFNOSUPPORT EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN " +
	"ENETUNREACH ENETRESET ECONNABORTED ECONNRESET ENOBUFS EISCONN " +
	"ENOTCONN ESHUTDOWN ETOOMANYREFS ETIMEDOUT ECONNREFUSED " +
	"EHOSTDOWN EHOSTUNREACH EALREADY EINPROGRESS ESTALE EFSCORRUPTED " +
	"ENOTNAM ENAVAIL EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE " +
	"ECANCELED ENOKEY EKEYEXPIRED EKEYREVOKED EKEYREJECTED " +
	"EOWNERDEAD ENOTRECOVERABLE ERFKILL EHWPOISON EFTYPE"

// signalNames are unix.SignalName(1) to unix.SignalName(31).
const signalNames = "SIGHUP SIGINT SIGQUIT SIGILL SIGTRAP SIGABRT SIGBUS SIGFPE " +
	"SIGKILL SIGUSR1 SIGSEGV SIGUSR2 SIGPIPE SIGALRM SIGTERM " +
	"SIGSTKFLT SIGCHLD SIGCONT SIGSTOP SIGTSTP SIGTTIN SIGTTOU " +
	"SIGURG SIGXCPU SIGXFSZ SIGVTALRM SIGPROF SIGWINCH SIGIO SIGPWR " +
	"SIGSYS"

// errnoText is unix.ErrnoName(e).
func errnoText(e unix.Errno) string { return nthName(errnoNames, int(e)) }

// signalText is unix.SignalName(s).
func signalText(s unix.Signal) string { return nthName(signalNames, int(s)) }

// nthName is the n-th (from 1) of the space-separated names, or "".
func nthName(names string, n int) string {
	for i := 1; i <= n; i++ {
		name, rest, more := strings.Cut(names, " ")
		if i == n {
			return name
		}
		if !more {
			break
		}
		names = rest
	}
	return ""
}
