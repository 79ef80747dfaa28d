package main

// Resource exhaustion: gosinit as PID 1 with a full disk, a full file
// table or a full process table. It must run on, say which program and
// why, and recover once the resource is back.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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

// TestSpawnErrorNamesProcessOutOfFiles: a spawn that finds the file
// table full is supervisord's spawn error, naming the process, not
// "couldn't set up output: pipe2: too many open files", which says
// neither which of the 20 processes failed nor that it was a spawn.
func TestSpawnErrorNamesProcessOutOfFiles(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("no prlimit")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "supervisord.conf")
	os.WriteFile(conf, []byte(strings.ReplaceAll(base, "@DIR@", dir)+`minfds=32

[program:w]
command=sleep 1000
process_name=w%(process_num)d
numprocs=20
startretries=0
`), 0o644)
	status := filepath.Join(dir, "status.json")
	r := &confRun{initRun: launch(t, prlimit, "", true, nil, "--nofile=32", gosinitBin, "-c", conf, "--status-file", status), dir: dir, status: status}
	m := r.waitStatus(t, 20*time.Second, "every process RUNNING or FATAL", func(m map[string]proc.ProcessStatus) bool {
		for _, p := range m {
			if p.State != proc.Running && p.State != proc.Fatal {
				return false
			}
		}
		return len(m) == 20
	})
	fatal := 0
	for name, p := range m {
		if p.State != proc.Fatal {
			continue
		}
		fatal++
		if want := "too many open files to spawn '" + name + "'"; p.Spawnerr != want {
			t.Errorf("%s: spawnerr %q, want %q", name, p.Spawnerr, want)
		} else {
			r.wantLog(t, "spawnerr: "+want)
		}
	}
	if fatal == 0 {
		t.Fatalf("no spawn ran out of descriptors: %v", m)
	}
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

// pidsCgroup makes a pids cgroup (v2, else v1) for the test, or skips.
func pidsCgroup(t *testing.T) string {
	t.Helper()
	dir, _ := testCgroup(t, "pids", "pids.max", "pids.max")
	return dir
}

// testCgroup makes a cgroup for the test where the controller has its file
// (v2's v2file, else v1's v1file), or skips. It returns the cgroup and
// that file's path; the cgroup is removed once empty, at cleanup.
func testCgroup(t *testing.T, controller, v2file, v1file string) (string, string) {
	t.Helper()
	staleCgroupsOnce.Do(removeStaleCgroups)
	for _, root := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/" + controller} {
		dir := filepath.Join(root, "gosinit-test-"+strconv.Itoa(os.Getpid()))
		if os.Mkdir(dir, 0o755) != nil {
			continue
		}
		file := filepath.Join(dir, v2file)
		if root != "/sys/fs/cgroup" {
			file = filepath.Join(dir, v1file)
		}
		if _, err := os.Stat(file); err != nil {
			os.Remove(dir)
			continue
		}
		t.Cleanup(func() {
			// Once gosinit, cleaned up before, and its last zombie are gone.
			deadline := time.Now().Add(10 * time.Second)
			for os.Remove(dir) != nil && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
		})
		return dir, file
	}
	t.Skip("no " + controller + " cgroup can be made here")
	return "", ""
}

// removeStaleCgroups removes the cgroups, of any controller, that test
// binaries no longer running left behind (a binary killed mid-test never
// runs its cleanups; Pdeathsig has killed what it started, so they are
// empty). A cgroup that still has a task is not removed: rmdir fails.
func removeStaleCgroups() {
	v2, _ := filepath.Glob("/sys/fs/cgroup/gosinit-test-*")
	v1, _ := filepath.Glob("/sys/fs/cgroup/*/gosinit-test-*")
	for _, dir := range append(v2, v1...) {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(dir), "gosinit-test-"))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); os.IsNotExist(err) {
			os.Remove(dir)
		}
	}
}

var staleCgroupsOnce sync.Once

