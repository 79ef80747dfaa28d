package main

// Reload (SIGHUP = reread + update) and status file tests, against the
// real binary as PID 1.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/proc"
)

func (r *confRun) rewrite(t *testing.T, conf string) {
	t.Helper()
	conf = strings.ReplaceAll(conf, "@DIR@", r.dir)
	path := filepath.Join(r.dir, "supervisord.conf")
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// waitGeneration waits until the status file reports reload generation gen.
func (r *confRun) waitGeneration(t *testing.T, gen int, d time.Duration) *proc.Status {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		st, err := proc.ReadStatus(r.status)
		if err == nil && st.Generation >= gen {
			return st
		}
		if time.Now().After(deadline) || !r.alive() {
			t.Fatalf("reload generation %d never came (status %+v, err %v); stderr:\n%s", gen, st, err, r.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const reloadBase = base + `
[program:keep]
command=/bin/sleep 1000
startsecs=0

[program:change]
command=/bin/sleep 1000
environment=A="1"
startsecs=0
`

func TestReloadAppliesOnlyChanges(t *testing.T) {
	r := startConf(t, reloadBase+`
[program:gone]
command=/bin/sleep 1000
startsecs=0
`)
	before := r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "change", "gone"))
	r.rewrite(t, strings.Replace(reloadBase, `A="1"`, `A="2"`, 1)+`
[program:added]
command=/bin/sleep 1000
startsecs=0
`)
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	st := r.waitGeneration(t, 1, 10*time.Second)
	if st.Reload != "ok" {
		t.Fatalf("reload %q: %v", st.Reload, st.ReloadErrors)
	}
	after := r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "change", "added"))
	if _, ok := after["gone"]; ok {
		t.Error("removed program still listed")
	}
	if after["keep"].Pid != before["keep"].Pid || after["keep"].Start != before["keep"].Start {
		t.Errorf("unchanged program was touched: pid %d -> %d", before["keep"].Pid, after["keep"].Pid)
	}
	if after["change"].Pid == before["change"].Pid {
		t.Error("changed program kept its pid: not restarted")
	}
	want := []string{"gone: stopped", "gone: removed process group", "change: stopped", "change: updated process group", "added: added process group"}
	if got := st.Changes; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("changes %q, want %q", got, want)
	}
	r.stop(t)
}

// A reload compares settings, not where they are written: comment lines
// added above a program that sets user= and stdout_logfile= leave it
// running (reflect.DeepEqual on the process restarted it: it compared the
// keys' line numbers too).
func TestReloadIgnoresMovedLines(t *testing.T) {
	conf := base + `
[program:logged]
command=/bin/sleep 1000
startsecs=0
user=root
stdout_logfile=@DIR@/logged.log
stderr_logfile=@DIR@/logged.err
`
	r := startConf(t, conf)
	before := r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "logged"))
	r.rewrite(t, "; a comment\n; and another\n\n"+conf)
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	st := r.waitGeneration(t, 1, 10*time.Second)
	if st.Reload != "ok" || len(st.Changes) != 0 {
		t.Errorf("reload %q, changes %q; want ok and none", st.Reload, st.Changes)
	}
	after := r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "logged"))
	if after["logged"].Pid != before["logged"].Pid {
		t.Errorf("a program whose lines only moved was restarted: pid %d -> %d", before["logged"].Pid, after["logged"].Pid)
	}
	r.stop(t)
}

func TestReloadBrokenConfigChangesNothing(t *testing.T) {
	r := startConf(t, reloadBase)
	before := r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "change"))
	r.rewrite(t, reloadBase+"\n[program:bad]\ncommand=/bin/true\nstartsecs=soon\n")
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	st := r.waitGeneration(t, 1, 10*time.Second)
	if st.Reload != "error" || len(st.ReloadErrors) == 0 || !strings.Contains(st.ReloadErrors[0], "startsecs") {
		t.Fatalf("reload %q errors %q: want an error naming startsecs", st.Reload, st.ReloadErrors)
	}
	after := r.waitStatus(t, 5*time.Second, "RUNNING", allIn(proc.Running, "keep", "change"))
	for _, n := range []string{"keep", "change"} {
		if after[n].Pid != before[n].Pid {
			t.Errorf("%s restarted by a rejected reload", n)
		}
	}
	if _, ok := after["bad"]; ok {
		t.Error("program of the rejected config was added")
	}
	r.stop(t)
}

