package main

// Supervision tests: gosinit -c FILE as PID 1 of a new PID namespace, with
// real programs, real signals, the real status file and log lines.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/proc"
)

// confRun is gosinit running a configuration in a temp dir.
type confRun struct {
	*initRun
	dir    string
	status string
}

// startConf writes conf (with @DIR@ replaced by the temp dir) and runs
// gosinit -c on it as PID 1, with extra args before --.
func startConf(t *testing.T, conf string, args ...string) *confRun {
	t.Helper()
	return startConfEnv(t, nil, conf, args...)
}

// startConfEnv is startConf with env added to gosinit's environment.
func startConfEnv(t *testing.T, env []string, conf string, args ...string) *confRun {
	t.Helper()
	needRoot(t)
	dir := t.TempDir()
	conf = strings.ReplaceAll(conf, "@DIR@", dir)
	args = slices.Clone(args)
	for i := range args {
		args[i] = strings.ReplaceAll(args[i], "@DIR@", dir)
	}
	path := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	status := filepath.Join(dir, "status.json")
	all := append([]string{"-c", path, "--status-file", status}, args...)
	return &confRun{initRun: startInit(t, true, env, all...), dir: dir, status: status}
}

// waitStatus waits until cond holds for the status file, or fails.
func (r *confRun) waitStatus(t *testing.T, d time.Duration, what string, cond func(map[string]proc.ProcessStatus) bool) map[string]proc.ProcessStatus {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		st, err := proc.ReadStatus(r.status)
		m := map[string]proc.ProcessStatus{}
		if err == nil {
			for _, p := range st.Processes {
				m[p.Name] = p
			}
			if cond(m) {
				return m
			}
		}
		if time.Now().After(deadline) || !r.alive() {
			t.Fatalf("waiting for %s: status %v (err %v); stderr:\n%s", what, m, err, r.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitReady waits until each named program has set its traps: the test
// programs append their name to @DIR@/ready once they have. startsecs=0
// makes a program RUNNING at its spawn, before its shell has run `trap`; a
// signal sent then meets the default action, and on a loaded machine that
// is not rare.
func (r *confRun) waitReady(t *testing.T, names ...string) {
	t.Helper()
	ready := waitFileLines(filepath.Join(r.dir, "ready"), len(names), 10*time.Second)
	for _, n := range names {
		if !slices.Contains(ready, n) {
			t.Fatalf("%s did not set its traps within 10 s (ready: %q)", n, ready)
		}
	}
}

func allIn(state proc.State, names ...string) func(map[string]proc.ProcessStatus) bool {
	return func(m map[string]proc.ProcessStatus) bool {
		for _, n := range names {
			if m[n].State != state {
				return false
			}
		}
		return true
	}
}

// logLines are gosinit's activity log lines without their time stamps.
func (r *confRun) logLines() []string {
	var out []string
	for _, l := range strings.Split(r.stderr.String(), "\n") {
		if len(l) > 24 && l[4] == '-' && l[19] == ',' {
			out = append(out, l[24:])
		}
	}
	return out
}

// wantLog checks that gosinit's log holds each of wants.
func (r *confRun) wantLog(t *testing.T, wants ...string) {
	t.Helper()
	lines := strings.Join(r.logLines(), "\n")
	for _, want := range wants {
		if !strings.Contains(lines, want) {
			t.Errorf("log lacks %q:\n%s", want, lines)
		}
	}
}

func (r *confRun) stop(t *testing.T) int {
	t.Helper()
	unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
	return r.wait(t, 30*time.Second)
}

func indexOf(lines []string, sub string) int {
	for i, l := range lines {
		if strings.Contains(l, sub) {
			return i
		}
	}
	return -1
}

const base = `[supervisord]
nodaemon=true
logfile=/dev/null
pidfile=@DIR@/sd.pid
childlogdir=@DIR@
`

func TestStartOrderAndStopLevels(t *testing.T) {
	// Four programs on two priority levels; each records the stop signal
	// and takes 300 ms to exit. The level 20 programs must be signalled
	// together, and level 10 only once both are gone.
	prog := func(name string, prio int) string {
		return fmt.Sprintf(`
[program:%s]
command=/bin/sh -c 'trap "echo %s TERM >> @DIR@/events; sleep 0.3; echo %s gone >> @DIR@/events; exit 0" TERM; echo %s >> @DIR@/ready; while :; do sleep 0.05; done'
priority=%d
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE
`, name, name, name, name, prio)
	}
	r := startConf(t, base+prog("a1", 20)+prog("b1", 10)+prog("a2", 20)+prog("b2", 10))
	r.waitStatus(t, 10*time.Second, "all RUNNING", allIn(proc.Running, "a1", "a2", "b1", "b2"))
	r.waitReady(t, "a1", "a2", "b1", "b2")
	lines := r.logLines()
	if b1, a1 := indexOf(lines, "spawned: 'b1'"), indexOf(lines, "spawned: 'a1'"); b1 < 0 || a1 < 0 || b1 > a1 {
		t.Fatalf("start order: want priority 10 before 20:\n%s", strings.Join(lines, "\n"))
	}
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0", code)
	}
	b, _ := os.ReadFile(filepath.Join(r.dir, "events"))
	ev := strings.Split(strings.TrimSpace(string(b)), "\n")
	pos := map[string]int{}
	for i, e := range ev {
		pos[e] = i
	}
	for _, n := range []string{"a1", "a2", "b1", "b2"} {
		if _, ok := pos[n+" TERM"]; !ok {
			t.Fatalf("%s never got SIGTERM: %q", n, ev)
		}
	}
	// Level 20 in parallel: both signalled before either is gone.
	if pos["a1 TERM"] > pos["a2 gone"] || pos["a2 TERM"] > pos["a1 gone"] {
		t.Errorf("level 20 not stopped together: %q", ev)
	}
	// Level 10 only after level 20 is gone.
	for _, b := range []string{"b1 TERM", "b2 TERM"} {
		if pos[b] < pos["a1 gone"] || pos[b] < pos["a2 gone"] {
			t.Errorf("%s before level 20 was gone: %q", b, ev)
		}
	}
}

func TestStopsignalAndKill(t *testing.T) {
	r := startConf(t, base+`
[program:usr1]
command=/bin/sh -c 'trap "echo USR1 >> @DIR@/sig; exit 0" USR1; echo usr1 >> @DIR@/ready; while :; do sleep 0.05; done'
stopsignal=usr1
startsecs=0

[program:stubborn]
command=/bin/sh -c 'trap "" TERM; echo stubborn >> @DIR@/ready; while :; do sleep 0.05; done'
stopwaitsecs=1
startsecs=0
`)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "usr1", "stubborn"))
	r.waitReady(t, "usr1", "stubborn")
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if b, _ := os.ReadFile(filepath.Join(r.dir, "sig")); string(b) != "USR1\n" {
		t.Errorf("stopsignal=usr1: program recorded %q", b)
	}
	r.wantLog(t,
		"INFO stopped: usr1 (exit status 0)",
		"WARN killing 'stubborn' (",
		"WARN stopped: stubborn (terminated by SIGKILL)",
		"WARN received SIGTERM indicating exit request",
	)
}

