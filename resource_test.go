package main

// Resource exhaustion: gosinit as PID 1 with a full disk, a full file
// table or a full process table. It must run on, say which program and
// why, and recover once the resource is back.

import (
	"os"
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