func TestReloadStorm(t *testing.T) {
	conf := func(i int) string {
		if i%7 == 3 {
			return base + "\n[program:x]\ncommand=\n" // broken: empty command
		}
		return base + fmt.Sprintf("\n[program:p%d]\ncommand=/bin/sleep 1000\nstartsecs=0\n\n[program:stay]\ncommand=/bin/sleep 1000\nstartsecs=0\n", i%5)
	}
	r := startConf(t, conf(0))
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "p0", "stay"))
	for i := 1; i <= 100; i++ {
		r.rewrite(t, conf(i))
		unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	}
	// One more SIGHUP, then wait until a reload that read the last config
	// (i=100: p0 and stay) is done and none is queued.
	before, err := proc.ReadStatus(r.status)
	if err != nil {
		t.Fatal(err)
	}
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := proc.ReadStatus(r.status)
		if err == nil && st.ReloadRequests > before.ReloadRequests && !st.Reloading {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("reloads never settled: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	m := r.waitStatus(t, 30*time.Second, "the last config's programs", func(m map[string]proc.ProcessStatus) bool {
		return len(m) == 2 && m["p0"].State == proc.Running && m["stay"].State == proc.Running
	})
	if len(m) != 2 {
		t.Fatalf("programs %v", m)
	}
	// No process lost and none left behind: the namespace holds gosinit and
	// the two sleeps only.
	if n := namespaceProcs(t, r.cmd.Process.Pid); n != 2 {
		t.Errorf("%d processes below gosinit, want 2 (no zombie, no orphan)", n)
	}
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// namespaceProcs counts the processes whose parent is pid, zombies included.
func namespaceProcs(t *testing.T, pid int) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, z := 0, 0
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
			if err != nil {
				continue
			}
			i := strings.LastIndexByte(string(b), ')')
			f := strings.Fields(string(b[i+1:]))
			if len(f) > 1 && f[1] == fmt.Sprint(pid) {
				n++
				if f[0] == "Z" {
					z++
				}
			}
		}
		if z == 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReloadDuringShutdownIgnored(t *testing.T) {
	r := startConf(t, base+`
[program:slow]
command=/bin/sh -c 'trap "sleep 2; exit 0" TERM; echo slow >> @DIR@/ready; while :; do sleep 0.05; done'
startsecs=0
`)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "slow"))
	r.waitReady(t, "slow")
	unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
	r.waitStatus(t, 5*time.Second, "STOPPING", allIn(proc.Stopping, "slow"))
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	unix.Kill(r.cmd.Process.Pid, unix.SIGQUIT) // said, and the stop goes on
	unix.Kill(r.cmd.Process.Pid, unix.SIGINT)  // so is SIGINT with no terminal (docker stop, STOPSIGNAL SIGINT)
	if code := r.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	// supervisord's words for both
	r.wantLog(t, "WARN ignored SIGHUP indicating restart request (shutdown in progress)",
		"WARN received SIGQUIT indicating exit request", "WARN received SIGINT indicating exit request")
	if strings.Contains(r.stderr.String(), "killing everything") || !strings.Contains(r.stderr.String(), "stopped: slow (exit status 0)") {
		t.Errorf("the stop must go on as it was; log:\n%s", r.stderr.String())
	}
}

