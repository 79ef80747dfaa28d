package main

// Tests of tini's and dumb-init's flags (tiniflags.go): an ENTRYPOINT
// written for either keeps working with gosinit in its place.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestTiniFlagsAccepted(t *testing.T) {
	exit3 := []string{"--", "/bin/sh", "-c", "exit 3"}
	// a program that leaves an orphan to reap, then exits 3
	orphan := []string{"--", "/bin/sh", "-c", "(/bin/sleep 0 &); /bin/sleep 0.3; exit 3"}
	tests := []struct {
		name   string
		args   []string
		prog   []string // exit3 if nil
		env    []string
		code   int
		stdout string         // exactly
		stderr *regexp.Regexp // nil: empty
	}{
		{name: "tini -s", args: []string{"-s"}, code: 3},
		{name: "tini -w -g", args: []string{"-w", "-g"}, code: 3},
		{name: "tini -p SIGTERM", args: []string{"-p", "SIGTERM"}, code: 3},
		{name: "tini -e 3", args: []string{"-e", "3"}, code: 0},
		// getopt's clusters, as images write them: tini -sg --
		{name: "tini -sg", args: []string{"-sg"}, code: 3},
		{name: "tini -gsw -e3", args: []string{"-gsw", "-e3"}, code: 0},
		{name: "tini -sge 3", args: []string{"-sge", "3"}, code: 0},
		{name: "tini -spSIGTERM", args: []string{"-spSIGTERM"}, code: 3},
		{name: "tini -sgx", args: []string{"-sgx"}, code: 2, stderr: regexp.MustCompile(`^gosinit: flag provided but not defined: -sgx `)},
		{name: "mistyped -gracee", args: []string{"-gracee", "1s"}, code: 2, stderr: regexp.MustCompile(`^gosinit: flag provided but not defined: -gracee `)},
		{name: "dumb-init --rewrite", args: []string{"--rewrite", "15:3", "-r", "TERM:0"}, code: 3},
		{name: "dumb-init --single-child", args: []string{"--single-child"}, code: 3},
		// -v before a COMMAND is tini's verbosity, not the version.
		{name: "tini -v", args: []string{"-v"}, code: 3,
			stderr: regexp.MustCompile(`(?s)^\S+ \S+ INFO gosinit started with pid 1\n.* INFO spawned main program '/bin/sh' with pid \d+\n.* INFO main program exited \(exit status 3\)\n$`)},
		{name: "dumb-init --verbose", args: []string{"--verbose"}, code: 3, stderr: regexp.MustCompile(`INFO spawned main program '/bin/sh'`)},
		{name: "tini -vv", args: []string{"-vv"}, prog: orphan, code: 3, stderr: regexp.MustCompile(`(?s)INFO spawned main program.*DEBG reaped pid \d+ \(exit status 0\)`)},
		{name: "TINI_VERBOSITY=2", env: []string{"TINI_VERBOSITY=2"}, code: 3, stderr: regexp.MustCompile(`INFO spawned main program '/bin/sh'`)},
		{name: "TINI_VERBOSITY=1", env: []string{"TINI_VERBOSITY=1"}, code: 3},
		// dumb-init's debug mode logs each child reaped and signal passed on.
		{name: "DUMB_INIT_DEBUG=1", env: []string{"DUMB_INIT_DEBUG=1"}, prog: orphan, code: 3, stderr: regexp.MustCompile(`(?s)INFO spawned main program.*DEBG reaped pid \d+ \(exit status 0\)`)},
		{name: "DUMB_INIT_DEBUG=0", env: []string{"DUMB_INIT_DEBUG=0"}, code: 3},
		{name: "GOSINIT_WARN_ON_REAP=yes", env: []string{"GOSINIT_WARN_ON_REAP=yes"}, code: 2,
			stderr: regexp.MustCompile(`GOSINIT_WARN_ON_REAP="yes" is not a boolean`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prog := tt.prog
			if prog == nil {
				prog = exit3
			}
			r := startInit(t, true, tt.env, append(tt.args, prog...)...)
			code := r.wait(t, 10*time.Second)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, r.stderr.String())
			}
			if r.stdout.String() != tt.stdout {
				t.Errorf("stdout %q, want %q", r.stdout.String(), tt.stdout)
			}
			if got := r.stderr.String(); (tt.stderr == nil && got != "") || (tt.stderr != nil && !tt.stderr.MatchString(got)) {
				t.Errorf("stderr:\n%s\nwant %v", got, tt.stderr)
			}
		})
	}
	// With -c, -v before a COMMAND raises the file's loglevel=warn too.
	conf := filepath.Join(t.TempDir(), "warn.conf")
	os.WriteFile(conf, []byte("[supervisord]\nloglevel=warn\nlogfile=/dev/null\n"), 0o644)
	for _, v := range []bool{false, true} {
		args := []string{"-c", conf, "--status-file", filepath.Join(filepath.Dir(conf), "status.json")}
		if v {
			args = append(args, "-v")
		}
		r := startInit(t, true, []string{"TINI_VERBOSITY=3"}, append(args, exit3...)...)
		code := r.wait(t, 10*time.Second)
		if got := strings.Contains(r.stderr.String(), "INFO spawned main program"); code != 3 || got != v {
			t.Errorf("-c with -v %v: exit %d, info lines %v (want 3, %v); stderr:\n%s", v, code, got, v, r.stderr.String())
		}
	}
	// -v (or -V) alone is the version, as in supervisord and dumb-init.
	for _, flag := range []string{"-v", "-V", "--version"} {
		r := startInit(t, false, nil, flag)
		if code := r.wait(t, 10*time.Second); code != 0 || !strings.HasPrefix(r.stdout.String(), "gosinit ") {
			t.Errorf("%s: exit %d, stdout %q: want the version", flag, code, r.stdout.String())
		}
	}
	// Bad values are usage errors naming the flag.
	for _, args := range [][]string{{"-p", "SIGNOPE"}, {"-p", "99"}, {"--rewrite", "15"}, {"-r", "15:SIG_IGN"}} {
		r := startInit(t, false, nil, append(args, exit3...)...)
		if code := r.wait(t, 10*time.Second); code != 2 || !strings.Contains(r.stderr.String(), "flag -"+strings.TrimLeft(args[0], "-")+":") {
			t.Errorf("%v: exit %d, stderr %q: want 2 and the flag named", args, code, r.stderr.String())
		}
	}
}