func TestStopasgroup(t *testing.T) {
	// A sh wrapper with a child: with stopasgroup the child dies with the
	// stop; without, it survives the stop of its program (as under
	// supervisord) and is swept at exit, after the later levels stopped.
	for _, asgroup := range []bool{true, false} {
		t.Run(fmt.Sprintf("stopasgroup=%v", asgroup), func(t *testing.T) {
			r := startConf(t, base+fmt.Sprintf(`
[program:wrapper]
command=/bin/sh -c '/bin/sh -c "trap \"echo child TERM >> @DIR@/ev; exit 0\" TERM; echo child >> @DIR@/ready; while :; do sleep 0.05; done" & wait'
stopasgroup=%v
priority=20
startsecs=0

[program:later]
command=/bin/sh -c 'trap "sleep 0.3; echo later stopped >> @DIR@/ev; exit 0" TERM; echo later >> @DIR@/ready; while :; do sleep 0.05; done'
priority=10
startsecs=0
`, asgroup), "--grace", "2s")
			r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "wrapper", "later"))
			r.waitReady(t, "child", "later")
			if code := r.stop(t); code != 0 {
				t.Fatalf("exit %d", code)
			}
			b, _ := os.ReadFile(filepath.Join(r.dir, "ev"))
			want := "child TERM\nlater stopped\n"
			if !asgroup {
				want = "later stopped\nchild TERM\n"
			}
			if string(b) != want {
				t.Errorf("events %q, want %q", b, want)
			}
		})
	}
}

func TestNumprocsEnvironmentDirectoryUser(t *testing.T) {
	if _, err := os.Stat("/usr/sbin/nologin"); err != nil {
		t.Log("no /usr/sbin/nologin; user check still runs")
	}
	r := startConf(t, base+`environment=GLOBAL="g v"

[program:w]
command=/bin/sh -c 'echo "%(process_num)d $GLOBAL $LOCAL $SUPERVISOR_ENABLED $SUPERVISOR_PROCESS_NAME $SUPERVISOR_GROUP_NAME"; exec sleep 1000'
process_name=%(program_name)s_%(process_num)02d
numprocs=3
numprocs_start=1
environment=LOCAL="l v"
stdout_logfile=@DIR@/%(program_name)s_%(process_num)d.log
stdout_logfile_maxbytes=0
startsecs=0

[program:who]
command=/bin/sh -c 'echo "$HOME $USER $LOGNAME"; pwd; umask; id -u; id -g; id -G; exec sleep 1000'
user=nobody
directory=/tmp
umask=027
stdout_logfile=@DIR@/who.log
startsecs=0
`)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "w_01", "w_02", "w_03", "who"))
	for n := 1; n <= 3; n++ {
		path := filepath.Join(r.dir, fmt.Sprintf("w_%d.log", n))
		want := fmt.Sprintf("%d g v l v 1 w_%02d w\n", n, n)
		got := waitFileContent(path, want, 5*time.Second)
		if got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	// uid, gid and the supplementary groups of nobody (only nogroup), not root's.
	want := "/nonexistent nobody nobody\n/tmp\n0027\n65534\n65534\n65534\n"
	if got := waitFileContent(filepath.Join(r.dir, "who.log"), want, 5*time.Second); got != want {
		t.Errorf("user=nobody: got %q, want %q", got, want)
	}
	r.stop(t)
}