// TestReloadCommand runs `gosinit reload` against a gosinit that is not
// PID 1 (so the pid in its status file is its real one).
func TestReloadCommand(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "supervisord.conf")
	status := filepath.Join(dir, "status.json")
	os.WriteFile(path, []byte(strings.ReplaceAll(reloadBase, "@DIR@", dir)), 0o644)
	r := &confRun{initRun: startInit(t, false, nil, "-c", path, "--status-file", status), dir: dir, status: status}
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "change"))
	r.rewrite(t, strings.Replace(reloadBase, `A="1"`, `A="3"`, 1))
	out, err := exec.Command(gosinitBin, "reload", "--status-file", status).CombinedOutput()
	if err != nil {
		t.Fatalf("gosinit reload: %v: %s", err, out)
	}
	if want := "change: stopped\nchange: updated process group\n"; string(out) != want {
		t.Errorf("gosinit reload printed %q, want %q", out, want)
	}
	r.rewrite(t, reloadBase+"\n[program:bad]\nautorestart=maybe\ncommand=/bin/true\n")
	out, err = exec.Command(gosinitBin, "reload", "--status-file", status).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "autorestart") {
		t.Errorf("broken reload: %v %q, want exit 2 naming autorestart", err, out)
	}
	// A typo is a warning: the reload applies the file (priorty= changes
	// nothing) and gosinit reload shows the warning, as check would.
	r.rewrite(t, strings.Replace(reloadBase, `A="1"`, `A="3"`, 1)+"priorty=5\n")
	cmd := exec.Command(gosinitBin, "reload", "--status-file", status)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("gosinit reload: %v: %s", err, stderr.String())
	}
	want := "warning: " + path + ":15: [program:change] priorty: unknown key: supervisord ignores it; did you mean priority?\n"
	if stdout.String() != "No config updates to processes\n" || stderr.String() != want {
		t.Errorf("reload with a typo printed %q and %q on stderr, want %q", stdout.String(), stderr.String(), want)
	}
	r.stop(t)
}

func TestStatusFileNeverTorn(t *testing.T) {
	// Programs churning through state changes while 10,000 reads happen.
	r := startConf(t, base+`
[program:churn]
command=/bin/sh -c 'exit 1'
process_name=c%(process_num)d
numprocs=10
startsecs=0
autorestart=true
stdout_logfile=NONE
stderr_logfile=NONE

[program:steady]
command=/bin/sleep 1000
`)
	r.waitStatus(t, 10*time.Second, "churn", func(m map[string]proc.ProcessStatus) bool { return m["c0"].Restarts > 0 })
	for i := 0; i < 10000; i++ {
		st, err := proc.ReadStatus(r.status)
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if len(st.Processes) != 11 {
			t.Fatalf("read %d: %d processes", i, len(st.Processes))
		}
	}
	// And no socket, ever: every descriptor of PID 1 is a file, a pipe or
	// /dev/null.
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", r.cmd.Process.Pid))
	for _, e := range ents {
		l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", r.cmd.Process.Pid, e.Name()))
		if strings.HasPrefix(l, "socket:") {
			t.Errorf("gosinit holds a socket: fd %s -> %s", e.Name(), l)
		}
	}
	st, _ := os.Stat(r.status)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("status file mode %v, want 0644", st.Mode().Perm())
	}
	r.stop(t)
}

