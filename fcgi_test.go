package main

// [fcgi-program:x]: gosinit makes the group's socket and gives it to each
// process as fd 0, as supervisord does; checked as PID 1 with real
// connections, and against Debian's supervisord.

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/proc"
)

// runFcgiEcho is a FastCGI-style server: it accepts on fd 0 and answers
// each connection's line. "who" gets its name and how fd 0 looks to it
// (a listening socket? blocking?); "exit N" gets "bye" and ends the
// process with status N.
func runFcgiEcho() int {
	listening, _ := unix.GetsockoptInt(0, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	fl, _ := unix.FcntlInt(0, unix.F_GETFL, 0)
	domain, _ := unix.GetsockoptInt(0, unix.SOL_SOCKET, unix.SO_DOMAIN)
	fam := map[int]string{unix.AF_UNIX: "unix", unix.AF_INET: "inet"}[domain]
	who := fmt.Sprintf("%s fd0=%s listening=%d nonblock=%t", os.Getenv("SUPERVISOR_PROCESS_NAME"), fam, listening, fl&unix.O_NONBLOCK != 0)
	for {
		nfd, _, err := unix.Accept(0)
		if err != nil {
			fmt.Fprintln(os.Stderr, "accept:", err)
			return 5
		}
		c := os.NewFile(uintptr(nfd), "conn")
		line, _ := bufio.NewReader(c).ReadString('\n')
		var code int
		if _, err := fmt.Sscanf(line, "exit %d", &code); err == nil {
			c.WriteString("bye\n")
			c.Close()
			return code
		}
		c.WriteString(who + "\n")
		c.Close()
	}
}

// ask sends line to the socket at network/addr and returns the answer's
// first line.
func ask(t *testing.T, network, addr, line string) string {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatalf("connect %s: %v", addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "%s\n", line)
	ans, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("answer from %s: %v", addr, err)
	}
	return strings.TrimSpace(ans)
}

// askAll connects until every name has answered "who" (two processes
// share one socket), and returns the answers by name. A process counts as
// RUNNING before it calls accept (startsecs=0): until it does, the other
// answers every connection.
func askAll(t *testing.T, network, addr string, names ...string) map[string]string {
	t.Helper()
	got := map[string]string{}
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < len(names) && time.Now().Before(deadline) {
		ans := ask(t, network, addr, "who")
		name, _, _ := strings.Cut(ans, " ")
		got[name] = ans
		time.Sleep(5 * time.Millisecond)
	}
	for _, n := range names {
		if got[n] == "" {
			t.Fatalf("%s never answered on %s (answers: %q)", n, addr, got)
		}
	}
	return got
}

// freePort is a TCP port of 127.0.0.1 nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func fcgiConf(port int) string {
	echo := strings.Join(helperCmd("fcgiecho"), " ")
	return fmt.Sprintf(`
[fcgi-program:echo]
command=%[1]s
process_name=%%(program_name)s_%%(process_num)s
numprocs=2
socket=unix://@DIR@/%%(program_name)s.sock
socket_mode=0660
socket_owner=nobody
autorestart=true
startsecs=0

[fcgi-program:tcp]
command=%[1]s
socket=tcp://LOCALHOST:%[2]d
socket_backlog=7
startsecs=0

[fcgi-program:later]
command=%[1]s
socket=unix://@DIR@/later.sock
autostart=false

[fcgi-program:asnobody]
command=/bin/sleep 1000
socket=unix://@DIR@/asnobody.sock
user=nobody
startsecs=0
`, echo, port)
}

func socketStat(t *testing.T, path string) string {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return "missing"
	}
	return fmt.Sprintf("type=%o mode=%o uid=%d gid=%d", st.Mode&unix.S_IFMT, st.Mode&0o7777, st.Uid, st.Gid)
}