func waitFileContent(path, want string, d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		b, _ := os.ReadFile(path)
		if string(b) == want || time.Now().After(deadline) {
			return string(b)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAutostartAutorestartExitcodes(t *testing.T) {
	r := startConf(t, base+`
[program:manual]
command=/bin/sleep 1000
autostart=false

[program:expected]
command=/bin/sh -c 'sleep 0.2; exit 2'
exitcodes=0,2
startsecs=0

[program:unexpected]
command=/bin/sh -c 'sleep 0.2; exit 3'
exitcodes=0,2
startsecs=0

[program:never]
command=/bin/sh -c 'sleep 0.2; exit 3'
autorestart=false
startsecs=0
`)
	m := r.waitStatus(t, 15*time.Second, "restarts", func(m map[string]proc.ProcessStatus) bool {
		return m["unexpected"].Restarts >= 2 && m["expected"].State == proc.Exited && m["never"].State == proc.Exited
	})
	if p := m["manual"]; p.State != proc.Stopped || p.Description != "Not started" {
		t.Errorf("autostart=false: %s %q", p.Statename, p.Description)
	}
	if p := m["expected"]; p.Restarts != 0 || p.Exitstatus != 2 {
		t.Errorf("expected exit: restarts %d exitstatus %d", p.Restarts, p.Exitstatus)
	}
	if p := m["never"]; p.Restarts != 0 {
		t.Errorf("autorestart=false restarted %d times", p.Restarts)
	}
	lines := strings.Join(r.logLines(), "\n")
	for _, want := range []string{
		"INFO exited: expected (exit status 2; expected)",
		"WARN exited: unexpected (exit status 3; not expected)",
		"WARN exited: never (exit status 3; not expected)",
	} {
		if !strings.Contains(lines, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	r.stop(t)
}

// logTimes returns the time stamps of log lines matching re.
func (r *confRun) logTimes(re *regexp.Regexp) []time.Time {
	var out []time.Time
	for _, l := range strings.Split(r.stderr.String(), "\n") {
		if len(l) > 24 && re.MatchString(l[24:]) {
			ts, err := time.ParseInLocation("2006-01-02 15:04:05,000", l[:23], time.Local)
			if err == nil {
				out = append(out, ts)
			}
		}
	}
	return out
}

func TestBackoffToFatal(t *testing.T) {
	r := startConf(t, base+`
[program:fail]
command=/bin/sh -c 'exit 1'
startretries=2
`)
	m := r.waitStatus(t, 20*time.Second, "FATAL", allIn(proc.Fatal, "fail"))
	if d := m["fail"].Description; d != "Exited too quickly (process log may have details)" {
		t.Errorf("description %q", d)
	}
	spawns := r.logTimes(regexp.MustCompile(`^INFO spawned: 'fail'`))
	if len(spawns) != 3 {
		t.Fatalf("%d spawns, want startretries+1 = 3", len(spawns))
	}
	// Waits of 1 s, then 2 s between attempts (lower bounds; log stamps
	// have millisecond resolution).
	for i, want := range []time.Duration{time.Second, 2 * time.Second} {
		if gap := spawns[i+1].Sub(spawns[i]); gap < want-10*time.Millisecond || gap > want+500*time.Millisecond {
			t.Errorf("gap %d = %v, want about %v", i, gap, want)
		}
	}
	if !strings.Contains(r.stderr.String(), "INFO gave up: fail entered FATAL state, too many start retries too quickly") {
		t.Error("no gave up line")
	}
	r.stop(t)
}

// Spawn errors carry supervisord's words and the errno's name, and take
// the program through BACKOFF to FATAL without touching the others.
func TestSpawnErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("\x00\x01 not a program\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := startConf(t, base+`
[program:nodir]
command=/bin/sleep 1000
directory=/nonexistent/dir
startretries=0

[program:noexec]
command=`+garbage+`
startretries=0

[program:notfound]
command=/nonexistent/bin
startretries=0

[program:ok]
command=/bin/sleep 1000
startsecs=0
`)
	m := r.waitStatus(t, 10*time.Second, "FATAL x3, ok RUNNING", func(m map[string]proc.ProcessStatus) bool {
		return allIn(proc.Fatal, "nodir", "noexec", "notfound")(m) && allIn(proc.Running, "ok")(m)
	})
	for name, want := range map[string]string{
		"nodir":    "couldn't chdir to /nonexistent/dir: ENOENT",
		"noexec":   "couldn't exec " + garbage + ": ENOEXEC",
		"notfound": "can't find command '/nonexistent/bin'",
	} {
		if got := m[name].Spawnerr; got != want {
			t.Errorf("%s: spawnerr %q, want %q", name, got, want)
		}
		if !strings.Contains(r.stderr.String(), "INFO spawnerr: "+want) {
			t.Errorf("%s: no %q line in the log", name, "INFO spawnerr: "+want)
		}
	}
	r.stop(t)
}

func TestStartsecsTimer(t *testing.T) {
	r := startConf(t, base+`
[program:slow]
command=/bin/sleep 1000
startsecs=2
`)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "slow"))
	spawned := r.logTimes(regexp.MustCompile(`^INFO spawned: 'slow'`))
	success := r.logTimes(regexp.MustCompile(`^INFO success: slow entered RUNNING state, process has stayed up for > than 2 seconds`))
	if len(spawned) != 1 || len(success) != 1 {
		t.Fatalf("spawned %v success %v", spawned, success)
	}
	// On a timer, not a one-second tick: RUNNING 2 s after the spawn.
	if d := success[0].Sub(spawned[0]); d < 2*time.Second-5*time.Millisecond || d > 2*time.Second+500*time.Millisecond {
		t.Errorf("RUNNING after %v, want 2s", d)
	}
	r.stop(t)
}

func TestEssential(t *testing.T) {
	tests := []struct {
		name    string
		command string
		want    int
	}{
		{"exit7", `/bin/sh -c 'sleep 0.2; exit 7'`, 7},
		{"signal", `/bin/sh -c 'sleep 0.2; kill -USR1 $$'`, 128 + int(unix.SIGUSR1)},
		{"missing", `/nonexistent/command`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startConf(t, base+fmt.Sprintf(`
[program:app]
command=%s
essential=true
autorestart=false
startsecs=0
startretries=0

[program:other]
command=/bin/sleep 1000
priority=1
startsecs=0
`, tt.command))
			if got := r.wait(t, 20*time.Second); got != tt.want {
				t.Fatalf("exit %d, want %d; log:\n%s", got, tt.want, r.stderr.String())
			}
			if !strings.Contains(r.stderr.String(), "stopped: other (terminated by SIGTERM)") {
				t.Errorf("other program not stopped:\n%s", r.stderr.String())
			}
		})
	}
}

func TestMainCommandMode(t *testing.T) {
	conf := base + `
[program:bg]
command=/bin/sh -c 'trap "echo bg TERM >> @DIR@/ev; exit 0" TERM USR1; echo bg >> @DIR@/ready; while :; do sleep 0.05; done'
startsecs=0
`
	t.Run("exit status", func(t *testing.T) {
		// The main command exits once bg has set its trap.
		r := startConf(t, conf, "--", "/bin/sh", "-c", "until [ -s @DIR@/ready ]; do sleep 0.01; done; exit 5")
		if got := r.wait(t, 20*time.Second); got != 5 {
			t.Fatalf("exit %d, want the main command's 5", got)
		}
		if b, _ := os.ReadFile(filepath.Join(r.dir, "ev")); string(b) != "bg TERM\n" {
			t.Errorf("program was not stopped after the main command: %q", b)
		}
		// bg is RUNNING at once (startsecs=0), so checkReady could start
		// the main command inside the start, before begin did again.
		if n := strings.Count(r.stderr.String(), "spawned main program"); n != 1 {
			t.Errorf("main command spawned %d times, want once; log:\n%s", n, r.stderr.String())
		}
	})
	t.Run("signals go to the main command", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "sigs")
		r := startConf(t, conf, append([]string{"--wait", "--"}, helperCmd("ignoreterm", file, "6")...)...)
		waitFileLines(file, 1, 10*time.Second)
		r.waitStatus(t, 5*time.Second, "bg RUNNING", allIn(proc.Running, "bg"))
		r.waitReady(t, "bg")
		unix.Kill(r.cmd.Process.Pid, unix.SIGTERM) // to the main command, which ignores it
		if l := waitFileLines(file, 2, 10*time.Second); len(l) < 2 {
			t.Fatalf("main command did not get SIGTERM: %q", l)
		}
		unix.Kill(r.cmd.Process.Pid, unix.SIGUSR1) // forwarded: the main command exits 6
		if got := r.wait(t, 20*time.Second); got != 6 {
			t.Fatalf("exit %d, want 6", got)
		}
		if b, _ := os.ReadFile(filepath.Join(r.dir, "ev")); string(b) != "bg TERM\n" {
			t.Errorf("program got %q, want only the stop SIGTERM (USR1 is the main command's)", b)
		}
	})
}

func TestExitRace200(t *testing.T) {
	// 200 processes block opening a FIFO, and all exit at the same moment
	// with their own status: every status must be attributed right.
	r := startConf(t, base+`
[program:p]
command=/bin/sh -c 'read x < @DIR@/fifo; exit %(process_num)d'
process_name=p_%(process_num)03d
numprocs=200
startsecs=0
autorestart=false
stdout_logfile=NONE
stderr_logfile=NONE
`)
	if err := unix.Mkfifo(filepath.Join(r.dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := 0; i < 200; i++ {
		names = append(names, fmt.Sprintf("p_%03d", i))
	}
	// RUNNING at once (startsecs=0) is not yet blocked on the FIFO: hold
	// it open for reading and writing (which never blocks) until every
	// shell has it open as its stdin, then close it: all read EOF at once.
	fifo := filepath.Join(r.dir, "fifo")
	hold, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	r.waitStatus(t, 20*time.Second, "all RUNNING", allIn(proc.Running, names...))
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		n := 0
		for _, k := range childrenOf(r.cmd.Process.Pid) {
			if l, _ := os.Readlink("/proc/" + k + "/fd/0"); l == fifo {
				n++
			}
		}
		if n == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 200 shells read the FIFO after 20 s", n)
		}
	}
	hold.Close()
	m := r.waitStatus(t, 20*time.Second, "all EXITED", allIn(proc.Exited, names...))
	for i, n := range names {
		if m[n].Exitstatus != i {
			t.Errorf("%s exit status %d, want %d", n, m[n].Exitstatus, i)
		}
	}
	// The log may trail the status file: a line that finds stderr's pipe
	// full waits in gosinit's queue (proc/stdlog.go).
	missing := slices.Clone(names)
	for deadline := time.Now().Add(10 * time.Second); len(missing) > 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		lines := strings.Join(r.logLines(), "\n")
		missing = slices.DeleteFunc(missing, func(n string) bool {
			i, _ := strconv.Atoi(n[2:])
			return strings.Contains(lines, fmt.Sprintf("exited: %s (exit status %d; ", n, i))
		})
	}
	for _, n := range missing {
		i, _ := strconv.Atoi(n[2:])
		t.Errorf("log lacks %q", fmt.Sprintf("exited: %s (exit status %d; ", n, i))
	}
	r.stop(t)
}

func TestNoFdGrowthOverRestarts(t *testing.T) {
	// 20 processes that exit once a second: 100 restarts in about 5 s.
	r := startConf(t, base+`
[program:churn]
command=/bin/sh -c 'echo out; echo err >&2; exit 1'
process_name=c%(process_num)d
numprocs=20
startsecs=0
autorestart=true
stdout_logfile=@DIR@/churn.log
stderr_logfile=@DIR@/churn.err
`)
	// The fewest over a second: each program alive at the moment holds
	// two pipes open in gosinit, and under load more of them overlap;
	// a leak stays.
	countFds := func() int {
		least := 1 << 30
		for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
			ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", r.cmd.Process.Pid))
			least = min(least, len(ents))
		}
		return least
	}
	r.waitStatus(t, 10*time.Second, "first restarts", func(m map[string]proc.ProcessStatus) bool {
		return m["c0"].Restarts >= 1
	})
	before := countFds()
	r.waitStatus(t, 30*time.Second, "100 restarts", func(m map[string]proc.ProcessStatus) bool {
		n := 0
		for _, p := range m {
			n += p.Restarts
		}
		return n >= 120
	})
	if after := countFds(); after > before+4 {
		t.Errorf("fds grew from %d to %d over 100 restarts", before, after)
	}
	r.stop(t)
}

// TestLogLinesMatchSupervisord compares the sequence of log lines per
// program with the real supervisord's on the same configuration (Debian's
// supervisor package; skipped when absent). Times and pids aside.
func TestLogLinesMatchSupervisord(t *testing.T) {
	if _, err := os.Stat("/usr/bin/supervisord"); err != nil {
		t.Skip("Debian's supervisor package is not installed: no /usr/bin/supervisord")
	}
	conf := base + `
[program:fail]
command=/bin/sh -c "exit 3"
priority=10
startsecs=5

[program:quick0]
command=/bin/true
priority=20
startsecs=5

[program:ok]
command=/bin/sleep 1000
priority=30

[program:missing]
command=/nonexistent/bin
`
	r := startConf(t, conf)
	r.waitStatus(t, 30*time.Second, "settled", func(m map[string]proc.ProcessStatus) bool {
		return m["fail"].State == proc.Fatal && m["quick0"].State == proc.Fatal && m["missing"].State == proc.Fatal && m["ok"].State == proc.Running
	})
	r.stop(t)
	ours := normalizeLog(r.logLines())

	// The same under supervisord, as PID 1 of its own namespace too.
	log := supervisordLog(t, conf, func(log string) bool { return strings.Count(log, "gave up:") == 3 })
	var theirs []string
	for _, l := range strings.Split(log, "\n") {
		if len(l) > 24 {
			theirs = append(theirs, l[24:])
		}
	}
	want := normalizeLog(theirs)
	for prog, w := range want {
		if g := ours[prog]; strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s:\ngosinit:\n  %s\nsupervisord:\n  %s", prog, strings.Join(g, "\n  "), strings.Join(w, "\n  "))
		}
	}
}

var pidRe = regexp.MustCompile(`pid \d+|\(\d+\)`)

// normalizeLog groups catalogue lines by program name, pids removed.
func normalizeLog(lines []string) map[string][]string {
	out := map[string][]string{}
	progRe := regexp.MustCompile(`^(?:INFO|WARN) (spawned: '(\w+)'|success: (\w+) |exited: (\w+) |gave up: (\w+) |stopped: (\w+) |spawnerr: can't find command '/nonexistent/bin')`)
	for _, l := range lines {
		m := progRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		name := ""
		for _, g := range m[2:] {
			if g != "" {
				name = g
			}
		}
		if name == "" {
			name = "missing"
		}
		out[name] = append(out[name], pidRe.ReplaceAllString(l, "N"))
	}
	for k := range out {
		sort.SliceStable(out[k], func(i, j int) bool { return false })
	}
	return out
}

// TestSameNamedGroupsRunFirstOnly: two sections that make a group of the
// same name ([program:dup] and [group:dup] here). supervisord adds groups
// in start order and skips a name it has: only the first runs. gosinit
// does the same, and warns; Debian's supervisord is the reference.
func TestSameNamedGroupsRunFirstOnly(t *testing.T) {
	const conf = `
[program:dup]
command=/bin/sleep 1000
priority=10
startsecs=0

[program:other]
command=/bin/sleep 1001
startsecs=0

[group:dup]
programs=other

[program:last]
command=/bin/sleep 1002
priority=2000
startsecs=0
`
	r := startConf(t, base+conf)
	// Every group spawns before the last level's: when last runs, other
	// would have been spawned if it were going to be.
	r.waitStatus(t, 10*time.Second, "dup and last RUNNING", func(m map[string]proc.ProcessStatus) bool {
		return m["dup"].State == proc.Running && m["last"].State == proc.Running
	})
	st, err := proc.ReadStatus(r.status)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range st.Processes {
		names = append(names, p.Group+":"+p.Name)
	}
	if strings.Join(names, " ") != "dup:dup last:last" {
		t.Errorf("status lists %v, want [dup:dup last:last]", names)
	}
	r.stop(t)
	if strings.Contains(r.stderr.String(), "spawned: 'other'") {
		t.Errorf("gosinit ran the second group named dup:\n%s", r.stderr.String())
	}
	if !strings.Contains(r.stderr.String(), `another section also makes a group named "dup" ([program:dup] comes first): only that one runs, as in supervisord`) {
		t.Errorf("no warning about the second group named dup:\n%s", r.stderr.String())
	}

	if _, err := os.Stat("/usr/bin/supervisord"); err != nil {
		t.Log("Debian's supervisor package is not installed: no /usr/bin/supervisord to compare with")
		return
	}
	log := supervisordLog(t, base+conf, func(log string) bool { return strings.Contains(log, "spawned: 'last'") })
	if !strings.Contains(log, "spawned: 'dup'") || strings.Contains(log, "spawned: 'other'") {
		t.Errorf("supervisord, the reference, did not run dup alone:\n%s", log)
	}
}

// supervisordLog runs Debian's supervisord on conf (base's logfile=/dev/null
// pointed at a file, @DIR@ replaced), as PID 1 of its own namespace, until
// done holds for its log or 30 s pass; then stops it and returns the log.
func supervisordLog(t *testing.T, conf string, done func(log string) bool) string {
	t.Helper()
	dir := t.TempDir()
	sconf := strings.ReplaceAll(strings.Replace(conf, "logfile=/dev/null", "logfile="+dir+"/sd.log", 1), "@DIR@", dir)
	os.WriteFile(filepath.Join(dir, "s.conf"), []byte(sconf), 0o644)
	sd := startInitCmd(t, "/usr/bin/supervisord", "-n", "-c", filepath.Join(dir, "s.conf"))
	read := func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "sd.log"))
		return string(b)
	}
	// supervisord starting a dozen programs took 13 s on two CPUs shared
	// with 60 busy processes; the deadline is only reached on a failure.
	deadline := time.Now().Add(90 * time.Second)
	for !done(read()) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	unix.Kill(sd.cmd.Process.Pid, unix.SIGTERM)
	sd.wait(t, 30*time.Second)
	return read()
}

// startInitCmd runs any init (a peer) as PID 1 of a new namespace.
func startInitCmd(t *testing.T, path string, args ...string) *initRun {
	t.Helper()
	return launch(t, path, "", true, nil, args...)
}

var _ = strconv.Itoa

func TestCrashLoopRespawnedAtMostOnceASecond(t *testing.T) {
	r := startConf(t, base+`
[program:crash]
command=/bin/sh -c 'exit 1'
startsecs=0
autorestart=true
`)
	r.waitStatus(t, 20*time.Second, "5 restarts", func(m map[string]proc.ProcessStatus) bool { return m["crash"].Restarts >= 5 })
	r.stop(t)
	spawns := r.logTimes(regexp.MustCompile(`^INFO spawned: 'crash'`))
	for i := 1; i < len(spawns); i++ {
		// log stamps are cut to the millisecond
		if gap := spawns[i].Sub(spawns[i-1]); gap < time.Second-time.Millisecond {
			t.Errorf("respawn %d came %v after the previous one: under a second", i, gap)
		}
	}
}

// TestSecondSignalKillsAtOnce: a second SIGINT (Ctrl-C again, at a
// terminal) during the
// stop kills everything at once: the program in its stopwaitsecs, and the
// leftovers after it (a child of it that ignores SIGTERM), with no
// --grace wait. A second SIGTERM before it (a second docker stop) changes
// nothing, as in supervisord.
func TestSecondSignalKillsAtOnce(t *testing.T) {
	master, slave := openPty(t)
	go io.Copy(io.Discard, master)
	launchTTY = slave // Ctrl-C counts at a terminal only
	r := startConf(t, base+`
[program:stubborn]
command=/bin/sh -c 'trap "" TERM; (trap "" TERM; exec sleep 1000) & echo stubborn >> @DIR@/ready; while :; do sleep 0.05; done'
stopwaitsecs=60
startsecs=0
`, "--grace", "60s")
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "stubborn"))
	r.waitReady(t, "stubborn")
	unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
	r.waitStatus(t, 5*time.Second, "STOPPING", allIn(proc.Stopping, "stubborn"))
	unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
	for deadline := time.Now().Add(5 * time.Second); strings.Count(r.stderr.String(), "received SIGTERM indicating exit request") < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the second SIGTERM was not logged; stderr:\n%s", r.stderr.String())
		}
	}
	if st := r.waitStatus(t, time.Second, "still STOPPING", allIn(proc.Stopping, "stubborn")); st["stubborn"].State != proc.Stopping {
		t.Fatal("a second SIGTERM changed the stop")
	}
	unix.Kill(r.cmd.Process.Pid, unix.SIGINT) // then Ctrl-C: no 60 s wait, twice
	if code := r.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	r.wantLog(t, "received SIGINT during shutdown: killing everything now", "stopped: stubborn (terminated by SIGKILL)")
}