// TestReloadClosesRemovedLogs: a program that reloads add and remove again
// and again leaves no descriptor behind (the soak, bench -only soak, found
// every removal kept its log files open). A log file that a remaining
// program shares stays open, and its lines still arrive.
func TestReloadClosesRemovedLogs(t *testing.T) {
	const shared = `
[program:stay]
command=/bin/sh -c 'trap "echo stay-line; exit 0" TERM; echo stay-up; while :; do sleep 1; done'
stdout_logfile=@DIR@/shared.log
startsecs=0
stopasgroup=true
`
	const extra = `
[program:extra]
command=/bin/sh -c 'echo extra-out; echo extra-err >&2; exec sleep 1000'
stdout_logfile=@DIR@/shared.log
stderr_logfile=AUTO
startsecs=0
`
	r := startConf(t, reloadBase+shared)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "change", "stay"))
	fds := func() []string {
		dir := fmt.Sprintf("/proc/%d/fd", r.cmd.Process.Pid)
		ents, _ := os.ReadDir(dir)
		var out []string
		for _, e := range ents {
			l, _ := os.Readlink(filepath.Join(dir, e.Name()))
			out = append(out, l)
		}
		return out
	}
	var before []string
	for gen := 1; gen <= 6; gen++ {
		conf := reloadBase + shared
		if gen%2 == 1 {
			conf += extra
		}
		r.rewrite(t, conf)
		unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
		if st := r.waitGeneration(t, gen, 10*time.Second); st.Reload != "ok" {
			t.Fatalf("reload %d: %q %v", gen, st.Reload, st.ReloadErrors)
		}
		r.waitStatus(t, 10*time.Second, "extra's state", func(m map[string]proc.ProcessStatus) bool {
			_, there := m["extra"]
			return there == (gen%2 == 1) && (!there || m["extra"].State == proc.Running)
		})
		if gen%2 == 1 {
			// startsecs=0: RUNNING at the spawn. extra must have written
			// its line before the next reload removes it.
			want := (gen + 1) / 2
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				log, _ := os.ReadFile(filepath.Join(r.dir, "shared.log"))
				if strings.Count(string(log), "extra-out\n") >= want {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("reload %d: extra wrote no line within 10 s:\n%s", gen, log)
				}
			}
		}
		if gen == 2 {
			// Every log file of the others is open by now: they are
			// opened after the start, or at their first line. Settled:
			// the same count twice, 50 ms apart.
			before = fds()
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
				again := fds()
				if len(again) == len(before) {
					break
				}
				before = again
			}
		}
	}
	// A copier closes its pipe just after it reports the end: allow a
	// moment for the count to settle; a leak never does.
	after := fds()
	for deadline := time.Now().Add(5 * time.Second); len(after) != len(before) && time.Now().Before(deadline); after = fds() {
		time.Sleep(10 * time.Millisecond)
	}
	if len(after) != len(before) {
		t.Errorf("gosinit had %d descriptors after extra's first removal, %d after two more:\nbefore %q\nafter  %q", len(before), len(after), before, after)
	}
	r.stop(t)
	log, _ := os.ReadFile(filepath.Join(r.dir, "shared.log"))
	if got := strings.Count(string(log), "extra-out\n"); got != 3 || !strings.HasSuffix(string(log), "stay-line\n") {
		t.Errorf("shared.log has %d extra-out lines (want 3) and should end with stay's last line:\n%s", got, log)
	}
}

// TestReloadRemovedProgramNeverRestarts: a reload removes two programs.
// x exits by itself (status 3, autorestart=true) once y has begun to stop,
// but a child of x still holds its stdout, so x is reaped before its exit
// can be reported. The reload must wait for that exit, and x must not be
// started again: a process started then would run outside the status file
// and the ordered shutdown.
func TestReloadRemovedProgramNeverRestarts(t *testing.T) {
	const removed = `
[program:y]
priority=900
command=/bin/sh -c 'trap "touch @DIR@/flag; sleep 0.2; exit 0" TERM; while :; do sleep 0.05; done'
startsecs=0

[program:x]
priority=100
autorestart=true
startsecs=0
stdout_logfile=@DIR@/x.log
command=/bin/sh -c 'if [ -e @DIR@/flag ]; then echo ghost; exec sleep 1000; fi; while [ ! -e @DIR@/flag ]; do sleep 0.01; done; (sleep 2) & exit 3'
`
	r := startConf(t, reloadBase+removed)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "change", "x", "y"))
	r.rewrite(t, reloadBase)
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	if st := r.waitGeneration(t, 1, 15*time.Second); st.Reload != "ok" {
		t.Fatalf("reload: %q %v", st.Reload, st.ReloadErrors)
	}
	// x's grandchild lives 2 s; give a restart that long to show.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(r.stderr.String(), "spawned: 'x'") > 1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.stop(t)
	log := r.stderr.String()
	if n := strings.Count(log, "spawned: 'x'"); n != 1 {
		t.Errorf("x spawned %d times, want once: a removed program was started again; log:\n%s", n, log)
	}
	if b, _ := os.ReadFile(filepath.Join(r.dir, "x.log")); strings.Contains(string(b), "ghost") {
		t.Errorf("x ran again after its removal: x.log holds %q", b)
	}
	if !strings.Contains(log, "exited: x (exit status 3") {
		t.Errorf("x's own exit was never reported; log:\n%s", log)
	}
}