func TestFcgiProgram(t *testing.T) {
	port := freePort(t)
	r := startConf(t, base+"loglevel=info\n"+fcgiConf(port))
	sock := filepath.Join(r.dir, "echo.sock")
	r.waitStatus(t, 10*time.Second, "echo_0, echo_1 and tcp RUNNING", allIn(proc.Running, "echo_0", "echo_1", "tcp"))

	// Both processes accept on the one unix socket, fd 0, a blocking
	// listening socket; the file has socket_mode and socket_owner.
	got := askAll(t, "unix", sock, "echo_0", "echo_1")
	for _, n := range []string{"echo_0", "echo_1"} {
		if want := n + " fd0=unix listening=1 nonblock=false"; got[n] != want {
			t.Errorf("%s answered %q, want %q", n, got[n], want)
		}
	}
	if s, want := socketStat(t, sock), "type=140000 mode=660 uid=65534 gid=0"; s != want {
		t.Errorf("%s: %s, want %s", sock, s, want)
	}
	// Without socket_owner, user= owns it, with that user's group.
	if s, want := socketStat(t, filepath.Join(r.dir, "asnobody.sock")), "type=140000 mode=700 uid=65534 gid=65534"; s != want {
		t.Errorf("asnobody.sock: %s, want %s", s, want)
	}
	// TCP: the host lower-cased (localhost is 127.0.0.1), the backlog as
	// set.
	if ans, want := ask(t, "tcp4", fmt.Sprint("127.0.0.1:", port), "who"), "tcp fd0=inet listening=1 nonblock=false"; ans != want {
		t.Errorf("tcp answered %q, want %q", ans, want)
	}
	if b := listenBacklog(t, port); b != 7 {
		t.Errorf("backlog of the tcp socket: %d, want 7", b)
	}
	// autostart=false: made at start (a bad socket would stop gosinit
	// there), then closed, its file removed.
	if s := socketStat(t, filepath.Join(r.dir, "later.sock")); s != "missing" {
		t.Errorf("later.sock (autostart=false): %s, want no file", s)
	}

	// A restart keeps the socket: the same file, and the other process
	// answers meanwhile.
	var before unix.Stat_t
	unix.Lstat(sock, &before)
	if ans := ask(t, "unix", sock, "exit 3"); ans != "bye" {
		t.Fatalf("exit 3: answered %q", ans)
	}
	r.waitStatus(t, 10*time.Second, "a restart", func(m map[string]proc.ProcessStatus) bool {
		return strings.Count(r.stderr.String(), "exited: echo_") == 1 && m["echo_0"].State == proc.Running && m["echo_1"].State == proc.Running
	})
	askAll(t, "unix", sock, "echo_0", "echo_1")
	var after unix.Stat_t
	unix.Lstat(sock, &after)
	if before.Ino != after.Ino || before.Ctim != after.Ctim {
		t.Errorf("the socket file was made again across a restart (inode %d -> %d)", before.Ino, after.Ino)
	}

	// tcp's one process exits twice within a second: the second restart
	// waits for minRespawn, and the socket stays open meanwhile, so a
	// connection made then waits in the backlog and the new process
	// answers it (supervisord closes the socket while no process runs:
	// that connection would be refused).
	tcpAddr := fmt.Sprint("127.0.0.1:", port)
	if ans := ask(t, "tcp4", tcpAddr, "exit 4"); ans != "bye" {
		t.Fatalf("exit 4: answered %q", ans)
	}
	r.waitStatus(t, 10*time.Second, "tcp restarted", func(m map[string]proc.ProcessStatus) bool {
		return strings.Contains(r.stderr.String(), "exited: tcp (exit status 4") && m["tcp"].State == proc.Running
	})
	if ans := ask(t, "tcp4", tcpAddr, "exit 4"); ans != "bye" {
		t.Fatalf("exit 4: answered %q", ans)
	}
	if ans, want := ask(t, "tcp4", tcpAddr, "who"), "tcp fd0=inet listening=1 nonblock=false"; ans != want {
		t.Errorf("during tcp's restart: answered %q, want %q", ans, want)
	}
	if n := strings.Count(r.stderr.String(), "exited: tcp (exit status 4"); n != 2 {
		t.Errorf("%d exits of tcp logged, want 2:\n%s", n, r.stderr.String())
	}

	if code := r.stop(t); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, r.stderr.String())
	}
	lines := r.logLines()
	for _, want := range []string{
		"INFO Creating socket unix://" + sock,
		"INFO Creating socket tcp://localhost:" + fmt.Sprint(port),
		"INFO Creating socket unix://" + filepath.Join(r.dir, "later.sock"),
		"INFO Closing socket unix://" + filepath.Join(r.dir, "later.sock"),
		"INFO Closing socket unix://" + sock,
		"INFO Closing socket tcp://localhost:" + fmt.Sprint(port),
	} {
		if n := strings.Count(strings.Join(lines, "\n")+"\n", want+"\n"); n != 1 {
			t.Errorf("%d lines %q, want 1; log:\n%s", n, want, strings.Join(lines, "\n"))
		}
	}
	if s := socketStat(t, sock); s != "missing" {
		t.Errorf("after exit, %s: %s, want it removed", sock, s)
	}
	if c, err := net.Dial("tcp4", fmt.Sprint("127.0.0.1:", port)); err == nil {
		c.Close()
		t.Errorf("after exit, the tcp port still accepts connections")
	}
}