// TestUnwritableLogFileKeepsProgramRunning: a log file that cannot be
// opened costs the program its output (one warning), not its run.
func TestUnwritableLogFileKeepsProgramRunning(t *testing.T) {
	// The log "file" is the configuration's own directory: it exists, and
	// cannot be opened for writing.
	r := startConf(t, base+`
[program:app]
command=/bin/sh -c 'while :; do echo line; sleep 0.05; done'
stdout_logfile=@DIR@
startsecs=0
`)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "app"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(r.stderr.String(), "dropping output") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	m := r.waitStatus(t, time.Second, "still RUNNING", allIn(proc.Running, "app"))
	if m["app"].Restarts != 0 {
		t.Errorf("restarted %d times", m["app"].Restarts)
	}
	if n := strings.Count(r.stderr.String(), "dropping output"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, r.stderr.String())
	}
	r.stop(t)
}

// TestSupervisordFlags: supervisord's command line works as it is, so
// `supervisord -n -c FILE` becomes `gosinit -n -c FILE`. The flags beat
// the file (logfile=/dev/null here); -e takes a level as supervisord's
// --loglevel does; -s keeps the log off stderr.
func TestSupervisordFlags(t *testing.T) {
	t.Run("config", func(t *testing.T) {
		r := startConf(t, base+`
[program:quiet]
command=/bin/sleep 1000
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE
`, "-n", "-s", "-l", "@DIR@/cli.log", "-e", "debug")
		r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "quiet"))
		if got := r.stop(t); got != 0 {
			t.Fatalf("exit %d after SIGTERM, want 0", got)
		}
		b, err := os.ReadFile(filepath.Join(r.dir, "cli.log"))
		if err != nil {
			t.Fatalf("-l: %v", err)
		}
		if !strings.Contains(string(b), " DEBG killing quiet") {
			t.Errorf("-e debug: no debug line in the log:\n%s", b)
		}
		if s := r.stderr.String(); s != "" {
			t.Errorf("-s: the log was echoed to stderr:\n%s", s)
		}
	})
	t.Run("bad value", func(t *testing.T) {
		dir := t.TempDir()
		conf := filepath.Join(dir, "supervisord.conf")
		if err := os.WriteFile(conf, []byte("[supervisord]\n\n[program:a]\ncommand=/bin/true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(gosinitBin, "-n", "-y", "lots", "-c", conf).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("exit %v, want 2; output %s", err, out)
		}
		if want := "command line (-y): [supervisord] logfile_maxbytes:"; !strings.Contains(string(out), want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	})
	t.Run("without a config", func(t *testing.T) {
		out, err := exec.Command(gosinitBin, "-n", "-l", "/tmp/never.log", "--", "/bin/true").CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if want := "gosinit: -l: ignored"; !strings.Contains(string(out), want) || strings.Contains(string(out), "-n") {
			t.Errorf("output %q: want %q, and nothing about -n", out, want)
		}
	})
	t.Run("version", func(t *testing.T) {
		for _, flag := range []string{"-v", "--version"} {
			out, err := exec.Command(gosinitBin, flag).Output()
			if err != nil || !strings.HasPrefix(string(out), "gosinit ") {
				t.Errorf("%s: %q %v", flag, out, err)
			}
		}
	})
}

// TestSupervisordUser: [supervisord] user= makes gosinit itself that user
// before it starts anything, as supervisord drops its privileges: every
// program runs as the user, one with user=root fails to spawn, and the
// status file still works at the path gosinit created for it.
func TestSupervisordUser(t *testing.T) {
	needRoot(t)
	dir := nobodyDir(t)
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(out, 0o777); err != nil { // whatever the umask
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "supervisord.conf")
	text := strings.ReplaceAll(`[supervisord]
user=nobody
logfile=/dev/null

[program:who]
command=/bin/sh -c 'echo "$(id -u) $(id -g) $(id -G)" > @OUT@/ids; sleep 1000'
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE

[program:asroot]
command=/bin/true
user=root
startretries=0
stdout_logfile=NONE
stderr_logfile=NONE
`, "@OUT@", out)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	status := filepath.Join(dir, "run", "status.json") // gosinit makes run/ and gives it to nobody
	r := &confRun{initRun: startInit(t, true, nil, "-c", conf, "--status-file", status), dir: dir, status: status}
	st := r.waitStatus(t, 10*time.Second, "who RUNNING, asroot FATAL", func(m map[string]proc.ProcessStatus) bool {
		return m["who"].State == proc.Running && m["asroot"].State == proc.Fatal
	})
	if d := st["asroot"].Description; !strings.Contains(d, "Can't drop privilege as nonroot user") {
		t.Errorf("asroot: description %q, want the spawn error", d)
	}
	ids := waitFileLines(filepath.Join(out, "ids"), 1, 10*time.Second)
	if len(ids) != 1 || ids[0] != "65534 65534 65534" {
		t.Errorf("program ids %q, want nobody's: 65534 65534 65534", ids)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", r.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Uid:\t65534\t65534\t65534\t65534\n", "Gid:\t65534\t65534\t65534\t65534\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("gosinit's /proc status lacks %q:\n%s", want, b)
		}
	}
	if got := r.stop(t); got != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0; stderr %s", got, r.stderr.String())
	}

	// Started as another user, gosinit cannot become root: it refuses to
	// start, as supervisord does, naming the line.
	t.Run("not root", func(t *testing.T) {
		bin := copyExecutable(t, gosinitBin, filepath.Join(dir, "gosinit"))
		rootConf := filepath.Join(dir, "root.conf")
		if err := os.WriteFile(rootConf, []byte("[supervisord]\nlogfile=/dev/null\nuser=root\n\n[program:a]\ncommand=/bin/true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-c", rootConf, "--status-file", filepath.Join(out, "st.json"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var got lockedBuffer
		cmd.Stdout, cmd.Stderr = &got, &got
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			unix.Kill(cmd.Process.Pid, unix.SIGKILL)
			<-done
			t.Fatalf("gosinit ran as nobody with user=root; output %s", got.String())
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("exit %v, want 2; output %s", err, got.String())
		}
		if want := "root.conf:3: [supervisord] user: Can't drop privilege as nonroot user"; !strings.Contains(got.String(), want) {
			t.Errorf("output %q lacks %q", got.String(), want)
		}
	})
}

// pidfile= is written with the pid (1, in the container's namespace) and a
// newline once gosinit runs, as supervisord writes it, and removed when it
// exits; one it cannot write is a CRIT line, and everything runs on.
func TestPidfile(t *testing.T) {
	r := startConf(t, base+`
[program:p]
command=/bin/sleep 1000
startsecs=0
`)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "p"))
	pidfile := filepath.Join(r.dir, "sd.pid")
	b, err := os.ReadFile(pidfile)
	if err != nil || string(b) != "1\n" {
		t.Errorf("pidfile holds %q (%v), want \"1\\n\"", b, err)
	}
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d", code)
	}
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Errorf("pidfile still there after exit (%v)", err)
	}

	r = startConf(t, strings.Replace(base, "pidfile=@DIR@/sd.pid", "pidfile=@DIR@/missing/sd.pid", 1)+`
[program:p]
command=/bin/sleep 1000
startsecs=0
`)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "p"))
	if !strings.Contains(r.stderr.String(), "CRIT could not write pidfile "+r.dir+"/missing/sd.pid") {
		t.Errorf("no CRIT line for the pidfile; stderr:\n%s", r.stderr.String())
	}
	r.stop(t)
}