// TestRewriteSignals: dumb-init's --rewrite. TERM goes on as QUIT, USR1 is
// dropped, USR2 goes on as it is; with --single-child (or
// DUMB_INIT_SETSID=0) only the program gets them, not its group.
func TestRewriteSignals(t *testing.T) {
	for _, tt := range []struct {
		name    string
		args    []string
		env     []string
		grandch bool // the grandchild gets the signals too
	}{
		{name: "group", args: []string{"--rewrite", "TERM:QUIT", "-r", "10:0"}, grandch: true},
		{name: "--single-child", args: []string{"--rewrite", "15:3", "-r", "USR1:0", "--single-child"}},
		{name: "DUMB_INIT_SETSID=0", args: []string{"--rewrite", "15:3", "-r", "USR1:0"}, env: []string{"DUMB_INIT_SETSID=0", "GOSINIT_REWRITE="}},
		{name: "GOSINIT_REWRITE", env: []string{"GOSINIT_REWRITE=15:3, USR1:0"}, grandch: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "sigs")
			args := append(append(tt.args, "--"), helperCmd("sigrec", file, "child", "spawn")...)
			r := startInit(t, true, tt.env, args...)
			if got := waitFileLines(file, 2, 10*time.Second); len(got) < 2 {
				t.Fatalf("helpers not ready: %q; stderr %s", got, r.stderr.String())
			}
			// One at a time, each waited for: USR1, were it passed
			// on, would reach the helpers before USR2.
			per := 1
			if tt.grandch {
				per = 2
			}
			unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
			waitFileLines(file, 2+per, 10*time.Second)
			unix.Kill(r.cmd.Process.Pid, unix.SIGUSR1)
			unix.Kill(r.cmd.Process.Pid, unix.SIGUSR2)
			lines := waitFileLines(file, 2+2*per, 10*time.Second)
			got := map[string]bool{}
			for _, l := range lines[2:] {
				got[l] = true
			}
			for _, role := range []string{"child", "grandchild"} {
				gets := role == "child" || tt.grandch
				for sig, wantGot := range map[unix.Signal]bool{unix.SIGQUIT: gets, unix.SIGUSR2: gets, unix.SIGTERM: false, unix.SIGUSR1: false} {
					if line := fmt.Sprintf("%s %d", role, sig); got[line] != wantGot {
						t.Errorf("%s got %s: %v, want %v (lines %q)", role, unix.SignalName(sig), got[line], wantGot, lines)
					}
				}
			}
		})
	}
}

