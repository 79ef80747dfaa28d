package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/proc"
)

// seedNode stands in for the seed program's node: it reports where and how
// it runs, starts a worker in its process group, and ends on SIGTERM.
const seedNode = `#!/bin/sh
echo "node $* cwd=$(pwd) uid=$(id -u) nofile=$(ulimit -n)"
echo "node stderr" >&2
sh -c 'trap "echo worker got TERM; exit 0" TERM; echo worker up; while :; do sleep 1; done' &
trap 'echo node got TERM; wait; exit 0' TERM
echo node ready
wait
`

// TestSeedRunsUnchanged runs the project's seed (../shared/seed, copied in
// config/testdata/seed) as its systemd unit does, `-n -c
// /etc/supervisor/supervisord.conf`, with test.conf in
// /etc/supervisor.conf.d: every path of both files as written, in a root of
// their own. A private mount namespace puts /usr (so /bin/sh) and a copy of
// /etc/passwd under a fresh directory and gosinit, as /supervisord, is
// chrooted there as PID 1 of its PID namespace; node is a shell stand-in
// (seedNode).
func TestSeedRunsUnchanged(t *testing.T) {
	needRoot(t)
	root := filepath.Join(t.TempDir(), "root")
	files := map[string]string{
		"etc/supervisor/supervisord.conf":           "config/testdata/seed/supervisord.conf",
		"etc/supervisor.conf.d/test.conf":           "config/testdata/seed/test.conf",
		"etc/passwd":                                "/etc/passwd",
		"etc/group":                                 "/etc/group",
		"supervisord":                               gosinitBin,
		"data/code/test_app/boot.mjs":               "",
		"root/.nvm/versions/node/v16.17.0/bin/node": "",
	}
	for rel, src := range files {
		data := []byte(seedNode)
		if src != "" {
			var err error
			if data, err = os.ReadFile(src); err != nil {
				t.Fatal(err)
			}
		}
		dst := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// What the seed's users made beside it: the log directories, /var/run.
	for _, d := range []string{"tmp/log/supervisor", "data/logs", "var/run", "run", "dev", "proc"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []string{"bin", "sbin", "lib", "lib64"} {
		if err := os.Symlink("usr/"+l, filepath.Join(root, l)); err != nil {
			t.Fatal(err)
		}
	}
	script := `set -e
mount --make-rprivate /
mkdir -p usr
mount --rbind /usr usr
mount --rbind /dev dev
mount -t proc proc proc
exec chroot . /supervisord -n -c /etc/supervisor/supervisord.conf
`
	r := launch(t, "/bin/sh", root, true, nil, "-c", script)

	statusFile := filepath.Join(root, "run/gosinit/status.json")
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := proc.ReadStatus(statusFile)
		if err == nil && len(st.Processes) == 1 && st.Processes[0].State == proc.Running {
			break
		}
		if time.Now().After(deadline) || !r.alive() {
			t.Fatalf("test not RUNNING (status %+v, err %v); stderr:\n%s", st, err, r.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	progLog := filepath.Join(root, "data/logs/sup_test.log")
	lines := waitFileLines(progLog, 4, 10*time.Second)
	out := strings.Join(lines, "\n")
	for _, want := range []string{
		"node /data/code/test_app/boot.mjs cwd=/data/code/test_app uid=0 nofile=",
		"node stderr", // redirect_stderr
		"worker up",
		"node ready",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("%s lacks %q:\n%s", progLog, want, out)
		}
	}
	if i := strings.Index(out, "nofile="); i >= 0 {
		// As far as the hard limit lets it: a container without
		// CAP_SYS_RESOURCE (Docker's default, and this machine) cannot
		// raise that, and gosinit says so and runs on.
		var lim unix.Rlimit
		unix.Getrlimit(unix.RLIMIT_NOFILE, &lim)
		want := uint64(65535)
		if lim.Max < want && !hasCap(t, unix.CAP_SYS_RESOURCE) {
			want = lim.Max
			if !strings.Contains(r.stderr.String(), "minfds=65535 asked, but the hard limit is ") {
				t.Errorf("no warning that minfds=65535 is above the hard limit (%d):\n%s", want, r.stderr.String())
			}
		}
		if n, _ := strconv.ParseUint(strings.Fields(out[i+len("nofile="):])[0], 10, 64); n < want {
			t.Errorf("minfds=65535, hard limit %d, but the program's RLIMIT_NOFILE is %d", lim.Max, n)
		}
	}
	pidfile := filepath.Join(root, "var/run/supervisord.pid")
	if b, err := os.ReadFile(pidfile); err != nil || string(b) != "1\n" {
		t.Errorf("pidfile: %q, %v; want \"1\\n\"", b, err)
	}

	unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
	if code := r.wait(t, 30*time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0; stderr:\n%s", code, r.stderr.String())
	}
	data, _ := os.ReadFile(progLog)
	for _, want := range []string{"node got TERM", "worker got TERM"} { // stopasgroup
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q after SIGTERM:\n%s", progLog, want, data)
		}
	}
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Errorf("pidfile left at exit (%v)", err)
	}
	actLog, _ := os.ReadFile(filepath.Join(root, "tmp/log/supervisor/supervisord.log"))
	for _, want := range []string{
		"spawned: 'test' with pid ",
		"success: test entered RUNNING state, process has stayed up for > than 5 seconds (startsecs)",
		"waiting for test to die",
		"stopped: test (exit status 0)",
	} {
		if !strings.Contains(string(actLog), want) {
			t.Errorf("supervisord.log lacks %q:\n%s", want, actLog)
		}
	}
	// The seed's oddities are warnings on stderr, never silence.
	// (-n sets nodaemon, as the unit's command line does.)
	for _, want := range []string{"logfile_backup", "pidfile: duplicate key"} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr lacks a warning about %s:\n%s", want, r.stderr.String())
		}
	}
}

// hasCap tells whether this process has capability c in its effective set.
func hasCap(t *testing.T, c int) bool {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	_, v, ok := strings.Cut(string(data), "\nCapEff:\t")
	if !ok {
		t.Fatal("no CapEff in /proc/self/status")
	}
	mask, err := strconv.ParseUint(strings.Fields(v)[0], 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return mask&(1<<c) != 0
}
