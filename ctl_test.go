package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/proc"
)

// TestSupervisorctlAlias runs gosinit -c (not in a namespace, so pids are
// the test's), then the same binary under the name supervisorctl, as an
// image that links it there would: status, pid, reread and update (after
// adding a program), stop (refused: exit 3), shutdown. The status file is
// the one [gosinit] status_file names, found through -c.
func TestSupervisorctlAlias(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "supervisord.conf")
	text := "[supervisord]\nnodaemon=true\nlogfile=/dev/null\n\n[gosinit]\nstatus_file=" + dir + "/st.json\n\n" +
		"[program:rec]\ncommand=" + strings.Join(helperCmd("sigrec", dir+"/signals", "rec"), " ") + "\nstartsecs=0\nstopsignal=KILL\n\n" +
		"[program:a]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	g := launch(t, gosinitBin, dir, false, nil, "-c", conf)
	ctlPath := filepath.Join(dir, "supervisorctl")
	if err := os.Symlink(gosinitBin, ctlPath); err != nil {
		t.Fatal(err)
	}
	var pids []int
	t.Cleanup(func() {
		for _, pid := range pids {
			unix.Kill(pid, unix.SIGKILL)
		}
	})
	running := func(name string) int {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if st, err := proc.ReadStatus(filepath.Join(dir, "st.json")); err == nil {
				for _, p := range st.Processes {
					if p.Name == name && p.State == proc.Running {
						pids = append(pids, p.Pid)
						return p.Pid
					}
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("%s not RUNNING; gosinit's stderr:\n%s", name, g.stderr.String())
		return 0
	}
	ctl := func(args ...string) (string, string, int) {
		cmd := exec.Command(ctlPath, append([]string{"-c", conf}, args...)...)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}
	apid := running("a")
	if out, errs, code := ctl("status"); code != 0 || !strings.HasPrefix(out, "a ") || !strings.Contains(out, "RUNNING   pid "+strconv.Itoa(apid)) {
		t.Errorf("status: exit %d\n%s%s", code, out, errs)
	}
	if out, _, code := ctl("pid"); code != 0 || out != strconv.Itoa(g.cmd.Process.Pid)+"\n" {
		t.Errorf("pid: exit %d, %q; want gosinit's pid %d", code, out, g.cmd.Process.Pid)
	}
	if out, _, code := ctl("pid", "a"); code != 0 || out != strconv.Itoa(apid)+"\n" {
		t.Errorf("pid a: exit %d, %q; want %d", code, out, apid)
	}
	if _, errs, code := ctl("stop", "a"); code != 3 || !strings.Contains(errs, "supervisorctl stop: not supported") {
		t.Errorf("stop a: exit %d, %q; want 3 and why", code, errs)
	}
	// Not a command at all: supervisorctl's answer and status.
	if out, errs, code := ctl("frobnicate", "a", "b"); code != 1 || out != "*** Unknown syntax: frobnicate a b\n" || errs != "" {
		t.Errorf("frobnicate a b: exit %d, %q %q; want 1 and supervisorctl's line", code, out, errs)
	}
	// signal reaches the process itself (a differential test compares
	// the lines: TestCtlSignalMatchesSupervisorctl).
	running("rec")
	waitFileLines(filepath.Join(dir, "signals"), 1, 10*time.Second) // "rec ready"
	if out, errs, code := ctl("signal", "USR1", "rec"); code != 0 || out != "rec: signalled\n" {
		t.Errorf("signal USR1 rec: exit %d, %q %q", code, out, errs)
	}
	if got := waitFileLines(filepath.Join(dir, "signals"), 2, 10*time.Second); len(got) != 2 || got[1] != "rec 10" {
		t.Errorf("rec recorded %q, want [rec ready, rec 10]", got)
	}
	// reread refuses what a reload would: here a log directory missing.
	if err := os.WriteFile(conf, []byte(text+"stdout_logfile=/nonexistent-gosinit/a.log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := ctl("reread"); code != 2 || !strings.Contains(errs, `directory "/nonexistent-gosinit" does not exist`) {
		t.Errorf("reread of a config with a missing log directory: exit %d, %q; want 2 and why", code, errs)
	}
	// A file that does not load (being edited, say) still names the
	// status file: supervisorctl reads only its own section of it.
	if err := os.WriteFile(conf, []byte(text+"startretries=many\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := ctl("status"); code != 0 || !strings.HasPrefix(out, "a ") {
		t.Errorf("status with a config that does not load: exit %d\n%s%s", code, out, errs)
	}
	if _, errs, code := ctl("reread"); code != 2 || !strings.Contains(errs, "startretries") {
		t.Errorf("reread of a config that does not load: exit %d, %q; want 2 and why", code, errs)
	}
	if err := os.WriteFile(conf, []byte(text+"\n[program:b]\ncommand=/bin/sleep 1001\nstartsecs=0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := ctl("reread"); code != 0 {
		t.Errorf("reread: exit %d, %q", code, errs)
	}
	// Without -c, reread and avail read the file the running gosinit
	// runs, as supervisorctl asks the running supervisord; not the first
	// file of the search path.
	for _, args := range [][]string{{"reread"}, {"avail"}} {
		cmd := exec.Command(ctlPath, args...)
		cmd.Env = append(os.Environ(), "GOSINIT_STATUS_FILE="+dir+"/st.json", "GOSINIT_CONFIG=")
		cmd.Dir = dir + "/.."
		out, err := cmd.CombinedOutput()
		if want := map[string]string{"reread": conf + " loads", "avail": "b "}[args[0]]; err != nil || !strings.Contains(string(out), want) {
			t.Errorf("%s without -c: %v, %q; want %q", args[0], err, out, want)
		}
	}
	if out, errs, code := ctl("update"); code != 0 || out != "b: added process group\n" {
		t.Errorf("update: exit %d, %q %q; want b added", code, out, errs)
	}
	running("b")
	if out, errs, code := ctl("shutdown"); code != 0 || out != "Shut down\n" {
		t.Errorf("shutdown: exit %d, %q %q", code, out, errs)
	}
	if code := g.wait(t, 20*time.Second); code != 0 {
		t.Errorf("gosinit exited %d after supervisorctl shutdown, want 0", code)
	}
	if _, _, code := ctl("status"); code != 4 {
		t.Errorf("status after the shutdown: exit %d, want 4", code)
	}
}

// TestCtlSignalGroupStates: GROUP:* and all signal the RUNNING, STARTING
// and STOPPING processes (a STOPPING one may be the very process a user
// wants to signal) and skip the others, BACKOFF included, silently, in
// the status file's order, as supervisord's signalProcessGroup and
// signalAllProcesses (isSignallable). The processes are real sleeps, the
// test their parent.
func TestCtlSignalGroupStates(t *testing.T) {
	var ps []proc.ProcessStatus
	for _, p := range []struct {
		name  string
		state proc.State
	}{{"z", proc.Running}, {"flap", proc.Backoff}, {"y", proc.Starting}, {"stubborn", proc.Stopping}, {"done", proc.Exited}} {
		st := proc.ProcessStatus{Name: p.name, Group: "g", State: p.state}
		if p.state != proc.Backoff && p.state != proc.Exited {
			c := exec.Command("/bin/sleep", "1000")
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			pid := c.Process.Pid
			t.Cleanup(func() { unix.Kill(pid, unix.SIGKILL); c.Wait() })
			st.Pid, st.Start = pid, time.Now().Unix()
		}
		ps = append(ps, st)
	}
	st := &proc.Status{Pid: os.Getpid(), Processes: ps}
	for _, names := range [][]string{{"g:*"}, {"all"}} {
		var out strings.Builder
		err := signalProcesses(st, os.Getpid(), "CONT", names, &out)
		if want := "g:z: signalled\ng:y: signalled\ng:stubborn: signalled\n"; out.String() != want || err != nil {
			t.Errorf("signal CONT %s: %v\n%s\nwant:\n%s", names[0], err, out.String(), want)
		}
	}
}

// TestCtlMaintailFollowsPID1: maintail prints the log gosinit writes, as
// its status file names it: -l on PID 1's command line wins over the
// config's logfile=, whatever file that names holds.
func TestCtlMaintailFollowsPID1(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "supervisord.conf")
	stale := filepath.Join(dir, "stale.log")
	os.WriteFile(stale, []byte("stale line from an earlier run\n"), 0o644)
	text := "[supervisord]\nlogfile=" + stale + "\n\n[gosinit]\nstatus_file=" + dir + "/st.json\n\n[program:a]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, "real.log")
	g := launch(t, gosinitBin, dir, false, nil, "-c", conf, "-l", real)
	want := "gosinit started with pid " + strconv.Itoa(g.cmd.Process.Pid)
	var out strings.Builder
	deadline := time.Now().Add(10 * time.Second)
	for {
		out.Reset()
		err := ctlMaintail(filepath.Join(dir, "st.json"), nil, &out)
		if err == nil && strings.Contains(out.String(), want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("maintail: %v\n%s\nwant the log of %s, with %q; gosinit's stderr:\n%s", err, out.String(), real, want, g.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(out.String(), "stale") {
		t.Errorf("maintail printed the config's logfile, not -l's:\n%s", out.String())
	}
	unix.Kill(g.cmd.Process.Pid, unix.SIGTERM)
	g.wait(t, 10*time.Second)
}

// TestCtlCopiesOfTheBinary: an image that copies gosinit twice, as
// /usr/bin/supervisord and as /usr/bin/supervisorctl (two files, no
// link): supervisorctl, as root, knows PID 1 by its executable's
// contents. A status file whose pid is another process is refused,
// whatever start time it gives.
func TestCtlCopiesOfTheBinary(t *testing.T) {
	dir := t.TempDir()
	bin, _ := os.ReadFile(gosinitBin)
	for _, name := range []string{"sd/supervisord", "ctl/supervisorctl"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), bin, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(dir, "supervisord.conf")
	text := "[supervisord]\nlogfile=/dev/null\n\n[gosinit]\nstatus_file=" + dir + "/st.json\n\n[program:a]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	g := launch(t, filepath.Join(dir, "sd/supervisord"), dir, false, nil, "-n", "-c", conf)
	defer func() {
		unix.Kill(g.cmd.Process.Pid, unix.SIGTERM)
		g.wait(t, 10*time.Second)
	}()
	var out []byte
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out, err = exec.Command(filepath.Join(dir, "ctl/supervisorctl"), "-c", conf, "status").CombinedOutput()
		if err == nil && strings.HasPrefix(string(out), "a ") || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || !strings.HasPrefix(string(out), "a ") {
		t.Fatalf("supervisorctl status with a copy of the binary: %v\n%s", err, out)
	}
	// The same status file, its pid now a sleep that started later.
	st, err := proc.ReadStatus(filepath.Join(dir, "st.json"))
	if err != nil {
		t.Fatal(err)
	}
	other := exec.Command("/bin/sleep", "1000")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { other.Process.Kill(); other.Wait() }()
	if err := checkGosinit(other.Process.Pid, st.Started-3600, 0, false); err == nil || !strings.Contains(err.Error(), "is not gosinit") {
		t.Errorf("a sleep that started an hour after the status file's gosinit passed for it: %v", err)
	}
	// Nor, for root, who may read its executable, a status file with that
	// sleep's own start time: a root-owned file may hold another user's
	// words (a user= program's log), and name any process so.
	_, start, ok := procStart(other.Process.Pid)
	if !ok {
		t.Fatal("no start time for", other.Process.Pid)
	}
	if err := checkGosinit(other.Process.Pid, start, 0, false); err == nil || !strings.Contains(err.Error(), "is not gosinit") {
		t.Errorf("a sleep named in a root-owned status file with its start time passed for gosinit: %v", err)
	}
}

// TestSignalGosinitRechecks: shutdown and reload signal gosinit only once
// the checks of the status file's pid hold again, through a pidfd opened
// before them: a pid reused since the status file was read by another
// program is refused, and the pidfd's process is the one signalled.
func TestSignalGosinitRechecks(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	other := startProcess(t, sleep, "sleep", "1000")
	st := &proc.Status{Pid: other.Process.Pid, Owner: uint32(os.Getuid())}
	if err := signalGosinit(-1, st, unix.SIGTERM); err == nil || !strings.Contains(err.Error(), "is not gosinit") {
		t.Errorf("a sleep was signalled as gosinit: %v", err)
	}
	if err := unix.Kill(other.Process.Pid, 0); err != nil {
		t.Errorf("the sleep is gone: %v", err)
	}

	g := startProcess(t, sleep, "gosinit", "1000")
	fd, err := unix.PidfdOpen(g.Process.Pid, 0)
	if err != nil {
		t.Skip("no pidfds:", err)
	}
	defer unix.Close(fd)
	st.Pid = g.Process.Pid
	if err := signalGosinit(fd, st, unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
			t.Errorf("gosinit's pid ended with %v, want SIGTERM", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the pidfd's process did not get SIGTERM")
	}
}

// TestCtlNoGosinitExitCodes: with no gosinit running, supervisorctl's
// status exits 4, but its pid, tail, maintail and signal exit 7
// (LSBInitExitStatuses.NOT_RUNNING from upcheck), as Debian's 4.2.5 does
// when supervisord's socket does not exist.
func TestCtlNoGosinitExitCodes(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "s.conf")
	ini := "[gosinit]\nstatus_file = " + filepath.Join(dir, "st", "none.json") + "\n[program:a]\ncommand = sleep 1\n"
	if err := os.WriteFile(conf, []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"status"}, 4},
		{[]string{"status", "a"}, 4},
		{[]string{"pid"}, 7},
		{[]string{"pid", "a"}, 7},
		{[]string{"tail", "a"}, 7},
		{[]string{"maintail"}, 7},
		{[]string{"signal", "HUP", "a"}, 7},
		{[]string{"status"}, 4}, // again, after the others
	} {
		_, errs, code := runCmd(runCtl, append([]string{"-c", conf}, tt.args...)...)
		if code != tt.code || !strings.Contains(errs, "no gosinit is running") {
			t.Errorf("supervisorctl %v with no gosinit: exit %d, %q; want exit %d", tt.args, code, errs, tt.code)
		}
	}
}

// TestCtlUnreadableConfig: supervisorctl -c FILE that cannot be read is an
// error naming it (exit 2, as supervisorctl's "could not find config
// file"), never the default status file, which may be another gosinit's.
func TestCtlUnreadableConfig(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.conf")
	for _, args := range [][]string{{"status"}, {"pid"}, {"tail", "a"}, {"signal", "HUP", "a"}} {
		cmd := exec.Command(gosinitBin, append([]string{"supervisorctl", "-c", missing}, args...)...)
		var errs strings.Builder
		cmd.Stderr = &errs
		err := cmd.Run()
		code := -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if want := missing + ": cannot read: no such file or directory\n"; code != 2 || errs.String() != want {
			t.Errorf("supervisorctl -c %s %v: exit %d, %q; want exit 2 and %q", missing, args, code, errs.String(), want)
		}
	}
}
