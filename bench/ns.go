package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// clkTck is USER_HZ, the unit of utime and stime in /proc/PID/stat (100 on
// every Linux architecture Go supports).
const clkTck = 100

// launch says how to start one init.
type launch struct {
	name string
	argv []string
	// wrap starts argv through "child pid1", which mounts a fresh /proc and
	// /run inside the namespace first (so /proc/PID/root/proc lists exactly
	// the namespace, and status files stay private), then execs argv.
	wrap bool
	// pipe gives the init a stdout pipe the harness reads lines from;
	// otherwise stdout goes to log with stderr.
	pipe bool
	log  string // file for stderr (and stdout unless pipe); "" discards
}

// instance is one running init, PID 1 of its own namespace.
type instance struct {
	name  string
	cmd   *exec.Cmd
	pid   int   // host pid of the init
	start int64 // CLOCK_MONOTONIC ns: just before fork/exec, or the wrapper's exec
	out   *bufio.Reader
	outR  *os.File
	log   string

	done     chan struct{} // closed once the init has exited and been reaped
	exitedAt int64         // CLOCK_MONOTONIC ns when Wait returned
	state    *os.ProcessState
}

var (
	liveMu sync.Mutex
	live   = map[*instance]bool{}
)

// killAll SIGKILLs every init still running and waits for each. Killing a
// PID namespace's init kills every process in the namespace.
func killAll() {
	liveMu.Lock()
	var all []*instance
	for in := range live {
		all = append(all, in)
	}
	liveMu.Unlock()
	for _, in := range all {
		in.kill()
	}
}

// monotonic is CLOCK_MONOTONIC in ns, the clock the helper child stamps with.
func monotonic() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err)
	}
	return ts.Nano()
}

func start(e *env, l launch) (*instance, error) {
	argv := l.argv
	if l.wrap {
		argv = append([]string{e.child, "pid1"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS,
		Pdeathsig:  syscall.SIGKILL, // a crashed harness leaves no namespace behind
	}
	in := &instance{name: l.name, cmd: cmd, log: l.log, done: make(chan struct{})}
	// The parent's copies of the init's stdio and stamp pipe ends are closed
	// once it has started (or failed to).
	var closeAfter []*os.File
	defer func() {
		for _, f := range closeAfter {
			f.Close()
		}
	}()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	closeAfter = append(closeAfter, devnull)
	cmd.Stdin = devnull
	var logf *os.File
	if l.log != "" {
		logf, err = os.OpenFile(l.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		closeAfter = append(closeAfter, logf)
		cmd.Stderr = logf
		cmd.Stdout = logf
	}
	if l.pipe {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		closeAfter = append(closeAfter, w)
		cmd.Stdout = w
		in.outR = r
		in.out = bufio.NewReader(r)
	}
	var stampR *os.File
	if l.wrap {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		closeAfter = append(closeAfter, w)
		cmd.ExtraFiles = []*os.File{w}
		stampR = r
		defer r.Close()
	}
	in.start = monotonic()
	if err := cmd.Start(); err != nil {
		if in.outR != nil {
			in.outR.Close()
		}
		return nil, fmt.Errorf("start %s: %w", l.name, err)
	}
	in.pid = cmd.Process.Pid
	liveMu.Lock()
	live[in] = true
	liveMu.Unlock()
	go func() {
		cmd.Wait() // the harness is this init's parent; its status is in state
		in.exitedAt = monotonic()
		in.state = cmd.ProcessState
		liveMu.Lock()
		delete(live, in)
		liveMu.Unlock()
		close(in.done)
	}()
	for _, f := range closeAfter {
		f.Close()
	}
	closeAfter = nil
	if stampR != nil {
		stampR.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := bufio.NewReader(stampR).ReadString('\n')
		if err != nil {
			in.kill()
			return nil, fmt.Errorf("start %s: no stamp from the namespace wrapper: %w%s", l.name, err, in.logTail())
		}
		in.start, err = strconv.ParseInt(strings.TrimSpace(line), 10, 64)
		if err != nil {
			in.kill()
			return nil, fmt.Errorf("start %s: stamp %q: %w", l.name, line, err)
		}
	}
	return in, nil
}

// kill SIGKILLs the init (and so its namespace), waits until it is gone and
// closes the harness's end of its stdout pipe. The pipe stays open while the
// init exits: a child's last line may still be in it (the exec section's
// child writes its stamp and exits at once), and reads have deadlines.
func (in *instance) kill() {
	if in.outR != nil {
		defer in.outR.Close()
	}
	select {
	case <-in.done:
		return
	default:
	}
	unix.Kill(in.pid, unix.SIGKILL)
	select {
	case <-in.done:
	case <-time.After(30 * time.Second):
		fmt.Fprintf(os.Stderr, "bench: %s (pid %d) still not reaped 30 s after SIGKILL\n", in.name, in.pid)
	}
}

// wait waits until the init exits or d passes.
func (in *instance) wait(d time.Duration) bool {
	select {
	case <-in.done:
		return true
	case <-time.After(d):
		return false
	}
}

func (in *instance) exited() bool {
	select {
	case <-in.done:
		return true
	default:
		return false
	}
}

// line reads one line of the init's stdout pipe within d.
func (in *instance) line(d time.Duration) (string, error) {
	in.outR.SetReadDeadline(time.Now().Add(d))
	s, err := in.out.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("%s: reading the child's output: %w%s", in.name, err, in.logTail())
	}
	return strings.TrimSpace(s), nil
}

// stampLine reads a CLOCK_MONOTONIC line written by the helper child.
func (in *instance) stampLine(d time.Duration) (int64, error) {
	s, err := in.line(d)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: child wrote %q, want a timestamp", in.name, s)
	}
	return n, nil
}

// logTail is the end of the init's log, to explain a failure.
func (in *instance) logTail() string {
	if in.log == "" {
		return ""
	}
	b, err := os.ReadFile(in.log)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return "; log ends: " + strings.TrimSpace(string(b))
}

// waitFor polls cond every interval until it holds or d passes.
func waitFor(d, interval time.Duration, what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(d)
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not reached within %v", what, d)
		}
		time.Sleep(interval)
	}
}