// listenBacklog is the backlog of the TCP listener on port: ss shows it
// as a listener's Send-Q (from sock_diag; /proc/net/tcp does not have it).
func listenBacklog(t *testing.T, port int) int {
	t.Helper()
	out, err := exec.Command("ss", "-Hltn", fmt.Sprintf("sport = :%d", port)).Output()
	if err != nil {
		t.Fatalf("ss (iproute2): %v", err)
	}
	f := strings.Fields(string(out))
	if len(f) < 3 {
		t.Fatalf("ss: %q", out)
	}
	var n int
	fmt.Sscan(f[2], &n)
	return n
}

// TestFcgiSocketErrors: a socket that cannot be made stops gosinit before
// anything runs, with one line naming the section and the reason
// (supervisord exits 1 with a traceback ending in the same words).
func TestFcgiSocketErrors(t *testing.T) {
	port := freePort(t)
	l, err := net.Listen("tcp4", fmt.Sprint("127.0.0.1:", port))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, c := range []struct{ name, socket, want string }{
		{"port in use", fmt.Sprint("tcp://127.0.0.1:", port), fmt.Sprintf("[fcgi-program:x] socket: could not create FastCGI socket tcp://127.0.0.1:%d: [Errno 98] Address already in use", port)},
		{"not a socket", "unix://@DIR@/supervisord.conf", "[fcgi-program:x] socket: could not create FastCGI socket unix://@DIR@/supervisord.conf: @DIR@/supervisord.conf exists and is not a socket: gosinit does not remove it"},
		{"unknown host", "tcp://no-such-host.invalid:9000", `[fcgi-program:x] socket: could not create FastCGI socket tcp://no-such-host.invalid:9000: cannot resolve host "no-such-host.invalid" to an IPv4 address (gosinit reads /etc/hosts, not DNS: use an address)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := startConf(t, base+`
[program:first]
command=/bin/sleep 1000
priority=1

[fcgi-program:x]
command=/bin/sleep 1000
socket=`+c.socket+"\n")
			code := r.wait(t, 10*time.Second)
			want := "gosinit: " + strings.ReplaceAll(c.want, "@DIR@", r.dir)
			if code != 1 || !strings.Contains(r.stderr.String(), want+"\n") {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, r.stderr.String(), want)
			}
			if strings.Contains(r.stderr.String(), "spawned:") {
				t.Errorf("a program was started:\n%s", r.stderr.String())
			}
		})
	}
}

// TestFcgiMatchesSupervisord runs the same configuration under Debian's
// supervisord: the same answers on both sockets and the same socket file.
func TestFcgiMatchesSupervisord(t *testing.T) {
	needRoot(t)
	if _, err := os.Stat("/usr/bin/supervisord"); err != nil {
		t.Skip("Debian's supervisor package is not installed: no /usr/bin/supervisord to compare with")
	}
	observe := func(dir string, port int) string {
		got := askAll(t, "unix", filepath.Join(dir, "echo.sock"), "echo_0", "echo_1")
		return strings.Join([]string{got["echo_0"], got["echo_1"],
			ask(t, "tcp4", fmt.Sprint("127.0.0.1:", port), "who"),
			socketStat(t, filepath.Join(dir, "echo.sock")),
			socketStat(t, filepath.Join(dir, "asnobody.sock")),
			fmt.Sprint("backlog ", listenBacklog(t, port))}, "\n")
	}
	port := freePort(t)
	r := startConf(t, base+fcgiConf(port))
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "echo_0", "echo_1", "tcp"))
	ours := observe(r.dir, port)
	r.stop(t)

	port = freePort(t)
	var theirs string
	conf := base + fcgiConf(port)
	supervisordLog(t, conf, func(log string) bool {
		if !strings.Contains(log, "spawned: 'tcp'") {
			return false
		}
		dir := filepath.Dir(strings.TrimPrefix(regexp.MustCompile(`unix://\S+/echo.sock`).FindString(log), "unix://"))
		theirs = observe(dir, port)
		return true
	})
	if ours != theirs {
		t.Errorf("gosinit:\n%s\nsupervisord:\n%s", ours, theirs)
	}
}

