package proc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// listenNotify plays systemd: a unixgram socket at addr (a path, or "@name"
// for the abstract namespace) that the test reads datagrams from.
func listenNotify(t *testing.T, addr string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// recvNotify returns the next datagram, failing the test after a deadline.
func recvNotify(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 4096)
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	n, _, err := conn.ReadFromUnix(buf)
	if err != nil {
		t.Fatalf("read notify datagram: %v", err)
	}
	return string(buf[:n])
}

// shortTempDir: t.TempDir's long names can pass sun_path's 108 bytes.
func shortTempDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "notify")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func monotonicUsec(t *testing.T) int64 {
	t.Helper()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return ts.Sec*1e6 + ts.Nsec/1e3
}

func TestNotifierDatagrams(t *testing.T) {
	for _, kind := range []string{"path", "abstract"} {
		t.Run(kind, func(t *testing.T) {
			addr := filepath.Join(shortTempDir(t), "notify.sock")
			if kind == "abstract" {
				addr = fmt.Sprintf("@gosinit-notify-test-%d-%d", os.Getpid(), time.Now().UnixNano())
			}
			conn := listenNotify(t, addr)
			n := newNotifier([]string{"HOME=/root", "NOTIFY_SOCKET=" + addr})
			if n == nil {
				t.Fatal("newNotifier returned nil with NOTIFY_SOCKET set")
			}
			t.Cleanup(func() { n.Close() })

			reloading := regexp.MustCompile(`^RELOADING=1\nMONOTONIC_USEC=([0-9]+)$`)
			tests := []struct {
				name string
				send func() error
				want string         // exact datagram, or
				re   *regexp.Regexp // a pattern when it holds a clock reading
			}{
				{"ready", n.Ready, "READY=1", nil},
				{"status", func() error { return n.Status("2 RUNNING, 1 STARTING") }, "STATUS=2 RUNNING, 1 STARTING", nil},
				{"status newline", func() error { return n.Status("a\nb\r\nc") }, "STATUS=a b c", nil},
				{"reloading", n.Reloading, "", reloading},
				{"ready again", n.Ready, "READY=1", nil},
				{"stopping", n.Stopping, "STOPPING=1", nil},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					before := monotonicUsec(t)
					if err := tt.send(); err != nil {
						t.Fatalf("send: %v", err)
					}
					after := monotonicUsec(t)
					got := recvNotify(t, conn)
					if tt.re == nil {
						if got != tt.want {
							t.Errorf("datagram = %q, want %q", got, tt.want)
						}
						return
					}
					m := tt.re.FindStringSubmatch(got)
					if m == nil {
						t.Fatalf("datagram = %q, want match for %q", got, tt.re)
					}
					usec, err := strconv.ParseInt(m[1], 10, 64)
					if err != nil {
						t.Fatal(err)
					}
					if usec < before || usec > after {
						t.Errorf("MONOTONIC_USEC = %d, want within [%d, %d]", usec, before, after)
					}
				})
			}
		})
	}
}