// TestReloadOrderAsUpdate: supervisorctl update's order. A program moved
// into a [group:x] (a removed group and an added one) never runs twice:
// the new one starts once the old one, slow to stop, is gone. And a
// changed group keeps running until the removed groups are gone, so it
// is down only for its own stop.
func TestReloadOrderAsUpdate(t *testing.T) {
	const web = `
[program:web]
command=/bin/sh -c 'trap "sleep 1; echo stop >> @DIR@/web.runs; exit 0" TERM; echo start >> @DIR@/web.runs; while :; do sleep 0.05; done'
startsecs=0
`
	r := startConf(t, reloadBase+web+`
[program:slow]
command=/bin/sh -c 'trap "" TERM; exec /bin/sleep 1000'
stopwaitsecs=2
startsecs=0
`)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "change", "web", "slow"))
	// RUNNING at once (startsecs=0): its trap is set once "start" is written
	if got := waitFileContent(filepath.Join(r.dir, "web.runs"), "start\n", 5*time.Second); got != "start\n" {
		t.Fatalf("web's runs: %q, want start", got)
	}
	r.rewrite(t, strings.Replace(reloadBase, `A="1"`, `A="2"`, 1)+web+`
[group:frontend]
programs=web
`)
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	if st := r.waitGeneration(t, 1, 15*time.Second); st.Reload != "ok" {
		t.Fatalf("reload: %q %v", st.Reload, st.ReloadErrors)
	}
	r.waitStatus(t, 10*time.Second, "web RUNNING again", allIn(proc.Running, "keep", "change", "web"))
	// RUNNING at once (startsecs=0): the shell's echo may come a moment later
	if got := waitFileContent(filepath.Join(r.dir, "web.runs"), "start\nstop\nstart\n", 5*time.Second); got != "start\nstop\nstart\n" {
		t.Errorf("web's runs: %q, want start stop start (never two at once)", got)
	}
	lines := strings.Join(r.logLines(), "\n")
	slowGone, changeStopped := strings.Index(lines, "slow (terminated by SIGKILL)"), strings.Index(lines, "stopped: change ")
	if slowGone < 0 || changeStopped < 0 || changeStopped < slowGone {
		t.Errorf("the changed program must stop after the removed one is gone; log:\n%s", lines)
	}
	r.stop(t)
}

// TestReloadChangedGroupWithBackoff: a changed group's processes are all
// marked before any is stopped, so one in BACKOFF (stopped at once) does
// not let the new processes start while the group's running one is still
// stopping; and a removed group is no longer listed once it is gone, while
// the changed ones stop.
func TestReloadChangedGroupWithBackoff(t *testing.T) {
	const group = `
[group:web]
programs=app,nginx

[program:nginx]
command=/bin/sh -c 'trap "sleep 1; echo stop >> @DIR@/nginx.runs; exit 0" TERM; echo start >> @DIR@/nginx.runs; while :; do sleep 0.05; done'
startsecs=0

[program:gone]
command=/bin/sleep 1000
startsecs=0
`
	r := startConf(t, base+group+`
[program:app]
command=/bin/sh -c 'exit 1'
startsecs=5
startretries=100
`)
	r.waitStatus(t, 10*time.Second, "app in BACKOFF", func(m map[string]proc.ProcessStatus) bool {
		return m["nginx"].State == proc.Running && m["gone"].State == proc.Running && m["app"].State == proc.Backoff
	})
	if got := waitFileContent(filepath.Join(r.dir, "nginx.runs"), "start\n", 5*time.Second); got != "start\n" {
		t.Fatalf("nginx's runs: %q, want start (its trap set)", got)
	}
	r.rewrite(t, base+strings.Replace(group, "[program:gone]\ncommand=/bin/sleep 1000\nstartsecs=0\n", "", 1)+`
[program:app]
command=/bin/sleep 1000
startsecs=0
`)
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	r.waitStatus(t, 10*time.Second, "nginx stopping, gone no longer listed", func(m map[string]proc.ProcessStatus) bool {
		_, listed := m["gone"]
		return m["nginx"].State == proc.Stopping && !listed
	})
	if st := r.waitGeneration(t, 1, 15*time.Second); st.Reload != "ok" {
		t.Fatalf("reload: %q %v", st.Reload, st.ReloadErrors)
	}
	after := r.waitStatus(t, 10*time.Second, "both RUNNING", allIn(proc.Running, "app", "nginx"))
	if len(after) != 2 {
		t.Errorf("status lists %d processes, want app and nginx once each: %v", len(after), after)
	}
	// RUNNING at once (startsecs=0): the shell's echo may come a moment later
	if got := waitFileContent(filepath.Join(r.dir, "nginx.runs"), "start\nstop\nstart\n", 5*time.Second); got != "start\nstop\nstart\n" {
		t.Errorf("nginx's runs: %q, want start stop start (never two at once)", got)
	}
	r.stop(t)
}

