package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// notifySocket is a datagram socket of the test's, as systemd's
// NOTIFY_SOCKET, closed at the test's end.
func notifySocket(t *testing.T) (string, *net.UnixConn) {
	sockPath := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sockPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return sockPath, conn
}

// TestSystemdNotify runs gosinit -c with NOTIFY_SOCKET pointing at a
// datagram socket of the test, as systemd's Type=notify does: READY=1 once
// every autostart program is RUNNING, STATUS= counts, RELOADING=1 then
// READY=1 around a reload, STOPPING=1 at shutdown. The socket is not
// passed on to the programs.
func TestSystemdNotify(t *testing.T) {
	needRoot(t)
	sockPath, conn := notifySocket(t)
	msgs := make(chan string, 64)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	next := func(what string) string {
		t.Helper()
		select {
		case m := <-msgs:
			return m
		case <-time.After(10 * time.Second):
			t.Fatalf("no datagram (waiting for %s)", what)
		}
		return ""
	}
	var statuses []string
	expect := func(prefix string) string {
		t.Helper()
		for {
			m := next(prefix)
			if strings.HasPrefix(m, prefix) {
				return m
			}
			if !strings.HasPrefix(m, "STATUS=") {
				t.Fatalf("got %q while waiting for %s", m, prefix)
			}
			statuses = append(statuses, m)
		}
	}
	dir := t.TempDir()
	conf := strings.ReplaceAll(base+`
[program:web]
command=/bin/sh -c 'echo "notify=[$NOTIFY_SOCKET]"; exec sleep 1000'
startsecs=1
stdout_logfile=@DIR@/web.log
`, "@DIR@", dir)
	path := filepath.Join(dir, "s.conf")
	writeFile(t, path, conf)
	r := startInit(t, true, []string{"NOTIFY_SOCKET=" + sockPath}, "-c", path, "--status-file", filepath.Join(dir, "st.json"))
	start := time.Now()
	expect("READY=1")
	if !contains(statuses, "STATUS=1 starting") {
		t.Errorf("STATUS lines %q: want the counts (1 starting)", statuses)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("READY=1 after %v, before startsecs=1 made web RUNNING", d)
	}
	if got := waitFileContent(filepath.Join(dir, "web.log"), "notify=[]\n", 5*time.Second); got != "notify=[]\n" {
		t.Errorf("program saw %q: NOTIFY_SOCKET must not reach programs", got)
	}
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	if m := expect("RELOADING=1"); !strings.Contains(m, "MONOTONIC_USEC=") {
		t.Errorf("reloading datagram %q lacks MONOTONIC_USEC", m)
	}
	expect("READY=1")
	unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
	expect("STOPPING=1")
	if code := r.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSystemdNotifyReloadWhileStarting: a SIGHUP before every autostart
// program is RUNNING is no reason to say READY=1 (with RELOADING=1 before
// it, as after the start): systemd would count the unit started while
// web is still within its startsecs.
func TestSystemdNotifyReloadWhileStarting(t *testing.T) {
	needRoot(t)
	sockPath, conn := notifySocket(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "s.conf")
	writeFile(t, path, strings.ReplaceAll(base+`
[program:web]
command=/bin/sleep 1000
startsecs=3
`, "@DIR@", dir))
	r := startInit(t, true, []string{"NOTIFY_SOCKET=" + sockPath}, "-c", path, "--status-file", filepath.Join(dir, "st.json"))
	start := time.Now()
	buf := make([]byte, 4096)
	var got []string
	for sent := false; ; {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no READY=1 (got %q): %v", got, err)
		}
		m := string(buf[:n])
		got = append(got, m)
		if m == "STATUS=1 starting" && !sent {
			sent = true
			unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
		}
		if strings.HasPrefix(m, "READY=1") || strings.HasPrefix(m, "RELOADING=1") {
			break
		}
	}
	if last := got[len(got)-1]; last != "READY=1" || time.Since(start) < 2500*time.Millisecond {
		t.Errorf("%q after %v, want READY=1 only once web is RUNNING (startsecs=3); datagrams %q", last, time.Since(start), got)
	}
	unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
	if code := r.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