// TestPidfileInPlace: a gosinit that may not write its pidfile's directory
// (an image run as another user) writes a file made for it there in
// place, as supervisord would, but only a regular file of its own user
// with one name. A FIFO in its place would have blocked the open, and
// with it the loop; root's file, or a hard link, is not written.
func TestPidfileInPlace(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run gosinit as another user")
	}
	dir := nobodyDir(t) // root's: nobody may not write it
	bin := copyExecutable(t, gosinitBin, filepath.Join(dir, "gosinit"))
	own := filepath.Join(dir, "own")
	if err := os.Mkdir(own, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chown(own, 65534, 65534)
	pidfile := filepath.Join(dir, "sd.pid")
	conf := filepath.Join(dir, "sd.conf")
	text := "[supervisord]\nlogfile=/dev/null\npidfile=" + pidfile + "\n\n[program:p]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	nobodys := func(t *testing.T) {
		if err := os.WriteFile(pidfile, []byte("stale stale\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chown(pidfile, 65534, 65534)
	}
	for _, tt := range []struct {
		name  string
		make  func(t *testing.T)
		wrote bool // else: a CRIT line, and the file as it was
	}{
		{"nobody's file", nobodys, true},
		{"a FIFO", func(t *testing.T) {
			if err := unix.Mkfifo(pidfile, 0o666); err != nil {
				t.Fatal(err)
			}
			os.Chown(pidfile, 65534, 65534)
		}, false},
		{"root's file that nobody may write", func(t *testing.T) {
			os.WriteFile(pidfile, []byte("stale stale\n"), 0o666)
			os.Chmod(pidfile, 0o666)
		}, false},
		{"a hard link to nobody's file", func(t *testing.T) {
			nobodys(t)
			if err := os.Link(pidfile, filepath.Join(own, "elsewhere")); err != nil {
				t.Fatal(err)
			}
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(pidfile)
			os.Remove(filepath.Join(own, "elsewhere"))
			tt.make(t)
			stFile := filepath.Join(own, "st.json")
			os.Remove(stFile)
			cmd := exec.Command(bin, "-c", conf, "--status-file", stFile)
			var got lockedBuffer
			cmd.Stdout, cmd.Stderr = &got, &got
			startAsNobody(t, cmd)
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				st, err := proc.ReadStatus(stFile)
				if err == nil && len(st.Processes) == 1 && st.Processes[0].State == proc.Running {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("p never RUNNING (the loop blocked?); output:\n%s", got.String())
				}
			}
			var fi unix.Stat_t
			unix.Lstat(pidfile, &fi)
			var b []byte // a FIFO's open would block: not read
			if fi.Mode&unix.S_IFMT != unix.S_IFIFO {
				b, _ = os.ReadFile(pidfile)
			}
			crit := strings.Contains(got.String(), "CRIT could not write pidfile "+pidfile+": ")
			if tt.wrote && (string(b) != strconv.Itoa(cmd.Process.Pid)+"\n" || crit) {
				t.Errorf("pidfile holds %q, want gosinit's pid %d; output:\n%s", b, cmd.Process.Pid, got.String())
			}
			if !tt.wrote && (!crit || b != nil && string(b) != "stale stale\n") {
				t.Errorf("pidfile holds %q, want it as it was, and a CRIT line; output:\n%s", b, got.String())
			}
		})
	}
}