// TestReloadStatusFileChangeSaid: a reload cannot move the status file
// (readers would lose PID 1 meanwhile); one that changes [gosinit]
// status_file says it takes effect at the next start, and the status goes
// on where it was.
func TestReloadStatusFileChangeSaid(t *testing.T) {
	r := startConf(t, reloadBase)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "change"))
	r.rewrite(t, reloadBase+"\n[gosinit]\nstatus_file=@DIR@/other.json\n")
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	r.waitGeneration(t, 1, 10*time.Second)
	r.wantLog(t, "WARN [gosinit] status_file changed: it takes effect at the next start; the status is still written to ")
	r.stop(t)
}

// TestReloadWaitMain: with --wait, a reload that removes the only
// autostart program not yet RUNNING leaves every autostart program
// RUNNING, so the main command starts then, not at some later change.
func TestReloadWaitMain(t *testing.T) {
	const keep = `
[program:keep]
command=/bin/sleep 1000
startsecs=0
`
	r := startConf(t, base+keep+`
[program:never]
command=/bin/sh -c 'exit 1'
startsecs=1
startretries=100
`, "--wait", "--", "/bin/sh", "-c", "echo main >> @DIR@/main; exec /bin/sleep 1000")
	r.waitStatus(t, 10*time.Second, "never in BACKOFF", func(m map[string]proc.ProcessStatus) bool {
		return m["keep"].State == proc.Running && m["never"].State == proc.Backoff
	})
	r.rewrite(t, base+keep)
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	if st := r.waitGeneration(t, 1, 10*time.Second); st.Reload != "ok" {
		t.Fatalf("reload: %q %v", st.Reload, st.ReloadErrors)
	}
	if got := waitFileLines(filepath.Join(r.dir, "main"), 1, 10*time.Second); len(got) != 1 {
		t.Errorf("main command not started once keep alone was left, all RUNNING: %q; log:\n%s", got, r.stderr.String())
	}
	r.stop(t)
}

// TestReloadChangedGroupAllInBackoff: a changed group whose processes are
// all in BACKOFF is stopped whole before its new processes start. Feeding
// the first one's stop once finished the step and started the new
// processes; the second old one's "stopped" (and its PROCESS_STATE_STOPPED)
// came after the new one's spawn.
func TestReloadChangedGroupAllInBackoff(t *testing.T) {
	const group = `loglevel=debug

[group:g]
programs=b1,b2

[program:b1]
command=/bin/sh -c 'exit 1'
startsecs=5
startretries=100

[program:b2]
command=/bin/sh -c 'exit 1'
startsecs=5
startretries=100
`
	r := startConf(t, base+group)
	r.waitStatus(t, 10*time.Second, "both in BACKOFF", func(m map[string]proc.ProcessStatus) bool {
		return m["b1"].State == proc.Backoff && m["b2"].State == proc.Backoff && m["b1"].Restarts > 0 && m["b2"].Restarts > 0
	})
	r.rewrite(t, base+group+"environment=A=\"2\"\n")
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	if st := r.waitGeneration(t, 1, 10*time.Second); st.Reload != "ok" {
		t.Fatalf("reload: %q %v", st.Reload, st.ReloadErrors)
	}
	lines := r.logLines()
	after := lines[max(indexOf(lines, "received SIGHUP"), 0):]
	for _, n := range []string{"b1", "b2"} {
		stopped, spawned := indexOf(after, "stopped: "+n+" (was in BACKOFF)"), indexOf(after, "spawned: '"+n+"'")
		if stopped < 0 || spawned < 0 || stopped > spawned {
			t.Errorf("the old %s must be stopped before the new one is spawned; log:\n%s", n, strings.Join(after, "\n"))
		}
	}
	r.stop(t)
}

