package main

// Resource exhaustion: gosinit as PID 1 with a full disk, a full file
// table or a full process table. It must run on, say which program and
// why, and recover once the resource is back.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/proc"
)

// fullTmpfs mounts a 64 kB tmpfs at a new directory and fills it; the
// returned function frees the space.
func fullTmpfs(t *testing.T) (dir string, free func()) {
	t.Helper()
	needRoot(t)
	dir = filepath.Join(t.TempDir(), "full")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0755"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := f.Write(make([]byte, 4096)); err != nil {
			break
		}
	}
	f.Close()
	return dir, func() { os.Remove(filler) }
}

// TestStatusFileWrittenOnceDiskHasRoom: a status file that cannot be
// written (its tmpfs is full) is reported once; once there is room it is
// written, even when no program changes state any more: `gosinit status`
// would otherwise say for ever that no gosinit runs.
func TestStatusFileWrittenOnceDiskHasRoom(t *testing.T) {
	full, free := fullTmpfs(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "supervisord.conf")
	os.WriteFile(conf, []byte(strings.ReplaceAll(base, "@DIR@", dir)+`
[program:idle]
command=sleep 1000
startsecs=0
`), 0o644)
	status := filepath.Join(full, "status.json")
	r := &confRun{initRun: startInit(t, true, nil, "-c", conf, "--status-file", status), dir: dir, status: status}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(r.stderr.String(), "no space left on device") {
		if time.Now().After(deadline) || !r.alive() {
			t.Fatalf("no status write failure logged; stderr:\n%s", r.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	free()
	r.waitStatus(t, 10*time.Second, "the status file, once the disk has room", allIn(proc.Running, "idle"))
	if n := strings.Count(r.stderr.String(), "write status file"); n != 1 {
		t.Errorf("the failed status write was logged %d times, want once:\n%s", n, r.stderr.String())
	}
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

// TestLogFilesFitSupervisordsDescriptors: 100 programs with two AUTO log
// files each, under a file limit of 512. supervisord needs about 500
// descriptors for them (three pipes and two files a process); gosinit
// needs fewer (its stdin pipe is shared), unless every log file keeps its
// own descriptor of its directory too: then 200 files lost their output
// and the status file could not be written.
func TestLogFilesFitSupervisordsDescriptors(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("no prlimit")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "supervisord.conf")
	os.WriteFile(conf, []byte(strings.ReplaceAll(base, "@DIR@", dir)+`minfds=512

[program:w]
command=/bin/sh -c 'echo out; echo err >&2; exec sleep 1000'
process_name=w%(process_num)d
numprocs=100
startsecs=0
`), 0o644)
	status := filepath.Join(dir, "status.json")
	r := &confRun{initRun: launch(t, prlimit, "", true, nil, "--nofile=512", gosinitBin, "-c", conf, "--status-file", status), dir: dir, status: status}
	m := r.waitStatus(t, 30*time.Second, "100 programs RUNNING", func(m map[string]proc.ProcessStatus) bool {
		if len(m) != 100 {
			return false
		}
		for _, p := range m {
			if p.State != proc.Running {
				return false
			}
		}
		return true
	})
	for name, p := range m {
		if got := waitFileContent(p.StdoutLogfile, "out\n", 10*time.Second); got != "out\n" {
			t.Errorf("%s: stdout log %q, want %q", name, got, "out\n")
			break
		}
	}
	if strings.Contains(r.stderr.String(), "too many open files") {
		t.Errorf("gosinit ran out of descriptors:\n%s", r.stderr.String())
	}
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}