// TestEssentialEndsBesideMainProgram: an essential program gives up while
// the main program runs. The main program gets SIGTERM first; once it has
// exited, the other programs are stopped and gosinit exits with the
// essential program's status.
func TestEssentialEndsBesideMainProgram(t *testing.T) {
	r := startConf(t, base+`
[program:ess]
command=/bin/sh -c 'sleep 0.3; exit 7'
essential=true
startsecs=0
autorestart=false

[program:other]
command=/bin/sleep 1000
startsecs=0
`, "--", "/bin/sleep", "1000")
	if code := r.wait(t, 15*time.Second); code != 7 {
		t.Errorf("exit %d, want 7 (ess's)", code)
	}
	r.wantLog(t, "main program exited (terminated by SIGTERM)", "stopped: other (terminated by SIGTERM)")
}

// TestEssentialEndsStubbornMainProgram: a main program that ignores the
// SIGTERM an essential program's end sends it is SIGKILLed after --grace:
// nothing outside bounds that shutdown, and the container must end.
func TestEssentialEndsStubbornMainProgram(t *testing.T) {
	r := startConf(t, base+`
[program:ess]
command=/bin/sh -c 'sleep 0.3; exit 7'
essential=true
startsecs=0
autorestart=false

[program:other]
command=/bin/sleep 1000
startsecs=0
`, "--grace", "1s", "--", "/bin/sh", "-c", `trap "" TERM; while :; do sleep 0.1; done`)
	if code := r.wait(t, 15*time.Second); code != 7 {
		t.Errorf("exit %d, want 7 (ess's)", code)
	}
	r.wantLog(t, "main program still running 1s after SIGTERM: SIGKILL", "main program exited (terminated by SIGKILL)", "stopped: other (terminated by SIGTERM)")
}