// TestReloadCommandQueued: a SIGHUP that comes while a reload stops a
// slow program runs another reload once that one is over. `gosinit
// reload`, which waits for both, prints the changes of both, and when the
// queued one is rejected, exits 2 but still prints what the first one
// changed (it printed "rejected, nothing changed" alone, or only the
// second one's changes).
func TestReloadCommandQueued(t *testing.T) {
	needRoot(t)
	const slow = `
[program:slow]
command=/bin/sh -c 'trap "" TERM; echo slow >> @DIR@/ready; exec /bin/sleep 1000'
stopwaitsecs=1
startsecs=0
`
	dir := t.TempDir()
	path := filepath.Join(dir, "supervisord.conf")
	status := filepath.Join(dir, "status.json")
	os.WriteFile(path, []byte(strings.ReplaceAll(base+slow, "@DIR@", dir)), 0o644)
	r := &confRun{initRun: startInit(t, false, nil, "-c", path, "--status-file", status), dir: dir, status: status}
	added := func(name string) string {
		return "\n[program:" + name + "]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
	}
	for i, tc := range []struct {
		next, queued     string
		wantOut, wantErr string
		wantCode         int
	}{
		{base + slow + "environment=A=\"1\"\n" + added("one"), "\n[program:bad]\ncommand=/bin/true\nstartsecs=soon\n",
			"slow: stopped\nslow: updated process group\none: added process group\n", "startsecs", 2},
		{base + slow + "environment=A=\"2\"\n" + added("one"), added("two"),
			"slow: stopped\nslow: updated process group\ntwo: added process group\n", "", 0},
	} {
		r.waitStatus(t, 10*time.Second, "slow RUNNING", allIn(proc.Running, "slow"))
		if got := waitFileLines(filepath.Join(dir, "ready"), i+1, 10*time.Second); len(got) != i+1 {
			t.Fatalf("slow did not set its trap: %q", got)
		}
		r.rewrite(t, tc.next)
		var stdout, stderr strings.Builder
		cli := exec.Command(gosinitBin, "reload", "--status-file", status)
		cli.Stdout, cli.Stderr = &stdout, &stderr
		if err := cli.Start(); err != nil {
			t.Fatal(err)
		}
		r.waitStatus(t, 10*time.Second, "slow STOPPING", allIn(proc.Stopping, "slow"))
		r.rewrite(t, tc.next+tc.queued)
		unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
		cli.Wait()
		if code := cli.ProcessState.ExitCode(); code != tc.wantCode || stdout.String() != tc.wantOut || !strings.Contains(stderr.String(), tc.wantErr) {
			t.Errorf("case %d: gosinit reload exit %d, stdout %q, stderr %q; want %d, %q, stderr naming %q", i, code, stdout.String(), stderr.String(), tc.wantCode, tc.wantOut, tc.wantErr)
		}
	}
	r.stop(t)
}

