package proc

// systemd's readiness protocol (sd_notify(3)), spoken without libsystemd.
//
// When systemd starts a Type=notify service it puts the address of a datagram
// socket in NOTIFY_SOCKET. The service tells systemd how it is doing by
// sending newline-separated KEY=VALUE datagrams to it: READY=1 when it may be
// considered started, RELOADING=1 (with MONOTONIC_USEC=, which
// Type=notify-reload requires) and READY=1 again around a reload, STOPPING=1
// at shutdown, STATUS=... for `systemctl status`. That is the whole protocol
// gosinit needs: about fifty lines here instead of a dependency.
//
// Why it looks the way it does:
//   - One unixgram socket, opened once by newNotifier, close-on-exec so no
//     program inherits it, and non-blocking: PID 1's loop must never wait on
//     systemd. A full receive queue (EAGAIN) is an error the loop logs, like
//     every other notify error; none of them is fatal, because a service that
//     runs without telling systemd is still better than no service.
//   - Without NOTIFY_SOCKET newNotifier returns nil, and every method of a nil
//     *notifier does nothing, so callers never test "are we under systemd".
//   - Programs must not see NOTIFY_SOCKET (stripNotifyEnv): systemd would take
//     a program's READY=1 or STOPPING=1 for gosinit's, and with NotifyAccess=all
//     a program could end the service.
//   - Paths are absolute ("/run/systemd/notify") or abstract ("@name", a
//     leading NUL on the wire); golang.org/x/sys/unix turns '@' into the NUL.
//     Other forms (vsock:, relative paths) are refused with an error.

import (
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/internal/textf"
)

const notifySocketEnv = "NOTIFY_SOCKET"

// notifier sends sd_notify datagrams. The zero of *notifier (nil) is a
// valid notifier that sends nothing.
type notifier struct {
	_ [0]func() // incomparable: see ProcessStatus

	addr string // NOTIFY_SOCKET as given
	sa   *unix.SockaddrUnix

	mu  sync.Mutex
	fd  int   // -1 when closed or never opened
	err error // why the socket could not be opened; returned by every send
}

// newNotifier returns a notifier for the NOTIFY_SOCKET in environ (the first
// one, as os.Getenv would pick), or nil when there is none. It opens the
// socket now; if that fails, the failure is kept and returned by each send,
// so it reaches the log like any other notify error.
func newNotifier(environ []string) *notifier {
	addr, ok := notifyLookupEnv(environ, notifySocketEnv)
	if !ok || addr == "" {
		return nil
	}
	n := &notifier{addr: addr, fd: -1}
	switch {
	case strings.HasPrefix(addr, "/"), strings.HasPrefix(addr, "@") && len(addr) > 1:
		n.sa = &unix.SockaddrUnix{Name: addr}
	default:
		n.err = textf.Errorf("%s=%q: not an absolute path or @abstract socket name", notifySocketEnv, addr)
		return n
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		n.err = textf.Errorf("%s=%q: socket: %w", notifySocketEnv, addr, err)
		return n
	}
	n.fd = fd
	return n
}

// Ready tells systemd the service has started (or finished reloading).
func (n *notifier) Ready() error { return n.send("READY=1") }

// Stopping tells systemd the service is shutting down.
func (n *notifier) Stopping() error { return n.send("STOPPING=1") }

// Reloading tells systemd a reload has begun; Ready must follow when it is
// done. MONOTONIC_USEC is CLOCK_MONOTONIC in microseconds, as
// Type=notify-reload demands in the same datagram.
func (n *notifier) Reloading() error {
	if n == nil {
		return nil
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return textf.Errorf("sd_notify RELOADING=1: clock_gettime: %w", err)
	}
	usec := ts.Sec*1e6 + ts.Nsec/1e3
	return n.send(textf.Sprintf("RELOADING=1\nMONOTONIC_USEC=%d", usec))
}

// Status sets the one-line status `systemctl status` shows. A newline would
// start a new KEY=VALUE assignment, so each "\r\n", "\n" and "\r" becomes
// one space.
func (n *notifier) Status(msg string) error {
	return n.send(statusLine(msg))
}

// statusLine is "STATUS=" and msg with its line breaks made spaces:
// strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(msg), by
// hand. The Replacer would link 9 kB of code for this one line (issue 2).
func statusLine(msg string) string {
	b := make([]byte, 0, len("STATUS=")+len(msg))
	b = append(b, "STATUS="...)
	for i := 0; i < len(msg); i++ {
		switch c := msg[i]; c {
		case '\r':
			if i+1 < len(msg) && msg[i+1] == '\n' {
				i++
			}
			b = append(b, ' ')
		case '\n':
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// Close closes the socket. Sends after Close return an error.
func (n *notifier) Close() error {
	if n == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fd < 0 {
		return nil
	}
	err := unix.Close(n.fd)
	n.fd = -1
	if n.err == nil {
		n.err = textf.Errorf("%s=%q: notifier closed", notifySocketEnv, n.addr)
	}
	if err != nil {
		return textf.Errorf("%s=%q: close: %w", notifySocketEnv, n.addr, err)
	}
	return nil
}

func (n *notifier) send(state string) error {
	if n == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	what := state
	if i := strings.IndexByte(what, '\n'); i >= 0 {
		what = what[:i]
	}
	if n.err != nil {
		return textf.Errorf("sd_notify %s: %w", what, n.err)
	}
	for {
		err := unix.Sendto(n.fd, []byte(state), 0, n.sa)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return textf.Errorf("sd_notify %s: sendto %s: %w", what, n.addr, err)
		}
		return nil
	}
}

// stripNotifyEnv returns environ without NOTIFY_SOCKET, for the environment
// handed to programs. environ itself is not modified.
func stripNotifyEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		if strings.HasPrefix(kv, notifySocketEnv+"=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func notifyLookupEnv(environ []string, key string) (string, bool) {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v, true
		}
	}
	return "", false
}