// starvedCPU is a cpu cgroup with a quota of 10% of one CPU, lifted at
// cleanup, before the cgroup is removed.
func starvedCPU(t *testing.T) string {
	t.Helper()
	needRoot(t)
	cg, quota := testCgroup(t, "cpu", "cpu.max", "cpu.cfs_quota_us")
	limit, unlimited := "10000 100000", "max 100000"
	if filepath.Base(quota) == "cpu.cfs_quota_us" {
		limit, unlimited = "10000", "-1"
	}
	if err := os.WriteFile(quota, []byte(limit), 0o644); err != nil {
		t.Skipf("cannot set %s: %v", quota, err)
	}
	t.Cleanup(func() { os.WriteFile(quota, []byte(unlimited), 0o644) })
	return cg
}

// TestStatusWrittenWhileLoopNeverIdle: on a starved CPU (a cgroup's quota
// of 10%), the start of 200 programs takes seconds, and then, as they
// crash-loop, the loop is busy for ever: an exit is always waiting, and
// each reaped one is respawned. The status file must still follow the
// start and the changes, p's exit must be seen among the others', and
// SIGTERM must still stop everything, rather than wait for a moment the
// loop has nothing to do.
func TestStatusWrittenWhileLoopNeverIdle(t *testing.T) {
	launchCgroup = starvedCPU(t) // gosinit, and every program it spawns, in the cgroup
	r := startConf(t, base+`
[program:r]
command=/bin/true
process_name=r%(process_num)d
numprocs=200
startsecs=0
autorestart=true
stdout_logfile=NONE
stderr_logfile=NONE

[program:p]
command=/bin/sh -c 'sleep 2; exit 3'
startsecs=0
autorestart=false
`)
	// The start is spread over turns of the loop: the status file shows
	// it under way, some programs not yet started. (In one go, the first
	// status file came once all 200 were, 8 to 60 s on, and no exit was
	// reaped meanwhile.)
	first := r.waitStatus(t, 60*time.Second, "a status file", func(map[string]proc.ProcessStatus) bool { return true })
	stopped := 0
	for _, p := range first {
		if p.State == proc.Stopped && p.Group == "r" {
			stopped++
		}
	}
	if stopped == 0 {
		t.Errorf("the first status file shows all 200 programs started: the start was not written as it went")
	}
	var state string
	for deadline := time.Now().Add(60 * time.Second); state != "EXITED"; time.Sleep(20 * time.Millisecond) {
		if st, err := proc.ReadStatus(r.status); err == nil {
			for _, p := range st.Processes {
				if p.Name == "p" {
					state = p.Statename
				}
			}
		}
		if time.Now().After(deadline) || !r.alive() {
			t.Fatalf("the status file shows p %q, not EXITED, 60 s on (gosinit alive: %v); stderr:\n%s", state, r.alive(), tail(r.stderr.String(), 2000))
		}
	}
	// docker stop, still on the starved CPU: done within its 10 s.
	unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
	if code := r.wait(t, 10*time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
}

// TestStopDuringSlowStart: docker stop while 200 programs are still being
// started on a starved CPU ends gosinit within docker's 10 s, and the
// programs not yet started never are.
func TestStopDuringSlowStart(t *testing.T) {
	launchCgroup = starvedCPU(t)
	r := startConf(t, base+`
[program:s]
command=/bin/sleep 1000
process_name=s%(process_num)d
numprocs=200
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE
`)
	r.waitStatus(t, 60*time.Second, "a status file", func(map[string]proc.ProcessStatus) bool { return true })
	unix.Kill(r.cmd.Process.Pid, unix.SIGTERM)
	if code := r.wait(t, 10*time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
	if n := strings.Count(r.stderr.String(), "spawned: "); n == 0 || n >= 200 {
		t.Errorf("%d of the 200 spawned, want some but not all: the rest never start once SIGTERM is in", n)
	}
}

// TestReloadStartsAddedAsTheLoopTurns: a reload that adds 100 programs,
// on a starved CPU, starts them a batch per turn of the loop, as the
// start does: the status file shows the reload done with some of them not
// yet started, rather than nothing until all 100 were, and they all come
// up.
func TestReloadStartsAddedAsTheLoopTurns(t *testing.T) {
	launchCgroup = starvedCPU(t)
	r := startConf(t, base+`
[program:first]
command=/bin/sleep 1000
startsecs=0
`)
	r.waitStatus(t, 30*time.Second, "first RUNNING", allIn(proc.Running, "first"))
	r.rewrite(t, base+`
[program:first]
command=/bin/sleep 1000
startsecs=0

[program:w]
command=/bin/sleep 1000
process_name=w%(process_num)d
numprocs=100
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE
`)
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	st := r.waitGeneration(t, 1, 60*time.Second)
	stopped := 0
	for _, p := range st.Processes {
		if p.Group == "w" && p.State == proc.Stopped {
			stopped++
		}
	}
	if stopped == 0 {
		t.Errorf("the first status file of the reload shows all 100 added programs started: the reload started them in one go")
	}
	r.waitStatus(t, 60*time.Second, "the 100 RUNNING", func(m map[string]proc.ProcessStatus) bool {
		n := 0
		for _, p := range m {
			if p.Group == "w" && p.State == proc.Running {
				n++
			}
		}
		return n == 100
	})
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

// TestReloadDuringStartNeverStartsTheOldVersion: a SIGHUP while the start
// is still under way (a starved CPU, 100 programs before z) changes z,
// which is still waiting to be started, and removes old, which stops only
// once the test says so. z must start once, with its new command, not
// once with its old one while the reload waits for old to stop, then
// again.
func TestReloadDuringStartNeverStartsTheOldVersion(t *testing.T) {
	launchCgroup = starvedCPU(t)
	conf := func(z string, withOld bool) string {
		c := base + `
[program:a]
command=/bin/sleep 1000
process_name=a%(process_num)d
numprocs=100
startsecs=0
priority=1
stdout_logfile=NONE
stderr_logfile=NONE

[program:z]
command=` + z + `
startsecs=0
priority=2
`
		if withOld {
			c += `
[program:old]
command=/bin/sh -c 'trap "" TERM; while [ ! -e @DIR@/go ]; do sleep 0.1; done'
startsecs=0
stopwaitsecs=60
priority=0
`
		}
		return c
	}
	r := startConf(t, conf("/bin/sleep 1001", true))
	r.waitStatus(t, 30*time.Second, "old RUNNING, z not yet started", func(m map[string]proc.ProcessStatus) bool {
		return m["old"].State == proc.Running && m["z"].State == proc.Stopped
	})
	r.rewrite(t, conf("/bin/sleep 1002", false))
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	// The start goes on while old is stopping: every a, and z's turn,
	// come and go; then old may stop, and the reload go on.
	names := numbered("a", 100)
	r.waitStatus(t, 60*time.Second, "a0..a99 RUNNING", allIn(proc.Running, names...))
	if err := os.WriteFile(filepath.Join(r.dir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r.waitGeneration(t, 1, 60*time.Second)
	m := r.waitStatus(t, 60*time.Second, "z RUNNING", allIn(proc.Running, "z"))
	if n := strings.Count(r.stderr.String(), "spawned: 'z'"); n != 1 {
		t.Errorf("z spawned %d times, want once (with its new command); stderr:\n%s", n, tail(r.stderr.String(), 3000))
	}
	cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(hostChild(t, r.cmd.Process.Pid, m["z"].Pid)) + "/cmdline")
	if string(cmdline) != "/bin/sleep\x001002\x00" {
		t.Errorf("z runs %q, want the new command", cmdline)
	}
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

// TestThreadsDoNotGrowWithCPUs: on a machine of many CPUs (GOMAXPROCS=64
// stands for one here), gosinit with 50 programs writing to log files
// keeps the threads it has on two: its Go code runs on at most two Ps.
// With a P per CPU, the start's garbage collection alone took it to 30
// threads and twice the memory.
func TestThreadsDoNotGrowWithCPUs(t *testing.T) {
	r := startConfEnv(t, []string{"GOMAXPROCS=64"}, base+`
[program:w]
command=/bin/sh -c 'while :; do echo line; sleep 0.05; done'
process_name=w%(process_num)d
numprocs=50
stdout_logfile=@DIR@/w%(process_num)d.log
stderr_logfile=NONE
`)
	names := numbered("w", 50)
	r.waitStatus(t, 30*time.Second, "w0..w49 RUNNING", allIn(proc.Running, names...))
	r.settled(t)
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(r.cmd.Process.Pid) + "/task")
	if len(tasks) > 16 {
		t.Errorf("gosinit has %d threads with GOMAXPROCS=64, want at most 16", len(tasks))
	}
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

// TestThreadsBoundedWhileProgramsFloodLogs: forty programs writing to log
// files as fast as they can keep gosinit's threads bounded. Each copier's
// read and write is a system call long enough for the runtime to hand its
// P to another thread, so before the copiers took turns (readSlots,
// writeGate) every copier came to hold a thread: 29 two seconds in and 57
// eight seconds in, with fifty programs; each one a task of the
// container's pids limit, which the runtime cannot survive reaching.
func TestThreadsBoundedWhileProgramsFloodLogs(t *testing.T) {
	const n = 40
	r := startConf(t, base+`
[program:w]
command=/bin/dd if=/dev/zero bs=64k status=none
process_name=w%(process_num)d
numprocs=40
stdout_logfile=@DIR@/w%(process_num)d.log
stdout_logfile_maxbytes=4MB
stdout_logfile_backups=1
stderr_logfile=NONE
`)
	names := numbered("w", n)
	r.waitStatus(t, 30*time.Second, "w0..w39 RUNNING", allIn(proc.Running, names...))
	most := 0
	for end := time.Now().Add(4 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(r.cmd.Process.Pid) + "/task")
		most = max(most, len(tasks))
	}
	t.Logf("gosinit had up to %d threads", most)
	if most > 16 {
		t.Errorf("gosinit had up to %d threads while %d programs wrote to log files, want at most 16", most, n)
	}
	// Turns are taken in order: every program's output reached its file.
	wantLogged(t, r.dir, names)
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

// settled waits until gosinit's loop has gone idle once since its start
// (its settle, a collection, runs then, on every thread the runtime
// wants) and handled a signal after it: SIGUSR2's line is logged.
func (r *initRun) settled(t *testing.T) {
	t.Helper()
	unix.Kill(r.cmd.Process.Pid, unix.SIGUSR2)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(r.stderr.String(), "received SIGUSR2"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no SIGUSR2 line; stderr:\n%s", r.stderr.String())
		}
	}
}

// numbered is prefix0 ... prefix(n-1): the process names of numprocs=n.
func numbered(prefix string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = prefix + strconv.Itoa(i)
	}
	return names
}

// wantLogged: each program's rotating log file dir/NAME.log, or its
// backup, holds something. In that order: a rotation renames NAME.log to
// NAME.log.1, then opens a new, empty NAME.log.
func wantLogged(t *testing.T, dir string, names []string) {
	t.Helper()
	for _, name := range names {
		logged := false
		for _, p := range []string{name + ".log", name + ".log.1"} {
			if fi, err := os.Stat(filepath.Join(dir, p)); err == nil && fi.Size() > 0 {
				logged = true
				break
			}
		}
		if !logged {
			t.Errorf("%s: nothing in its log file or its backup", name)
		}
	}
}

// pidsLimited moves gosinit alone into the pids cgroup cg (its programs
// stay where they are), once its loop has settled, and limits it to the
// tasks it has then plus headroom, lifted at cleanup. It returns those
// tasks. The Go runtime cannot survive a thread it needs and may not
// create (newosproc), so only gosinit is limited, and only once it has
// the threads its start wanted.
func (r *initRun) pidsLimited(t *testing.T, cg string, headroom int) int {
	t.Helper()
	r.settled(t)
	if err := os.WriteFile(filepath.Join(cg, "cgroup.procs"), []byte(strconv.Itoa(r.cmd.Process.Pid)), 0o644); err != nil {
		t.Skipf("cannot move gosinit into %s: %v", cg, err)
	}
	cur, _ := os.ReadFile(filepath.Join(cg, "pids.current"))
	n, err := strconv.Atoi(strings.TrimSpace(string(cur)))
	if err != nil {
		t.Fatalf("%s/pids.current: %q", cg, cur)
	}
	if err := os.WriteFile(filepath.Join(cg, "pids.max"), []byte(strconv.Itoa(n+headroom)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.WriteFile(filepath.Join(cg, "pids.max"), []byte("max"), 0o644) })
	return n
}

// TestLogFloodWithinPidsLimit: gosinit alone in a pids cgroup with eight
// tasks of headroom over the threads it has once started, then forty
// programs flood their log files. The Go runtime cannot survive a thread
// it needs and may not create; with a thread per copier (48 in
// TestThreadsBoundedWhileProgramsFloodLogs before the copiers took turns)
// gosinit died here of newosproc, taking the container with it.
func TestLogFloodWithinPidsLimit(t *testing.T) {
	needRoot(t)
	cg := pidsCgroup(t)
	r := startConf(t, base+`
[program:w]
command=/bin/sh -c 'while [ ! -e @DIR@/go ]; do sleep 0.05; done; exec /bin/dd if=/dev/zero bs=64k status=none'
process_name=w%(process_num)d
numprocs=40
stdout_logfile=@DIR@/w%(process_num)d.log
stdout_logfile_maxbytes=4MB
stdout_logfile_backups=1
stderr_logfile=NONE
`)
	names := numbered("w", 40)
	r.waitStatus(t, 30*time.Second, "w0..w39 RUNNING", allIn(proc.Running, names...))
	n := r.pidsLimited(t, cg, 8)
	os.WriteFile(filepath.Join(r.dir, "go"), nil, 0o644)
	// Four seconds of flood, then every program's output is in its file
	// and gosinit still stops cleanly.
	deadline := time.Now().Add(4 * time.Second)
	for time.Now().Before(deadline) && r.alive() {
		time.Sleep(50 * time.Millisecond)
	}
	if !r.alive() {
		msg := r.stderr.String()
		if i := strings.Index(msg, "runtime: "); i >= 0 { // the runtime's last words, not its stacks
			msg = msg[i:min(i+600, len(msg))]
		}
		t.Fatalf("gosinit died under the pids limit (%d tasks + 8):\n%s", n, msg)
	}
	wantLogged(t, r.dir, names)
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

// TestSpawnErrorNamesProcessOutOfPids: a fork that finds the process
// table full (a pids cgroup at its limit) is supervisord's spawn error,
// naming the process, not "couldn't exec sleep: EAGAIN"; the process
// backs off to FATAL, and gosinit runs on and still reaps.
func TestSpawnErrorNamesProcessOutOfPids(t *testing.T) {
	needRoot(t)
	cg := pidsCgroup(t)
	r := startConf(t, base+`
[program:w]
command=sleep 1000
process_name=w%(process_num)d
numprocs=3
startsecs=0
startretries=1
`)
	r.waitStatus(t, 10*time.Second, "w0..w2 RUNNING", allIn(proc.Running, "w0", "w1", "w2"))
	var m map[string]proc.ProcessStatus
	// Not one more task in gosinit's cgroup.
	r.pidsLimited(t, cg, 0)
	kids := childrenOf(r.cmd.Process.Pid)
	if len(kids) != 3 {
		t.Fatalf("gosinit's children: %v, want 3", kids)
	}
	victim, _ := strconv.Atoi(kids[0])
	unix.Kill(victim, unix.SIGKILL)
	var name string
	m = r.waitStatus(t, 10*time.Second, "one process FATAL", func(m map[string]proc.ProcessStatus) bool {
		for n, p := range m {
			if p.State == proc.Fatal {
				name = n
				return true
			}
		}
		return false
	})
	want := "Too many processes in process table to spawn '" + name + "'"
	if m[name].Spawnerr != want {
		t.Errorf("%s: spawnerr %q, want %q", name, m[name].Spawnerr, want)
	}
	r.wantLog(t, "spawnerr: "+want, "gave up: "+name+" entered FATAL state")
	if n := len(childrenOf(r.cmd.Process.Pid)); n != 2 {
		t.Errorf("gosinit has %d children, want the 2 still running", n)
	}
	os.WriteFile(filepath.Join(cg, "pids.max"), []byte("max"), 0o644)
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}