func TestNotifierOneSocketCloexec(t *testing.T) {
	addr := filepath.Join(shortTempDir(t), "notify.sock")
	conn := listenNotify(t, addr)
	n := newNotifier([]string{"NOTIFY_SOCKET=" + addr})
	t.Cleanup(func() { n.Close() })

	flags, err := unix.FcntlInt(uintptr(n.fd), unix.F_GETFD, 0)
	if err != nil {
		t.Fatal(err)
	}
	if flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("notify socket fd %d is not close-on-exec", n.fd)
	}

	fd := n.fd
	fds := countFDs(t)
	for i := 0; i < 100; i++ {
		if err := n.Status(strconv.Itoa(i)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if got, want := recvNotify(t, conn), "STATUS="+strconv.Itoa(i); got != want {
			t.Fatalf("datagram %d = %q, want %q", i, got, want)
		}
	}
	if n.fd != fd {
		t.Errorf("socket fd changed from %d to %d: want one socket opened once", fd, n.fd)
	}
	if got := countFDs(t); got != fds {
		t.Errorf("open fds after 100 sends = %d, want %d", got, fds)
	}
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestNotifierNoSocket(t *testing.T) {
	for _, env := range [][]string{nil, {"HOME=/"}, {"NOTIFY_SOCKET="}} {
		t.Run(strings.Join(env, ","), func(t *testing.T) {
			n := newNotifier(env)
			if n != nil {
				t.Fatalf("newNotifier(%q) = %+v, want nil", env, n)
			}
			// Every method of a nil notifier is a no-op.
			for name, f := range map[string]func() error{
				"Ready": n.Ready, "Stopping": n.Stopping, "Reloading": n.Reloading,
				"Status": func() error { return n.Status("x") }, "Close": n.Close,
			} {
				if err := f(); err != nil {
					t.Errorf("nil %s() = %v, want nil", name, err)
				}
			}
		})
	}
}

func TestNotifierErrors(t *testing.T) {
	dir := shortTempDir(t)
	tests := []struct {
		name    string
		addr    string
		wantErr string
	}{
		{"relative path", "run/notify", `sd_notify READY=1: NOTIFY_SOCKET="run/notify": not an absolute path or @abstract socket name`},
		{"vsock", "vsock:2:1234", `sd_notify READY=1: NOTIFY_SOCKET="vsock:2:1234": not an absolute path or @abstract socket name`},
		{"bare at", "@", `sd_notify READY=1: NOTIFY_SOCKET="@": not an absolute path or @abstract socket name`},
		{"nobody listening", dir + "/absent.sock", "sd_notify READY=1: sendto " + dir + "/absent.sock: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNotifier([]string{"NOTIFY_SOCKET=" + tt.addr})
			if n == nil {
				t.Fatal("newNotifier returned nil")
			}
			defer n.Close()
			err := n.Ready()
			if err == nil {
				t.Fatal("Ready() = nil, want an error")
			}
			if got := err.Error(); got != tt.wantErr {
				t.Errorf("Ready() error = %q, want %q", got, tt.wantErr)
			}
		})
	}

	t.Run("after close", func(t *testing.T) {
		addr := filepath.Join(dir, "closed.sock")
		listenNotify(t, addr)
		n := newNotifier([]string{"NOTIFY_SOCKET=" + addr})
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
		if err := n.Stopping(); err == nil {
			t.Error("Stopping() after Close = nil, want an error")
		}
	})

	t.Run("full queue does not block", func(t *testing.T) {
		addr := filepath.Join(dir, "full.sock")
		listenNotify(t, addr) // never read
		n := newNotifier([]string{"NOTIFY_SOCKET=" + addr})
		defer n.Close()
		done := make(chan error, 1)
		go func() {
			for i := 0; i < 100000; i++ {
				if err := n.Status(strings.Repeat("x", 1000)); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		select {
		case err := <-done:
			if !errors.Is(err, unix.EAGAIN) {
				t.Errorf("send to a full queue: err = %v, want EAGAIN", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("send to a full queue blocked")
		}
	})
}

func TestStripNotifyEnv(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"absent", []string{"A=1", "B=2"}, []string{"A=1", "B=2"}},
		{"present", []string{"A=1", "NOTIFY_SOCKET=/run/systemd/notify", "B=2"}, []string{"A=1", "B=2"}},
		{"twice", []string{"NOTIFY_SOCKET=@a", "A=1", "NOTIFY_SOCKET=@b"}, []string{"A=1"}},
		{"similar names kept", []string{"NOTIFY_SOCKETS=x", "MY_NOTIFY_SOCKET=y"}, []string{"NOTIFY_SOCKETS=x", "MY_NOTIFY_SOCKET=y"}},
		{"empty", nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.in)
			got := stripNotifyEnv(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("stripNotifyEnv(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !slices.Equal(tt.in, in) {
				t.Errorf("stripNotifyEnv modified its argument: %q, was %q", tt.in, in)
			}
		})
	}
}

// statusLine is the strings.Replacer it replaced, byte for byte.
func TestStatusLineAsReplacer(t *testing.T) {
	r := strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")
	for _, msg := range []string{
		"", "a", "\n", "\r", "\r\n", "\n\r", "\r\r\n", "\r\n\n", "\n\r\n\r",
		"a\nb\r\nc", "a\r", "\ra", "x\r\n\r\ny", "é\r\nß\n\x00\xff\r",
	} {
		if got, want := statusLine(msg), "STATUS="+r.Replace(msg); got != want {
			t.Errorf("statusLine(%q) = %q, want %q", msg, got, want)
		}
	}
}

func FuzzStatusLine(f *testing.F) {
	r := strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")
	for _, s := range []string{"a\nb\r\nc", "\r\r\n\n\r", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		if got, want := statusLine(msg), "STATUS="+r.Replace(msg); got != want {
			t.Errorf("statusLine(%q) = %q, want %q", msg, got, want)
		}
	})
}