// TestReloadRemovesDrainingProcess: x has exited, but a child of its holds
// its stdout, so its exit waits for the pipe (up to half a second) before
// it is reported. A reload that removes x then must not stop it (there is
// nothing to signal: "killing x (pid 0)") but let its exit be reported as
// what it was, "exited:", as supervisord reports it.
func TestReloadRemovesDrainingProcess(t *testing.T) {
	const x = `
[program:x]
command=/bin/sh -c 'sleep 1000 & while [ ! -e @DIR@/go ]; do sleep 0.01; done; exit 3'
startsecs=0
autorestart=false
`
	r := startConf(t, reloadBase+x, "--loglevel", "debug")
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "change", "x"))
	r.rewrite(t, reloadBase)
	// x's shell, by its command line among gosinit's children.
	xpid := ""
	for _, c := range childrenOf(r.cmd.Process.Pid) {
		if b, _ := os.ReadFile("/proc/" + c + "/cmdline"); strings.Contains(string(b), "while") {
			xpid = c
		}
	}
	if xpid == "" {
		t.Fatal("x's shell is not a child of gosinit")
	}
	if err := os.WriteFile(filepath.Join(r.dir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Reaped (gone from /proc), its exit held for its pipe: reload now.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, err := os.Stat("/proc/" + xpid); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("x's shell was not reaped within 10 s")
		}
	}
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	if st := r.waitGeneration(t, 1, 10*time.Second); st.Reload != "ok" {
		t.Fatalf("reload: %q %v", st.Reload, st.ReloadErrors)
	}
	r.stop(t)
	r.wantLog(t, "exited: x (exit status 3; not expected)")
	for _, l := range r.logLines() {
		if strings.Contains(l, "stopped: x") || strings.Contains(l, "killing x") {
			t.Errorf("log has %q: x had exited:\n%s", l, strings.Join(r.logLines(), "\n"))
		}
	}
}

// TestReloadRefusesEmptiedFile: a reload that finds the file emptied (or
// half-written: no [supervisord] section) while the running one had the
// section is refused, as supervisord's reread refuses it, and nothing
// stops. A file that never had the section (a conf.d snippet run as it
// is) reloads as before.
func TestReloadRefusesEmptiedFile(t *testing.T) {
	r := startConf(t, reloadBase)
	before := r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "change"))
	r.rewrite(t, "")
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	st := r.waitGeneration(t, 1, 10*time.Second)
	if st.Reload != "error" || len(st.ReloadErrors) == 0 || !strings.Contains(st.ReloadErrors[0], "no [supervisord] section") {
		t.Fatalf("reload of an emptied file: %q, errors %q; want it refused", st.Reload, st.ReloadErrors)
	}
	after := r.waitStatus(t, 5*time.Second, "RUNNING", allIn(proc.Running, "keep", "change"))
	for _, n := range []string{"keep", "change"} {
		if after[n].Pid != before[n].Pid {
			t.Errorf("%s restarted by a refused reload", n)
		}
	}
	r.stop(t)

	// Started without the section: a reload without it is applied.
	snippet := "[program:a]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
	r = startConf(t, snippet)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "a"))
	r.rewrite(t, snippet+"\n[program:b]\ncommand=/bin/sleep 1000\nstartsecs=0\n")
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	if st := r.waitGeneration(t, 1, 10*time.Second); st.Reload != "ok" {
		t.Fatalf("reload of a file that never had [supervisord]: %q %q", st.Reload, st.ReloadErrors)
	}
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "a", "b"))
	r.stop(t)
}

// TestReloadFromFIFO: a configuration read from a FIFO (or a pipe, as
// `-c <(...)` gives) runs; SIGHUP cannot read it again, and says so,
// instead of holding the loop in open(2) until someone writes the FIFO.
func TestReloadFromFIFO(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "supervisord.conf")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	status := filepath.Join(dir, "status.json")
	r := &confRun{initRun: startInit(t, true, nil, "-c", fifo, "--status-file", status), dir: dir, status: status}
	f, err := os.OpenFile(fifo, os.O_WRONLY, 0) // waits for gosinit's open
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.ReplaceAll(reloadBase, "@DIR@", dir))
	f.Close()
	before := r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "keep", "change"))
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	st := r.waitGeneration(t, 1, 10*time.Second)
	if st.Reload != "error" || len(st.ReloadErrors) == 0 || !strings.Contains(st.ReloadErrors[0], "not a regular file") {
		t.Fatalf("reload from a FIFO: %q, errors %q; want it refused", st.Reload, st.ReloadErrors)
	}
	after := r.waitStatus(t, 5*time.Second, "RUNNING", allIn(proc.Running, "keep", "change"))
	for _, n := range []string{"keep", "change"} {
		if after[n].Pid != before[n].Pid {
			t.Errorf("%s restarted by a refused reload", n)
		}
	}
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM", code)
	}
}