// TestWarnOnReap: tini's -w logs each orphan gosinit reaps.
func TestWarnOnReap(t *testing.T) {
	// The subshell's sleep is orphaned at once and exits 0 while the
	// program still runs.
	prog := []string{"--", "/bin/sh", "-c", "(/bin/sleep 0 &); /bin/sleep 0.3; exit 0"}
	warn := regexp.MustCompile(`WARN reaped zombie pid \d+ \(exit status 0\)`)
	r := startInit(t, true, nil, append([]string{"-w"}, prog...)...)
	if code := r.wait(t, 10*time.Second); code != 0 || !warn.MatchString(r.stderr.String()) {
		t.Errorf("-w: exit %d, stderr %q: want 0 and %v", code, r.stderr.String(), warn)
	}
	r = startInit(t, true, nil, prog...)
	if code := r.wait(t, 10*time.Second); code != 0 || r.stderr.String() != "" {
		t.Errorf("without -w: exit %d, stderr %q: want 0 and nothing", code, r.stderr.String())
	}
}

// TestParentDeathSignal: tini's -p. gosinit runs under a shell (not PID 1);
// when the shell is killed, gosinit gets SIGTERM, passes it on to its
// program and exits with 128+15.
func TestParentDeathSignal(t *testing.T) {
	dir := t.TempDir()
	// gosinit's output goes to a file: were it to outlive the shell
	// holding the test's pipes, the shell's Wait would never return.
	script := fmt.Sprintf(`%s -p SIGTERM -- /bin/sh -c 'echo $$ > %s/child; exec /bin/sleep 1000' >%s/out 2>&1 & echo $! > %s/gosinit; wait`,
		gosinitBin, dir, dir, dir)
	parent := launch(t, "/bin/sh", dir, false, nil, "-c", script)
	readPid := func(name string) int {
		deadline := time.Now().Add(10 * time.Second)
		for {
			b, _ := os.ReadFile(filepath.Join(dir, name))
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				return pid
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s pid; stderr %s", name, parent.stderr.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	gpid, cpid := readPid("gosinit"), readPid("child")
	t.Cleanup(func() {
		unix.Kill(cpid, unix.SIGKILL)
		unix.Kill(gpid, unix.SIGKILL)
	})
	unix.Kill(parent.cmd.Process.Pid, unix.SIGKILL)
	<-parent.done
	gone := func(pid int) bool { st := procState(pid); return st == "" || st == "Z" }
	deadline := time.Now().Add(10 * time.Second)
	for !gone(gpid) || !gone(cpid) {
		if time.Now().After(deadline) {
			t.Fatalf("10 s after its parent died: gosinit %d in state %q, its program %d in %q", gpid, procState(gpid), cpid, procState(cpid))
		}
		time.Sleep(5 * time.Millisecond)
	}
}