// TestEssentialFailsBeforeMainProgram: an essential program that cannot
// start ends gosinit during the start; the main program, which would start
// after the programs, never does, and the others are stopped.
func TestEssentialFailsBeforeMainProgram(t *testing.T) {
	r := startConf(t, base+`
[program:ess]
command=/nonexistent/bin
essential=true
startretries=0
priority=5

[program:other]
command=/bin/sleep 1000
startsecs=0
priority=2
`, "--", "/bin/sleep", "1000")
	if code := r.wait(t, 15*time.Second); code != 1 {
		t.Errorf("exit %d, want 1 (ess's spawn error)", code)
	}
	lines := strings.Join(r.logLines(), "\n")
	if strings.Contains(lines, "main program") || !strings.Contains(lines, "stopped: other (terminated by SIGTERM)") {
		t.Errorf("want other stopped and no main program started:\n%s", lines)
	}
}

// TestSpawnPathsAsSupervisord: how a command and its directory are found,
// as Debian's supervisord 4.2.5 does it (a review ran the same cases):
//   - a relative command is checked from gosinit's directory but run from
//     directory= (both hold a ./rel here; the one in directory= runs);
//   - directory= naming a file is "couldn't chdir", not an exec error;
//   - environment=PATH="" searches the working directory only: no /bin.
func TestSpawnPathsAsSupervisord(t *testing.T) {
	cwd, d := t.TempDir(), t.TempDir()
	out := filepath.Join(d, "ran")
	for dir, who := range map[string]string{cwd: "cwd", d: "directory"} {
		script := "#!/bin/sh\necho " + who + " >> " + out + "\nexec sleep 1000\n"
		if err := os.WriteFile(filepath.Join(dir, "rel"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	afile := filepath.Join(d, "afile")
	os.WriteFile(afile, nil, 0o644)
	conf := filepath.Join(d, "supervisord.conf")
	os.WriteFile(conf, []byte(`[supervisord]
logfile=/dev/null

[program:rel]
command=./rel
directory=`+d+`
startsecs=0

[program:notdir]
command=/bin/true
directory=`+afile+`
startretries=0

[program:emptypath]
command=true
environment=PATH=""
startretries=0
`), 0o644)
	r := launch(t, gosinitBin, cwd, true, nil, "-c", conf, "--status-file", filepath.Join(d, "st.json"))
	defer func() {
		unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
		r.wait(t, 10*time.Second)
	}()
	want := []string{
		"couldn't chdir to " + afile + ": ENOTDIR",
		"spawnerr: can't find command 'true'",
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(out)
		log := r.stderr.String()
		if string(b) == "directory\n" && strings.Contains(log, want[0]) && strings.Contains(log, want[1]) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ran %q (want the ./rel of directory=); log, want %q:\n%s", b, want, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMainProgramWithoutPATH: with PATH unset, COMMAND is searched in
// /bin:/usr/bin, as execvp (and so tini and dumb-init) does.
func TestMainProgramWithoutPATH(t *testing.T) {
	needRoot(t)
	cmd := exec.Command(gosinitBin, "--", "true")
	cmd.Env = []string{}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gosinit -- true without PATH: %v\n%s", err, out)
	}
}

// TestMinfdsReachesPrograms: started with a soft open-files limit of 1024
// under a hard one of 20000, and minfds=8192, a program gets 8192, as
// under supervisord (the Go runtime raises gosinit's own limit and would
// give children the 1024 back).
func TestMinfdsReachesPrograms(t *testing.T) {
	d := t.TempDir()
	conf := filepath.Join(d, "supervisord.conf")
	os.WriteFile(conf, []byte(`[supervisord]
logfile=/dev/null
minfds=8192

[program:p]
command=/bin/sh -c 'ulimit -Sn > `+d+`/nofile; exec sleep 1000'
startsecs=0
`), 0o644)
	r := launch(t, "/bin/sh", d, true, nil, "-c", `ulimit -Hn 20000 && ulimit -Sn 1024 && exec "$0" -c "$1" --status-file "$2"`,
		gosinitBin, conf, filepath.Join(d, "st.json"))
	defer func() {
		unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
		r.wait(t, 10*time.Second)
	}()
	var got string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, _ := os.ReadFile(filepath.Join(d, "nofile")); len(b) > 0 {
			got = strings.TrimSpace(string(b))
			break
		}
	}
	if got != "8192" {
		t.Errorf("the program's soft open-files limit is %q, want 8192 (minfds); gosinit's stderr:\n%s", got, r.stderr.String())
	}
}

// TestDaemonizingProgramWarned: a program that forks into the background
// and exits fails its start (startsecs on a timer), and the log says why,
// with what to do.
func TestDaemonizingProgramWarned(t *testing.T) {
	r := startConf(t, base+`
[program:daemon]
command=/bin/sh -c '/bin/sleep 1000 & exit 0'
startsecs=1
startretries=0
`)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(r.stderr.String(), "gave up: daemon ") {
		if time.Now().After(deadline) || !r.alive() {
			t.Fatalf("daemon never gave up; stderr:\n%s", r.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.wantLog(t, "WARN daemon: exited, but a process it started still holds its output: if it went into the background (daemonized), run it in the foreground")
	r.stop(t)
}

// TestShutdownSaysWhatItWaitsFor: as supervisord, the shutdown logs the
// processes it still waits for when it begins and every 3 s after.
func TestShutdownSaysWhatItWaitsFor(t *testing.T) {
	r := startConf(t, base+`
[program:stubborn]
command=/bin/sh -c 'trap "" TERM; echo stubborn >> @DIR@/ready; exec /bin/sleep 1000'
stopwaitsecs=4
startsecs=0

[program:quick]
command=/bin/sleep 1000
startsecs=0
`)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "stubborn", "quick"))
	r.waitReady(t, "stubborn")
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d", code)
	}
	r.wantLog(t, "INFO waiting for quick, stubborn to die", "INFO waiting for stubborn to die")
}

// TestSpawnDirectoryNotSearchable: run as an ordinary user, a program
// whose directory= exists but is not the user's to enter (root's, 0700)
// fails with the chdir's error, as supervisord names it (`couldn't chdir
// to DIR: EACCES`), not as an exec error of its command: stat(2), which
// gosinit checked, needs no search permission on the directory itself.
func TestSpawnDirectoryNotSearchable(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run gosinit as another user")
	}
	dir := nobodyDir(t)
	bin := copyExecutable(t, gosinitBin, filepath.Join(dir, "gosinit"))
	closed := filepath.Join(dir, "closed")
	if err := os.Mkdir(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	own := filepath.Join(dir, "own")
	if err := os.Mkdir(own, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chown(own, 65534, 65534)
	conf := filepath.Join(dir, "sd.conf")
	text := "[supervisord]\nlogfile=/dev/null\n\n[program:p]\ncommand=/bin/sleep 1000\ndirectory=" + closed + "\nstartretries=0\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	stFile := filepath.Join(own, "st.json")
	cmd := exec.Command(bin, "-c", conf, "--status-file", stFile)
	var got lockedBuffer
	cmd.Stdout, cmd.Stderr = &got, &got
	startAsNobody(t, cmd)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st, err := proc.ReadStatus(stFile)
		if err == nil && len(st.Processes) == 1 && st.Processes[0].State == proc.Fatal {
			if got, want := st.Processes[0].Spawnerr, "couldn't chdir to "+closed+": EACCES"; got != want {
				t.Errorf("spawnerr %q, want %q", got, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("p never FATAL; output:\n%s", got.String())
		}
	}
}