// children lists the host pids of pid's children, zombies included, from
// /proc/PID/task/*/children (orphans are re-parented to one of the init's
// threads, so every thread is read).
func children(pid int) ([]int, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return nil, err
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		if err != nil {
			continue // the thread exited
		}
		for _, f := range bytes.Fields(b) {
			if n, err := strconv.Atoi(string(f)); err == nil {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// childCount is len(children(pid)) without building the list.
func childCount(pid int) (int, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		if err != nil {
			continue
		}
		n += bytes.Count(b, []byte{' '})
	}
	return n, nil
}

// loadavgThreads is the number of threads on the system, zombies included,
// from the fourth field of /proc/loadavg ("running/total"): a single
// counter the kernel decrements when a process is reaped, cheap to read
// however many processes exist.
func loadavgThreads() (int, error) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 4 {
		return 0, fmt.Errorf("/proc/loadavg: malformed: %q", b)
	}
	_, total, ok := strings.Cut(f[3], "/")
	if !ok {
		return 0, fmt.Errorf("/proc/loadavg: malformed: %q", b)
	}
	return strconv.Atoi(total)
}

// procStat is the part of /proc/PID/stat the harness uses.
type procStat struct {
	state        byte
	utime, stime int64 // clock ticks
}

func readStat(path string) (procStat, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return procStat{}, err
	}
	// The command name may hold spaces and parentheses: fields start after
	// the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("%s: malformed", path)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("%s: malformed", path)
	}
	var s procStat
	s.state = f[0][0]
	s.utime, _ = strconv.ParseInt(f[11], 10, 64)
	s.stime, _ = strconv.ParseInt(f[12], 10, 64)
	return s, nil
}

// cpuNS is the CPU time pid has used, in ns: the sum of the first field of
// /proc/PID/task/*/schedstat (nanosecond run time per thread) when the
// kernel has it, else utime+stime of /proc/PID/stat (10 ms ticks). The
// second result names the source.
func cpuNS(pid int) (int64, string, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, "", err
	}
	var sum int64
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if errors.Is(err, fs.ErrNotExist) && t.Name() == strconv.Itoa(pid) {
			s, err := readStat(fmt.Sprintf("/proc/%d/stat", pid))
			return (s.utime + s.stime) * (1e9 / clkTck), "utime+stime", err
		}
		if err != nil {
			continue // the thread exited
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, "", fmt.Errorf("/proc/%d/task/%s/schedstat: %w", pid, t.Name(), err)
		}
		sum += n
	}
	return sum, "schedstat", nil
}

// statusField reads a "Key: value" line of /proc/PATH/status as an integer
// (the first number on the line).
func statusField(path, key string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && k == key {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no %s", path, key)
}

// mem is a process's resident memory in kB: VmRSS, and its anonymous and
// file-backed parts (RssAnon, RssFile; shmem is the rest). The kernel maps
// a static binary's pages as it runs, so RssFile is mostly the binary's
// size, shared with the page cache; RssAnon is what the process costs alone.
type mem struct{ rss, anon, file int64 }

func memKB(pid int) (mem, error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	var m mem
	var err error
	if m.rss, err = statusField(path, "VmRSS"); err != nil {
		return m, err
	}
	if m.anon, err = statusField(path, "RssAnon"); err != nil {
		return m, err
	}
	m.file, err = statusField(path, "RssFile")
	return m, err
}

// switches is the sum of voluntary and involuntary context switches over
// every thread of pid: each is one wake-up of the init. It also returns
// the number of threads.
func switches(pid int) (total int64, threads int, err error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, t := range tasks {
		p := fmt.Sprintf("/proc/%d/task/%s/status", pid, t.Name())
		v, err1 := statusField(p, "voluntary_ctxt_switches")
		n, err2 := statusField(p, "nonvoluntary_ctxt_switches")
		if err1 != nil || err2 != nil {
			continue // the thread exited between ReadDir and here
		}
		total += v + n
		threads++
	}
	return total, threads, nil
}

// nsProcesses lists the processes of the init's namespace through the
// /proc the wrapper mounted inside it, with their states.
func nsProcesses(pid int) (map[int]byte, error) {
	dir := fmt.Sprintf("/proc/%d/root/proc", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[int]byte{}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		s, err := readStat(filepath.Join(dir, e.Name(), "stat"))
		if err != nil {
			continue // gone
		}
		out[n] = s.state
	}
	return out, nil
}

// linking reports "static" when an ELF file has no program interpreter (no
// dynamic loader), which is what `file` calls "statically linked".
func linking(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return "dynamic", nil
		}
	}
	return "static", nil
}