// TestFcgiReload: SIGHUP with a changed socket= restarts the group on the
// new socket (the old one is closed and its file removed); an unchanged
// fcgi-program keeps its process and its socket.
func TestFcgiReload(t *testing.T) {
	echo := strings.Join(helperCmd("fcgiecho"), " ")
	conf := func(sock string) string {
		return base + `
[fcgi-program:keep]
command=` + echo + `
socket=unix://@DIR@/keep.sock
startsecs=0

[fcgi-program:move]
command=` + echo + `
socket=unix://@DIR@/` + sock + `
startsecs=0
`
	}
	r := startConf(t, conf("a.sock"))
	before := r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "move"))
	keep := filepath.Join(r.dir, "keep.sock")
	var keepBefore unix.Stat_t
	unix.Lstat(keep, &keepBefore)
	if ans := ask(t, "unix", filepath.Join(r.dir, "a.sock"), "who"); !strings.HasPrefix(ans, "move ") {
		t.Fatalf("a.sock: %q", ans)
	}
	r.rewrite(t, conf("b.sock"))
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	if st := r.waitGeneration(t, 1, 10*time.Second); st.Reload != "ok" || strings.Join(st.Changes, "|") != "move: stopped|move: updated process group" {
		t.Fatalf("reload %q %v, changes %q", st.Reload, st.ReloadErrors, st.Changes)
	}
	after := r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "move"))
	if ans := ask(t, "unix", filepath.Join(r.dir, "b.sock"), "who"); !strings.HasPrefix(ans, "move ") {
		t.Errorf("b.sock: %q", ans)
	}
	if s := socketStat(t, filepath.Join(r.dir, "a.sock")); s != "missing" {
		t.Errorf("a.sock after the reload: %s, want it removed", s)
	}
	var keepAfter unix.Stat_t
	unix.Lstat(keep, &keepAfter)
	if after["keep"].Pid != before["keep"].Pid || keepAfter.Ino != keepBefore.Ino || keepAfter.Ctim != keepBefore.Ctim {
		t.Errorf("keep was touched: pid %d -> %d, socket inode %d -> %d", before["keep"].Pid, after["keep"].Pid, keepBefore.Ino, keepAfter.Ino)
	}
	if ans := ask(t, "unix", keep, "who"); !strings.HasPrefix(ans, "keep ") {
		t.Errorf("keep.sock: %q", ans)
	}
	r.stop(t)
}

// TestFcgiReloadClosesWaitingSocket: an fcgi-program that crash-loops
// spends most of its time EXITED, waiting for its next start. A reload
// that removes it calls that start off; its socket must close then (file
// removed, "Closing socket" logged), not linger until gosinit exits.
func TestFcgiReloadClosesWaitingSocket(t *testing.T) {
	const flap = `
[fcgi-program:flap]
command=/bin/sh -c 'exit 1'
socket=unix://@DIR@/flap.sock
startsecs=0
autorestart=true
`
	r := startConf(t, reloadBase+flap)
	r.waitStatus(t, 10*time.Second, "flap EXITED", func(m map[string]proc.ProcessStatus) bool {
		return m["flap"].State == proc.Exited && m["keep"].State == proc.Running
	})
	sock := filepath.Join(r.dir, "flap.sock")
	if s := socketStat(t, sock); s == "missing" {
		t.Fatalf("flap.sock: %s before the reload", s)
	}
	r.rewrite(t, reloadBase)
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	if st := r.waitGeneration(t, 1, 10*time.Second); st.Reload != "ok" {
		t.Fatalf("reload: %q %v", st.Reload, st.ReloadErrors)
	}
	deadline := time.Now().Add(5 * time.Second)
	for socketStat(t, sock) != "missing" {
		if time.Now().After(deadline) {
			t.Fatalf("flap.sock still there 5 s after flap's removal (%s); log:\n%s", socketStat(t, sock), r.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(r.stderr.String(), "Closing socket unix://"+sock) {
		t.Errorf("no Closing socket line; log:\n%s", r.stderr.String())
	}
	r.stop(t)
}
