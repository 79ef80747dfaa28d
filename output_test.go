package main

// Output tests (issue 5): gosinit -c as PID 1 of a new PID namespace, with
// programs whose output is known byte for byte, checked where users meet
// it: the log files and their rotated copies, gosinit's own stdout and
// stderr, /proc, and the same configuration under Debian's supervisord.
//
// Deterministic chunking: supervisord and gosinit both write what one
// read(2) of the pipe returned and then decide on rotation, so file sizes
// depend on how the output was cut into reads. The "sync" helpers make
// every write(2) one read: after each write they wait until the pipe is
// empty (FIONREAD on their end of it is 0). The rotated files are then a
// pure function of the lines, which the tests compute (rotationModel).

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/proc"
)

// ---- helpers run as programs (dispatched from runHelper) ----

// patternLine is line i of the numbered-line helpers: "%08d " then a
// filler that depends on i, size bytes in all with the newline.
func patternLine(i, size int) []byte {
	b := fmt.Appendf(make([]byte, 0, size), "%08d ", i)
	for j := 0; len(b) < size-1; j++ {
		b = append(b, 'a'+byte((i+j)%26))
	}
	return append(b[:size-1], '\n')
}

// floodLine is line i of program name's flood: irregular lengths, so that
// lines straddle the helper's 64 KiB writes and the copier's reads.
func floodLine(name string, i int) string {
	return fmt.Sprintf("%s %07d %s", name, i, strings.Repeat("xyz"[i%3:i%3+1], i%97))
}

// longLine is the flood's line longer than 64 KiB, without its newline.
func longLine(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0' + byte(i%10)
	}
	return b
}

const floodPartial = "-partial-end"

func outHelper(name string, args []string) int {
	switch name {
	case "outlines":
		// outlines N SIZE FLAGS: N pattern lines of SIZE bytes, one
		// write(2) each. FLAGS, comma-separated: sync (wait after each
		// write until the pipe is empty), stderr (odd lines go to fd 2),
		// sleep (then sleep instead of exiting).
		n, _ := strconv.Atoi(args[0])
		size, _ := strconv.Atoi(args[1])
		flags := ","
		if len(args) > 2 {
			flags += args[2] + ","
		}
		for i := 0; i < n; i++ {
			fd := 1
			if strings.Contains(flags, ",stderr,") && i%2 == 1 {
				fd = 2
			}
			if _, err := unix.Write(fd, patternLine(i, size)); err != nil {
				return 3
			}
			if strings.Contains(flags, ",sync,") && !pipeEmpty(fd, 10*time.Second) {
				return 4
			}
		}
		if strings.Contains(flags, ",sleep,") {
			time.Sleep(time.Hour)
		}
	case "outflood":
		// outflood NAME N LONG: N flood lines as fast as possible through
		// a 64 KiB buffer, then one line of LONG bytes, then a partial
		// line without a newline; then exit.
		n, _ := strconv.Atoi(args[1])
		long, _ := strconv.Atoi(args[2])
		w := bufio.NewWriterSize(os.Stdout, 64<<10)
		for i := 0; i < n; i++ {
			w.WriteString(floodLine(args[0], i))
			w.WriteByte('\n')
		}
		w.Write(longLine(long))
		w.WriteByte('\n')
		w.WriteString(args[0] + floodPartial)
		if w.Flush() != nil {
			return 3
		}
	case "outticks":
		// outticks SIZE INTERVAL: pattern lines for ever, one per INTERVAL.
		size, _ := strconv.Atoi(args[0])
		every, _ := time.ParseDuration(args[1])
		for i := 0; ; i++ {
			unix.Write(1, patternLine(i, size)) // errors: keep going, as a program would
			time.Sleep(every)
		}
	}
	return 0
}

// pipeEmpty waits until the pipe at fd holds no unread data.
func pipeEmpty(fd int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		// TIOCINQ is FIONREAD: unread bytes, on either end of a pipe.
		if n, err := unix.IoctlGetInt(fd, unix.TIOCINQ); err != nil || n == 0 {
			return err == nil
		}
		time.Sleep(20 * time.Microsecond)
	}
	return false
}

// ---- running gosinit (or a peer) with its output captured ----

// outRun is an init running a configuration, with stdout and stderr (each
// a pipe, as under docker) collected into buffers that may be read while
// it runs.
type outRun struct {
	*confRun
	out, err *lockedBuffer
}

// startOut writes conf to a new temp dir, @DIR@ replaced by it, and runs
// gosinit -c on it as PID 1 of a new PID namespace.
func startOut(t *testing.T, conf string, args ...string) *outRun {
	t.Helper()
	return startOutIn(t, t.TempDir(), gosinitBin, conf, args...)
}

// startOutIn is startOut in dir, with bin as the init: gosinit (given
// --status-file) or supervisord (given -n).
func startOutIn(t *testing.T, dir, bin, conf string, args ...string) *outRun {
	t.Helper()
	needRoot(t)
	conf = strings.ReplaceAll(conf, "@DIR@", dir)
	path := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	status := filepath.Join(dir, "status.json")
	all := append([]string{"-c", path, "--status-file", status}, args...)
	if bin != gosinitBin {
		all = append([]string{"-n", "-c", path}, args...)
	}
	r := launch(t, bin, dir, true, nil, all...)
	o := &outRun{out: &r.stdout, err: &r.stderr}
	o.confRun = &confRun{initRun: r, dir: dir, status: status}
	return o
}

// waitFor waits until cond holds, or fails the test with what and the
// init's stderr.
func (o *outRun) waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) || !o.alive() {
			t.Fatalf("waiting for %s (init alive: %v); stderr:\n%s", what, o.alive(), tail(o.err.String(), 3000))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// procs reads gosinit's status file (nil if unreadable).
func (o *outRun) procs() map[string]proc.ProcessStatus {
	st, err := proc.ReadStatus(o.status)
	if err != nil {
		return nil
	}
	m := map[string]proc.ProcessStatus{}
	for _, p := range st.Processes {
		m[p.Name] = p
	}
	return m
}

func (o *outRun) waitState(t *testing.T, d time.Duration, state proc.State, names ...string) map[string]proc.ProcessStatus {
	t.Helper()
	var m map[string]proc.ProcessStatus
	o.waitFor(t, d, fmt.Sprintf("%v %v", names, state), func() bool {
		m = o.procs()
		return m != nil && allIn(state, names...)(m)
	})
	return m
}

// stop sends SIGTERM and waits for the exit; the buffers are then complete.
func (o *outRun) stop(t *testing.T) int {
	t.Helper()
	unix.Kill(o.cmd.Process.Pid, unix.SIGTERM)
	select {
	case <-o.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("init still running 30s after SIGTERM; stderr:\n%s", tail(o.err.String(), 3000))
	}
	if o.ws.Signaled() {
		t.Fatalf("init killed by %v; stderr:\n%s", o.ws.Signal(), tail(o.err.String(), 3000))
	}
	return o.ws.ExitStatus()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// cmdline is a helper's argv as a command= value.
func cmdline(name string, args ...string) string {
	return strings.Join(helperCmd(name, args...), " ")
}

// ---- rotation ----

// rotationModel is supervisord's RotatingFileHandler applied to writes:
// after each write, if the file has reached maxbytes, shift PATH.i to
// PATH.i+1 (below backups), PATH to PATH.1, and start PATH empty; with
// backups=0 truncate PATH. It returns file suffix ("", ".1" ...) ->
// content.
func rotationModel(writes [][]byte, maxbytes, backups int) map[string]string {
	files := map[int][]byte{0: nil}
	for _, w := range writes {
		files[0] = append(files[0], w...)
		if maxbytes == 0 || len(files[0]) < maxbytes {
			continue
		}
		if backups > 0 {
			for i := backups - 1; i >= 1; i-- {
				if f, ok := files[i]; ok {
					files[i+1] = f
					delete(files, i)
				}
			}
			files[1] = files[0]
		}
		files[0] = nil
	}
	out := map[string]string{}
	for i, f := range files {
		suffix := ""
		if i > 0 {
			suffix = "." + strconv.Itoa(i)
		}
		out[suffix] = string(f)
	}
	return out
}

// patternWrites are outlines' writes to one stream.
func patternWrites(n, size int, keep func(i int) bool) [][]byte {
	var w [][]byte
	for i := 0; i < n; i++ {
		if keep == nil || keep(i) {
			w = append(w, patternLine(i, size))
		}
	}
	return w
}

// logFiles reads every regular file of dir whose name is base or starts
// with base+".": suffix -> content.
func logFiles(t *testing.T, dir, base string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ents {
		n := e.Name()
		if n != base && !strings.HasPrefix(n, base+".") || !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, n))
		if errors.Is(err, fs.ErrNotExist) {
			continue // rotated away since ReadDir: callers that poll read again
		}
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(n, base)] = string(b)
	}
	return out
}

func sameFiles(got, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			return false
		}
	}
	return true
}

// describeFiles lists suffixes and sizes, for messages.
func describeFiles(m map[string]string) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %q:%d", "LOG"+k, len(m[k]))
	}
	return b.String()
}

func TestOutputRotation(t *testing.T) {
	const n, size = 200, 37 // 7400 bytes; 28 lines (1036 bytes) reach 1KB
	tests := []struct {
		name              string
		maxbytes, backups int
		lines             int
		flags             string
		exact             bool   // chunking is deterministic: compare with the model
		prefix            string // stdout_prefix
	}{
		{"maxbytes=1KB backups=2", 1024, 2, n, "sync", true, ""},
		{"backups=0 truncates in place", 1024, 0, n, "sync", true, ""},
		{"maxbytes=0 never rotates", 0, 2, n, "sync", true, ""},
		// Full speed, chunks as the kernel cuts them: with backups to
		// spare (every rotated file holds at least 1KB), the files
		// concatenated from .N down to PATH are exactly what was written.
		// 12,000 lines (about 440 KB) are more than three of the copier's
		// 128 KiB reads, however much a 1 MiB pipe holds at once.
		{"full speed keeps every byte", 1024, 200, 12000, "", false, ""},
		// With a prefix, whole lines: no line is cut across two files.
		{"prefixed lines stay whole", 1024, 200, 12000, "", false, "w |"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := startOut(t, base+fmt.Sprintf(`
[program:w]
command=%s
startsecs=0
autorestart=false
stdout_logfile=@DIR@/w.log
stdout_logfile_maxbytes=%d
stdout_logfile_backups=%d
stdout_prefix=%s
stderr_logfile=NONE
`, cmdline("outlines", strconv.Itoa(tt.lines), strconv.Itoa(size), tt.flags), tt.maxbytes, tt.backups, tt.prefix))
			m := o.waitState(t, 20*time.Second, proc.Exited, "w")
			if m["w"].Exitstatus != 0 {
				t.Fatalf("helper exit status %d", m["w"].Exitstatus)
			}
			// The exit is reported after the pipe is drained: the
			// files are final now.
			got := logFiles(t, o.dir, "w.log")
			writes := patternWrites(tt.lines, size, nil)
			if tt.exact {
				want := rotationModel(writes, tt.maxbytes, tt.backups)
				if !sameFiles(got, want) {
					t.Fatalf("files:%s\nwant (supervisord's rotation):%s", describeFiles(got), describeFiles(want))
				}
				if _, ok := got[".3"]; ok {
					t.Fatal("a .3 exists with backups=2")
				}
				return
			}
			var all bytes.Buffer
			for _, w := range writes {
				all.WriteString(tt.prefix)
				all.Write(w)
			}
			var cat strings.Builder
			rotated := 0
			for i := tt.backups; i >= 1; i-- {
				f, ok := got["."+strconv.Itoa(i)]
				if !ok {
					continue
				}
				rotated++
				if tt.prefix != "" && (!strings.HasPrefix(f, tt.prefix) || !strings.HasSuffix(f, "\n")) {
					t.Errorf("w.log.%d does not hold whole prefixed lines: %.20q ... %.20q", i, f, f[max(0, len(f)-20):])
				}
				if len(f) < tt.maxbytes {
					t.Errorf("w.log.%d has %d bytes, less than maxbytes: rotated too early", i, len(f))
				}
				cat.WriteString(f)
			}
			cat.WriteString(got[""])
			if rotated < 2 || len(got) != rotated+1 {
				t.Errorf("files:%s; want PATH and at least .1, .2 (no gaps)", describeFiles(got))
			}
			if cat.String() != all.String() {
				t.Fatalf("concatenation .N..PATH is %d bytes, want the %d written, byte-exact", cat.Len(), all.Len())
			}
			if len(got[""]) >= tt.maxbytes {
				t.Errorf("PATH holds %d bytes, not rotated at maxbytes", len(got[""]))
			}
		})
	}
}

// TestOutputRotationMatchesSupervisord runs one configuration under gosinit
// and under Debian's supervisord, each as PID 1 of its own namespace, and
// compares the log files they leave: names, sizes, contents.
func TestOutputRotationMatchesSupervisord(t *testing.T) {
	if _, err := os.Stat("/usr/bin/supervisord"); err != nil {
		t.Skip("Debian's supervisor package is not installed: no /usr/bin/supervisord")
	}
	const n, size = 200, 37
	prog := func(name, flags, keys string) string {
		return fmt.Sprintf(`
[program:%s]
command=%s
startsecs=0
autorestart=false
stdout_logfile=@DIR@/%%(program_name)s.log
%s
`, name, cmdline("outlines", strconv.Itoa(n), strconv.Itoa(size), flags), keys)
	}
	conf := `[supervisord]
nodaemon=true
logfile=@DIR@/activity.log
pidfile=@DIR@/sd.pid
childlogdir=@DIR@
` + prog("rot", "sync,sleep", "stdout_logfile_maxbytes=1KB\nstdout_logfile_backups=3\nstderr_logfile=NONE") +
		prog("trunc", "sync,sleep", "stdout_logfile_maxbytes=1KB\nstdout_logfile_backups=0\nstderr_logfile=NONE") +
		prog("grow", "sync,sleep", "stdout_logfile_maxbytes=0\nstderr_logfile=NONE") +
		prog("mixed", "sync,sleep,stderr", "stdout_logfile_maxbytes=1KB\nstdout_logfile_backups=2\nredirect_stderr=true") +
		prog("both", "sync,sleep,stderr", "stdout_logfile_maxbytes=2KB\nstdout_logfile_backups=1\nstderr_logfile=@DIR@/both.err\nstderr_logfile_maxbytes=1KB\nstderr_logfile_backups=2")

	all := func(i int) bool { return true }
	even := func(i int) bool { return i%2 == 0 }
	odd := func(i int) bool { return i%2 == 1 }
	want := map[string]map[string]string{
		"rot.log":   rotationModel(patternWrites(n, size, all), 1024, 3),
		"trunc.log": rotationModel(patternWrites(n, size, all), 1024, 0),
		"grow.log":  rotationModel(patternWrites(n, size, all), 0, 10),
		"mixed.log": rotationModel(patternWrites(n, size, all), 1024, 2),
		"both.log":  rotationModel(patternWrites(n, size, even), 2048, 1),
		"both.err":  rotationModel(patternWrites(n, size, odd), 1024, 2),
	}
	settle := func(t *testing.T, o *outRun, who string) map[string]map[string]string {
		t.Helper()
		got := map[string]map[string]string{}
		deadline := time.Now().Add(20 * time.Second)
		for {
			ok := true
			for base, w := range want {
				got[base] = logFiles(t, o.dir, base)
				ok = ok && sameFiles(got[base], w)
			}
			if ok || time.Now().After(deadline) || !o.alive() {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		for base, w := range want {
			if !sameFiles(got[base], w) {
				t.Errorf("%s: %s:%s\nwant (model):%s", who, base, describeFiles(got[base]), describeFiles(w))
			}
		}
		return got
	}

	g := startOut(t, conf)
	ours := settle(t, g, "gosinit")
	g.stop(t)

	s := startOutIn(t, t.TempDir(), "/usr/bin/supervisord", conf)
	theirs := settle(t, s, "supervisord")
	unix.Kill(s.cmd.Process.Pid, unix.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("supervisord did not exit after SIGTERM")
	}
	for base := range want {
		if !sameFiles(ours[base], theirs[base]) {
			t.Errorf("%s: gosinit%s\nsupervisord%s", base, describeFiles(ours[base]), describeFiles(theirs[base]))
		}
	}
}

// ---- gosinit's own stdout ----

// hostChild finds the host pid of the child of parent (a host pid) whose
// pid in its own namespace is nsPid.
func hostChild(t *testing.T, parent, nsPid int) int {
	t.Helper()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		var ppid int
		var ns []string
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "PPid:"); ok {
				ppid, _ = strconv.Atoi(strings.TrimSpace(v))
			}
			if v, ok := strings.CutPrefix(l, "NSpid:"); ok {
				ns = strings.Fields(v)
			}
		}
		if ppid == parent && len(ns) > 1 && ns[len(ns)-1] == strconv.Itoa(nsPid) {
			return pid
		}
	}
	t.Fatalf("no child of %d with namespace pid %d", parent, nsPid)
	return 0
}

func fdLink(t *testing.T, pid, fd int) string {
	t.Helper()
	l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, fd))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// readPipes lists the pipes pid holds open for reading (fd -> "pipe:[N]").
func readPipes(t *testing.T, pid int) map[int]string {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, e := range ents {
		fd, _ := strconv.Atoi(e.Name())
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, fd))
		if err != nil || !strings.HasPrefix(l, "pipe:") {
			continue
		}
		info, _ := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd))
		for _, line := range strings.Split(string(info), "\n") {
			if v, ok := strings.CutPrefix(line, "flags:"); ok {
				flags, _ := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
				if flags&unix.O_ACCMODE == unix.O_RDONLY {
					out[fd] = l
				}
			}
		}
	}
	return out
}

func TestOutputDevStdoutZeroCopy(t *testing.T) {
	o := startOut(t, base+`
[program:direct]
command=/bin/sh -c 'echo direct-out; echo direct-err >&2; exec sleep 1000'
startsecs=0
stdout_logfile=/dev/stdout
stderr_logfile=/dev/stderr
stdout_logfile_maxbytes=1KB

[program:procself]
command=/bin/sh -c 'echo procself-out; exec sleep 1000'
startsecs=0
stdout_logfile=/proc/self/fd/1
stderr_logfile=NONE

[program:copied]
command=/bin/sh -c 'echo copied-out; exec sleep 1000'
startsecs=0
stdout_logfile=/dev/stdout
stdout_prefix=copied |
stderr_logfile=NONE
`)
	m := o.waitState(t, 10*time.Second, proc.Running, "direct", "procself", "copied")
	o.waitFor(t, 5*time.Second, "output on gosinit's stdout and stderr", func() bool {
		out := o.out.String()
		return strings.Contains(out, "direct-out\n") && strings.Contains(out, "procself-out\n") &&
			strings.Contains(out, "copied |copied-out\n") && strings.Contains(o.err.String(), "direct-err\n")
	})
	init := o.cmd.Process.Pid
	initOut, initErr := fdLink(t, init, 1), fdLink(t, init, 2)
	direct := hostChild(t, init, m["direct"].Pid)
	procself := hostChild(t, init, m["procself"].Pid)
	copied := hostChild(t, init, m["copied"].Pid)
	if got := fdLink(t, direct, 1); got != initOut {
		t.Errorf("direct's fd 1 is %s, gosinit's is %s: want the same open file", got, initOut)
	}
	if got := fdLink(t, direct, 2); got != initErr {
		t.Errorf("direct's fd 2 is %s, gosinit's is %s: want the same open file", got, initErr)
	}
	if got := fdLink(t, procself, 1); got != initOut {
		t.Errorf("/proc/self/fd/1: child's fd 1 is %s, gosinit's is %s", got, initOut)
	}
	// The prefixed program writes into a pipe that gosinit reads; the
	// others into no pipe of gosinit's: its only pipes open for reading
	// are the programs' stdin (never written) and copied's stdout.
	stdin := fdLink(t, direct, 0)
	copiedOut := fdLink(t, copied, 1)
	if copiedOut == initOut {
		t.Fatalf("the prefixed program writes to gosinit's stdout itself (%s): no prefix possible", copiedOut)
	}
	var others []string
	for fd, l := range readPipes(t, init) {
		if l != stdin && l != copiedOut {
			others = append(others, fmt.Sprintf("fd %d %s", fd, l))
		}
	}
	if len(others) > 0 {
		t.Errorf("gosinit reads pipes other than stdin and the prefixed program's: %v", others)
	}
	found := false
	for _, l := range readPipes(t, init) {
		found = found || l == copiedOut
	}
	if !found {
		t.Errorf("gosinit holds no read end of the prefixed program's pipe %s", copiedOut)
	}
	o.stop(t)
	if n := strings.Count(o.out.String(), "direct-out\n"); n != 1 {
		t.Errorf("direct-out appears %d times on stdout", n)
	}
}

// ---- prefixes ----

func TestOutputPrefixFlood(t *testing.T) {
	const lines, long = 200000, 200000
	names := []string{"p1", "p2", "p3"}
	conf := base + "\n[gosinit]\nstdout_prefix = %(program_name)s | \n"
	for _, n := range names {
		conf += fmt.Sprintf(`
[program:%s]
command=%s
startsecs=0
autorestart=false
stdout_logfile=/dev/stdout
stderr_logfile=NONE
`, n, cmdline("outflood", n, strconv.Itoa(lines), strconv.Itoa(long)))
	}
	o := startOut(t, conf)
	o.waitState(t, 30*time.Second, proc.Exited, names...)
	if code := o.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	out := o.out.String()
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("stdout ends in a partial line: %q", tail(out, 100))
	}
	got := map[string][]string{}
	switches, last := 0, ""
	for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		name, rest, ok := strings.Cut(l, " |") // the INI value's trailing space is stripped
		if !ok || (name != "p1" && name != "p2" && name != "p3") {
			t.Fatalf("stdout line %d has no program prefix: %.100q", i, l)
		}
		if name != last {
			switches++
			last = name
		}
		got[name] = append(got[name], rest)
	}
	// The programs must have written at the same time, or nothing was
	// tested: their output alternates on stdout.
	if switches < 10 {
		t.Errorf("stdout switches program only %d times: the programs did not overlap", switches)
	}
	t.Logf("stdout switches program %d times", switches)
	ll := longLine(long)
	for _, n := range names {
		var want []string
		for i := 0; i < lines; i++ {
			want = append(want, floodLine(n, i))
		}
		for i := 0; i < len(ll); i += 64 << 10 {
			want = append(want, string(ll[i:min(i+64<<10, len(ll))]))
		}
		want = append(want, n+floodPartial)
		g := got[n]
		if len(g) != len(want) {
			t.Errorf("%s: %d lines, want %d", n, len(g), len(want))
		}
		for i := range min(len(g), len(want)) {
			if g[i] != want[i] {
				t.Errorf("%s line %d: %.80q (%d bytes), want %.80q (%d bytes)", n, i, g[i], len(g[i]), want[i], len(want[i]))
				break
			}
		}
	}
}

// ---- a log device that hangs ----

// TestHungLogDeviceHoldsUpOnlyItsPrograms: six programs write as fast as
// they can to log files on a file system that then hangs (fsfreeze on a
// loop-mounted ext4: every write to it blocks until it thaws, as on a lost
// NFS server). Their copiers take all of that device's write slots and
// wait; a program logging to another device goes on being logged, the loop
// goes on (a SIGUSR2 reopen, an exit seen), and once the device thaws
// every program's output flows again.
func TestHungLogDeviceHoldsUpOnlyItsPrograms(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "fs.img"), filepath.Join(dir, "fs")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, nil, 0o644); err != nil || os.Truncate(img, 64<<20) != nil {
		t.Fatal("cannot make the image")
	}
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", img).CombinedOutput(); err != nil {
		t.Skipf("mkfs.ext4: %v: %s", err, out)
	}
	if out, err := exec.Command("mount", "-o", "loop", img, mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot loop-mount an ext4 image: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	thaw := func() { exec.Command("fsfreeze", "-u", mnt).Run() }
	o := startOutIn(t, dir, gosinitBin, base+`
[program:h]
command=/bin/dd if=/dev/zero bs=64k status=none
process_name=h%(process_num)d
numprocs=6
stdout_logfile=@DIR@/fs/h%(process_num)d.log
stdout_logfile_maxbytes=2MB
stdout_logfile_backups=1
stderr_logfile=NONE

[program:b]
command=/bin/sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.01; done'
stdout_logfile=@DIR@/b.log
stderr_logfile=NONE

[program:waiter]
command=/bin/sh -c 'while [ ! -e @DIR@/go ]; do sleep 0.01; done; exit 4'
startsecs=0
autorestart=false
stdout_logfile=NONE
stderr_logfile=NONE
`)
	// Cleanups run last first: the thaw before gosinit is killed (a task
	// blocked on a frozen file system cannot die), and both before the
	// unmount.
	t.Cleanup(thaw)
	hs := []string{"h0", "h1", "h2", "h3", "h4", "h5"}
	o.waitState(t, 20*time.Second, proc.Running, append(hs, "b", "waiter")...)
	size := func(name string) int64 { return fileSize(filepath.Join(dir, name)) }
	hsizes := func() (n int64) { // changes while any of them is written
		for _, h := range hs {
			n += size("fs/"+h+".log") + size("fs/"+h+".log.1")
		}
		return n
	}
	if out, err := exec.Command("fsfreeze", "-f", mnt).CombinedOutput(); err != nil {
		t.Skipf("fsfreeze: %v: %s", err, out)
	}
	// The programs on the frozen device are held up: their files stop.
	var last int64 = -1
	o.waitFor(t, 10*time.Second, "the frozen files to stop growing", func() bool {
		n := hsizes()
		same := n == last
		last = n
		if !same {
			time.Sleep(300 * time.Millisecond)
		}
		return same
	})
	b0 := size("b.log")
	o.waitFor(t, 10*time.Second, "b.log to grow while the other device hangs", func() bool { return size("b.log") >= b0+100 })
	unix.Kill(o.cmd.Process.Pid, unix.SIGUSR2)
	o.waitFor(t, 5*time.Second, "the SIGUSR2 line", func() bool {
		return strings.Contains(o.err.String(), "INFO received SIGUSR2 indicating log reopen request")
	})
	os.WriteFile(filepath.Join(dir, "go"), nil, 0o644)
	o.waitState(t, 5*time.Second, proc.Exited, "waiter")
	b1 := size("b.log")
	o.waitFor(t, 10*time.Second, "b.log to grow after the SIGUSR2", func() bool { return size("b.log") >= b1+100 })
	if n := hsizes(); n != last {
		t.Fatalf("the frozen files grew (%d to %d bytes): the device was not held up", last, n)
	}
	frozen := map[string]int64{}
	for _, h := range hs {
		frozen[h] = size("fs/" + h + ".log")
	}
	thaw()
	// Each file grows again (or rotates: 2 MB and one backup).
	o.waitFor(t, 10*time.Second, "every thawed file to change", func() bool {
		for _, h := range hs {
			if size("fs/"+h+".log") == frozen[h] {
				return false
			}
		}
		return true
	})
	if code := o.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

// TestStalledFifoReaderHoldsUpOnlyItsProgram: five programs log to FIFOs
// whose reader stops reading, beside a program logging to a file in the
// same directory. A FIFO's write waits in the runtime poller, holding no
// thread, so it takes no write turn (writeGate): with turns, the stalled
// FIFOs held all four of the device's and the file stopped too.
func TestStalledFifoReaderHoldsUpOnlyItsProgram(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	closeReaders := stalledFifos(t, dir, 5)
	o := startOutIn(t, dir, gosinitBin, base+`
[program:f]
command=/bin/sh -c 'while [ ! -e @DIR@/go ]; do sleep 0.05; done; exec /bin/dd if=/dev/zero bs=64k status=none'
process_name=f%(process_num)d
numprocs=5
stdout_logfile=@DIR@/f%(process_num)d.fifo
stderr_logfile=NONE

[program:b]
command=/bin/sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.01; done'
stdout_logfile=@DIR@/b.log
stderr_logfile=NONE
`)
	o.waitState(t, 20*time.Second, proc.Running, "f0", "f1", "f2", "f3", "f4", "b")
	size := func() int64 { return fileSize(filepath.Join(dir, "b.log")) }
	// The FIFOs open (gosinit opens its log files once the start is
	// over) before they are written: this test is about the writes
	// after the open (TestStalledFifoFirstWriteHoldsUpOnlyItsProgram
	// about the first write, which opens the file itself).
	o.waitFor(t, 10*time.Second, "gosinit to open the five FIFOs", func() bool {
		ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", o.cmd.Process.Pid))
		n := 0
		for _, e := range ents {
			l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", o.cmd.Process.Pid, e.Name()))
			if strings.HasSuffix(l, ".fifo") {
				n++
			}
		}
		return n == 5
	})
	os.WriteFile(filepath.Join(dir, "go"), nil, 0o644)
	// The FIFOs fill within the first writes; b goes on being logged.
	b0 := size()
	o.waitFor(t, 10*time.Second, "b.log to grow beside the stalled FIFOs", func() bool { return size() >= b0+100 })
	// gosinit delivers every byte before it exits: with the readers gone,
	// the FIFOs' last output is dropped (EPIPE) rather than waited for.
	closeReaders()
	if code := o.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

// TestStalledFifoFirstWriteHoldsUpOnlyItsProgram: the same, but the
// programs write to their FIFOs at once, so each first write opens its
// FIFO itself (gosinit's opener waits for the start's spawns, made longer
// here by 40 more programs), taking a turn of the files not yet opened. The
// write must give that turn back once the open shows a FIFO: five FIFOs
// stalled with it held every such turn, and b, whose file was not opened
// yet either, was never logged.
func TestStalledFifoFirstWriteHoldsUpOnlyItsProgram(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	closeReaders := stalledFifos(t, dir, 5)
	o := startOutIn(t, dir, gosinitBin, base+`
[program:f]
command=/bin/dd if=/dev/zero bs=128k status=none
process_name=f%(process_num)d
numprocs=5
priority=1
stdout_logfile=@DIR@/f%(process_num)d.fifo
stderr_logfile=NONE

[program:z]
command=/bin/sleep 1000
process_name=z%(process_num)d
numprocs=40
priority=2
stdout_logfile=NONE
stderr_logfile=NONE

[program:b]
command=/bin/sh -c 'sleep 0.5; i=0; while :; do i=$((i+1)); echo $i; sleep 0.01; done'
priority=3
stdout_logfile=@DIR@/b.log
stderr_logfile=NONE
`)
	o.waitFor(t, 10*time.Second, "b.log to grow beside the stalled FIFOs", func() bool {
		return fileSize(filepath.Join(dir, "b.log")) >= 100
	})
	closeReaders()
	if code := o.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

// fileSize is the size of the file at path, or 0 when there is none.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// stalledFifos makes n FIFOs, DIR/f0.fifo ..., each with a reader that
// never reads: written to, they fill and stay full. closeReaders closes the
// readers (so that writers get EPIPE); cleanup does too.
func stalledFifos(t *testing.T, dir string, n int) (closeReaders func()) {
	t.Helper()
	var readers []int
	closeReaders = func() {
		for _, fd := range readers {
			unix.Close(fd)
		}
		readers = nil
	}
	t.Cleanup(closeReaders)
	for i := range n {
		fifo := filepath.Join(dir, "f"+strconv.Itoa(i)+".fifo")
		if err := unix.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		fd, err := unix.Open(fifo, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		readers = append(readers, fd)
	}
	return closeReaders
}

// ---- a full disk ----

func TestOutputENOSPC(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	mnt := filepath.Join(dir, "fs")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("gosinit-test", mnt, "tmpfs", 0, "size=512k"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(mnt, unix.MNT_DETACH) })
	ballast := filepath.Join(mnt, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 448<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(mnt, "filler.log")
	o := startOutIn(t, dir, gosinitBin, base+fmt.Sprintf(`
[program:filler]
command=%s
startsecs=0
stdout_logfile=%s
stdout_logfile_maxbytes=0
stderr_logfile=NONE

[program:waiter]
command=/bin/sh -c 'while [ ! -e @DIR@/go ]; do sleep 0.01; done; exit 4'
startsecs=0
autorestart=false
stdout_logfile=NONE
stderr_logfile=NONE
`, cmdline("outticks", "100", "1ms"), logPath))
	m := o.waitState(t, 10*time.Second, proc.Running, "filler", "waiter")
	pid := m["filler"].Pid
	dropping := regexp.MustCompile(`WARN write "` + regexp.QuoteMeta(logPath) + `": no space left on device; dropping output`)
	o.waitFor(t, 15*time.Second, "the ENOSPC warning", func() bool { return dropping.MatchString(o.err.String()) })
	// The loop goes on while the disk is full: a signal is handled, and
	// another program's exit is seen and reported at once.
	unix.Kill(o.cmd.Process.Pid, unix.SIGUSR2)
	o.waitFor(t, 2*time.Second, "the SIGUSR2 line", func() bool {
		return strings.Contains(o.err.String(), "INFO received SIGUSR2 indicating log reopen request")
	})
	os.WriteFile(filepath.Join(dir, "go"), nil, 0o644)
	o.waitFor(t, 2*time.Second, "waiter EXITED while the disk is full", func() bool {
		p := o.procs()["waiter"]
		return p.State == proc.Exited && p.Exitstatus == 4
	})
	if p := o.procs()["filler"]; p.State != proc.Running || p.Pid != pid {
		t.Fatalf("filler is %s pid %d, want RUNNING pid %d", p.Statename, p.Pid, pid)
	}
	full, _ := os.ReadFile(logPath)
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	resumed := regexp.MustCompile(`WARN resumed writing "` + regexp.QuoteMeta(logPath) + `" after dropping (\d+) bytes`)
	o.waitFor(t, 10*time.Second, "writing to resume", func() bool { return resumed.MatchString(o.err.String()) })
	dropped, _ := strconv.Atoi(resumed.FindStringSubmatch(o.err.String())[1])
	o.waitFor(t, 10*time.Second, "new lines in the log", func() bool {
		b, _ := os.ReadFile(logPath)
		return len(b) > len(full)+1000
	})
	if n := len(dropping.FindAllString(o.err.String(), -1)); n != 1 {
		t.Errorf("%d dropping warnings, want one per streak:\n%s", n, o.err.String())
	}
	// Before the gap: lines 0..n0-1 whole, then part of line n0 (what
	// fitted), ended by a newline gosinit adds so that it is not glued to
	// the next. After it: line n1, whole. The program was never blocked:
	// it wrote on while its output was dropped (n1 > n0), and the count
	// in the warning is exactly the bytes missing in between.
	const size = 100
	n0, part := len(full)/size, len(full)%size
	for i := 0; i < n0; i++ {
		if want := patternLine(i, size); !bytes.Equal(full[i*size:(i+1)*size], want) {
			t.Fatalf("before the gap, line %d is %q, want %q", i, full[i*size:(i+1)*size], want)
		}
	}
	b, _ := os.ReadFile(logPath)
	after := b[len(full):]
	if part > 0 {
		if after[0] != '\n' {
			t.Fatalf("the cut line %d goes on with %.100q, want a newline", n0, after)
		}
		after = after[1:]
	}
	n1, err := strconv.Atoi(string(after[:8]))
	if err != nil || !bytes.HasPrefix(after, patternLine(n1, size)) {
		t.Fatalf("after the gap the log goes on with %.100q, want a whole line", after)
	}
	if n1 <= n0 {
		t.Errorf("after the gap comes line %d, before it line %d was cut: nothing was dropped, the program waited", n1, n0)
	}
	if want := (n1-n0)*size - part; dropped != want {
		t.Errorf("warning says %d bytes dropped; lines %d (from byte %d) to %d are missing: %d bytes", dropped, n0, part, n1-1, want)
	}
	if p := o.procs()["filler"]; p.Pid != pid {
		t.Errorf("filler was restarted (pid %d, was %d)", p.Pid, pid)
	}
	o.stop(t)
}

// ---- SIGUSR2 ----

func TestOutputSIGUSR2Reopens(t *testing.T) {
	o := startOut(t, `[supervisord]
nodaemon=true
logfile=@DIR@/activity.log
pidfile=@DIR@/sd.pid
childlogdir=@DIR@

[program:tick]
command=`+cmdline("outticks", "20", "5ms")+`
startsecs=0
stdout_logfile=@DIR@/tick.log
stderr_logfile=NONE

[program:churn]
command=/bin/sh -c 'sleep 0.1; exit 1'
startsecs=0
autorestart=true
stdout_logfile=NONE
stderr_logfile=NONE
`)
	path := filepath.Join(o.dir, "tick.log")
	o.waitFor(t, 10*time.Second, "tick.log to fill", func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Size() > 200
	})
	// logrotate's default: move the files aside, then SIGUSR2.
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	act := filepath.Join(o.dir, "activity.log")
	if err := os.Rename(act, act+".old"); err != nil {
		t.Fatal(err)
	}
	unix.Kill(o.cmd.Process.Pid, unix.SIGUSR2)
	o.waitFor(t, 10*time.Second, "a new tick.log with lines", func() bool {
		b, _ := os.ReadFile(path)
		return bytes.Count(b, []byte("\n")) >= 5
	})
	o.waitFor(t, 10*time.Second, "a new activity.log with spawned: lines", func() bool {
		b, _ := os.ReadFile(act)
		return bytes.Contains(b, []byte("spawned: 'churn'"))
	})
	o.stop(t)
	// No line lost or doubled across the move: old then new is 0, 1, 2 ...
	oldB, _ := os.ReadFile(path + ".old")
	newB, _ := os.ReadFile(path)
	if len(oldB) == 0 || len(newB) == 0 {
		t.Fatalf("old %d bytes, new %d bytes", len(oldB), len(newB))
	}
	all := append(oldB, newB...)
	for i := 0; len(all) > 0; i++ {
		if want := patternLine(i, 20); !bytes.HasPrefix(all, want) {
			t.Fatalf("line %d: %.20q, want %q (old file %d bytes)", i, all, want, len(oldB))
		}
		all = all[20:]
	}
	if b, _ := os.ReadFile(act + ".old"); !bytes.Contains(b, []byte("INFO received SIGUSR2 indicating log reopen request")) {
		t.Errorf("old activity log lacks the SIGUSR2 line:\n%s", b)
	}
}

// ---- gosinit's activity log ----

var spawnedRe = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO spawned: 'p' with pid \d+$`)

func TestOutputActivityLog(t *testing.T) {
	// p writes "hello debug" to its stdout; in every case but the last it
	// goes to p.log, in the last to NONE (and its stderr to /dev/stdout):
	// at loglevel debug supervisord copies it into the activity log all
	// the same.
	const toFile = "stdout_logfile=@DIR@/p.log\nstderr_logfile=NONE"
	const toNone = "stdout_logfile=NONE\nstderr_logfile=/dev/stdout"
	tests := []struct {
		name     string
		keys     string
		out      string // p's output keys
		file     int    // "spawned:" lines wanted in @DIR@/gosinit.log
		stdout   int    // ... on gosinit's stdout
		stderr   int    // ... on its stderr
		quiet    bool
		debugOut bool
	}{
		{name: "logfile", keys: "logfile=@DIR@/gosinit.log", file: 1, stderr: 1},
		{name: "logfile=/dev/stdout", keys: "logfile=/dev/stdout\nlogfile_maxbytes=0", stdout: 1},
		{name: "silent", keys: "logfile=@DIR@/gosinit.log\nsilent=true", file: 1, quiet: true},
		// silent= drops only the echo: the log still goes where logfile= says.
		{name: "logfile=/dev/stdout silent", keys: "logfile=/dev/stdout\nlogfile_maxbytes=0\nsilent=true", stdout: 1, quiet: true},
		{name: "logfile=/dev/stderr", keys: "logfile=/dev/stderr\nlogfile_maxbytes=0", stderr: 1},
		{name: "no logfile", keys: "", stderr: 1},
		{name: "loglevel=debug", keys: "logfile=@DIR@/gosinit.log\nloglevel=debug", file: 1, stderr: 1, debugOut: true},
		{name: "loglevel=debug NONE and /dev/stdout", keys: "logfile=@DIR@/gosinit.log\nloglevel=debug", out: toNone, file: 1, stderr: 1, debugOut: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.out
			if out == "" {
				out = toFile
			}
			o := startOut(t, "[supervisord]\nnodaemon=true\npidfile=@DIR@/sd.pid\n"+tt.keys+`
[program:p]
command=/bin/sh -c 'echo hello debug; echo to-stdout >&2; exec sleep 1000'
startsecs=0
`+out+"\n")
			o.waitState(t, 10*time.Second, proc.Running, "p")
			file := filepath.Join(o.dir, "gosinit.log")
			if out == toFile {
				if got := waitFileContent(filepath.Join(o.dir, "p.log"), "hello debug\n", 5*time.Second); got != "hello debug\n" {
					t.Fatalf("p.log = %q", got)
				}
			} else {
				o.waitFor(t, 5*time.Second, "p's stderr on gosinit's stdout", func() bool { return strings.Contains(o.out.String(), "to-stdout\n") })
			}
			const debugLine = " DEBG 'p' stdout output:\nhello debug\n\n"
			o.waitFor(t, 5*time.Second, "spawned: (and DEBG output) in gosinit.log", func() bool {
				b, _ := os.ReadFile(file)
				return (tt.file == 0 || spawnedRe.Match(b)) && (!tt.debugOut || bytes.Contains(b, []byte(debugLine)))
			})
			if code := o.stop(t); code != 0 {
				t.Fatalf("exit %d", code)
			}
			fb, _ := os.ReadFile(file)
			for _, c := range []struct {
				where string
				text  string
				want  int
			}{{"gosinit.log", string(fb), tt.file}, {"stdout", o.out.String(), tt.stdout}, {"stderr", o.err.String(), tt.stderr}} {
				if got := len(spawnedRe.FindAllString(c.text, -1)); got != c.want {
					t.Errorf("%s has %d spawned: lines, want %d:\n%s", c.where, got, c.want, c.text)
				}
			}
			if tt.file > 0 {
				fi, err := os.Stat(file)
				if err != nil || fi.Mode().Perm() != 0o644 {
					t.Errorf("gosinit.log mode %v (%v), want 0644", fi.Mode(), err)
				}
			}
			if _, err := os.Stat(filepath.Join(o.dir, "supervisord.log")); err == nil {
				t.Errorf("supervisord.log created in the working directory without logfile=")
			}
			if tt.quiet && o.err.String() != "" {
				t.Errorf("silent=true, but stderr has:\n%s", o.err.String())
			}
			if got := strings.Contains(string(fb), debugLine); got != tt.debugOut {
				t.Errorf("child output copied into the activity log: %v, want %v:\n%s", got, tt.debugOut, fb)
			}
			if tt.out == toNone {
				if n := strings.Count(o.out.String(), "to-stdout\n"); n != 1 {
					t.Errorf("p's stderr is %d times on gosinit's stdout, want once", n)
				}
				if !strings.Contains(string(fb), " DEBG 'p' stderr output:\nto-stdout\n\n") {
					t.Errorf("p's stderr (to /dev/stdout) not copied into the activity log:\n%s", fb)
				}
			}
		})
	}
}

// ---- strip_ansi ----

// TestOutputStripAnsiMatchesSupervisord runs [supervisord] strip_ansi=true
// under gosinit and under Debian's supervisord and compares what reaches a
// log file and /dev/stdout: colour sequences gone, an ESC that starts no
// sequence kept. Then, gosinit only: a sequence cut in two by the program's
// writes is stripped whole (supervisord strips each read on its own and
// leaves the tail), and a prefixed stream is stripped before it is framed.
func TestOutputStripAnsiMatchesSupervisord(t *testing.T) {
	const colours = `printf "\033[31mred\033[0m plain\n\033[1;32mbold\033[m tail\n"; printf "no \033x seq\n"`
	const want = "red plain\nbold tail\nno \x1bx seq\n"
	conf := `[supervisord]
nodaemon=true
silent=true
pidfile=@DIR@/sd.pid
logfile=@DIR@/activity.log
strip_ansi=true

[program:file]
command=/bin/sh -c '` + colours + `; exec sleep 1000'
startsecs=0
stdout_logfile=@DIR@/file.log
stderr_logfile=NONE

[program:std]
command=/bin/sh -c '` + colours + `; exec sleep 1000'
startsecs=0
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
stderr_logfile=NONE
`
	run := func(t *testing.T, bin, conf string) (file, stdout string) {
		o := startOutIn(t, t.TempDir(), bin, conf)
		path := filepath.Join(o.dir, "file.log")
		o.waitFor(t, 10*time.Second, "both programs' output", func() bool {
			b, _ := os.ReadFile(path)
			return bytes.Contains(b, []byte(" seq\n")) && strings.Contains(o.out.String(), " seq\n")
		})
		b, _ := os.ReadFile(path)
		stdout = o.out.String()
		o.stop(t)
		return string(b), stdout
	}
	ourFile, ourOut := run(t, gosinitBin, conf)
	if ourFile != want || ourOut != want {
		t.Errorf("gosinit wrote\nfile.log %q\nstdout   %q\nwant     %q", ourFile, ourOut, want)
	}
	if _, err := os.Stat("/usr/bin/supervisord"); err != nil {
		t.Log("Debian's supervisor package is not installed: no /usr/bin/supervisord to compare with")
	} else {
		theirFile, theirOut := run(t, "/usr/bin/supervisord", conf)
		if theirFile != ourFile || theirOut != ourOut {
			t.Errorf("supervisord wrote\nfile.log %q\nstdout   %q\ngosinit  %q, %q", theirFile, theirOut, ourFile, ourOut)
		}
	}

	// A sequence cut by a pause between two writes, and a prefix.
	o := startOut(t, `[supervisord]
nodaemon=true
strip_ansi=true

[program:split]
command=/bin/sh -c 'printf "a\033[3"; sleep 0.3; printf "1mb\033"; sleep 0.3; printf "[0mc\n"; exec sleep 1000'
startsecs=0
stdout_logfile=@DIR@/split.log
stderr_logfile=NONE

[program:pre]
command=/bin/sh -c '`+colours+`; exec sleep 1000'
startsecs=0
stdout_logfile=/dev/stdout
stdout_prefix="pre | "
stderr_logfile=NONE
`)
	split := filepath.Join(o.dir, "split.log")
	o.waitFor(t, 10*time.Second, "split.log and pre's lines", func() bool {
		b, _ := os.ReadFile(split)
		return bytes.HasSuffix(b, []byte("\n")) && strings.Contains(o.out.String(), " seq\n")
	})
	b, _ := os.ReadFile(split)
	o.stop(t)
	if string(b) != "abc\n" {
		t.Errorf("split.log = %q, want %q", b, "abc\n")
	}
	if want := "pre | red plain\npre | bold tail\npre | no \x1bx seq\n"; o.out.String() != want {
		t.Errorf("prefixed stdout = %q, want %q", o.out.String(), want)
	}
}

// ---- syslog ----

// syslogDaemon is a stand-in for syslogd: a datagram socket that keeps
// every message it receives.
type syslogDaemon struct {
	path string
	mu   sync.Mutex
	msgs []string
}

func listenSyslog(t *testing.T, path string) *syslogDaemon {
	t.Helper()
	d := &syslogDaemon{path: path}
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 1<<17)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			d.mu.Lock()
			d.msgs = append(d.msgs, string(buf[:n]))
			d.mu.Unlock()
		}
	}()
	return d
}

func (d *syslogDaemon) messages() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.msgs...)
}

// syslogHeader is what syslog(3) puts before a message: facility user,
// priority info, the local time, and the tag (the base name of argv[0]).
var syslogHeader = regexp.MustCompile(`^<14>(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 123][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] ([^: ]+): `)

// startWithDevLog runs bin (as argv0) -c conf as PID 1 of new PID and mount
// namespaces whose /dev/log is sock.
func startWithDevLog(t *testing.T, dir, sock, bin, argv0, conf string) *outRun {
	t.Helper()
	needRoot(t)
	conf = strings.ReplaceAll(conf, "@DIR@", dir)
	path := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	status := filepath.Join(dir, "status.json")
	args := []string{"-c", path, "--status-file", status}
	if bin != gosinitBin {
		args = []string{"-n", "-c", path}
	}
	argv := append(helperCmd("devlog", sock, bin, argv0), args...)
	r := launch(t, argv[0], dir, true, nil, argv[1:]...)
	o := &outRun{out: &r.stdout, err: &r.stderr}
	o.confRun = &confRun{initRun: r, dir: dir, status: status}
	return o
}

// TestOutputSyslogMatchesSupervisord runs stdout_syslog=true, the
// deprecated stderr_logfile=syslog and logfile=syslog under gosinit and
// under Debian's supervisord, each with /dev/log a socket of the test's,
// and compares what the daemon receives from the programs: the same
// messages, each "NAME line", with syslog(3)'s header. gosinit runs as
// "supervisord" (argv[0]), so the tags match too.
func TestOutputSyslogMatchesSupervisord(t *testing.T) {
	conf := `[supervisord]
nodaemon=true
silent=true
pidfile=@DIR@/sd.pid
logfile=syslog
loglevel=debug

[program:both]
command=/bin/sh -c 'printf "one\ntwo\n\nthree\n"; exec sleep 1000'
startsecs=0
stdout_logfile=@DIR@/both.log
stdout_syslog=true
stderr_logfile=NONE

[program:legacy]
command=/bin/sh -c 'echo out-line; echo err-line >&2; exec sleep 1000'
startsecs=0
stdout_logfile=NONE
stderr_logfile=syslog
`
	want := []string{"both ", "both one", "both three", "both two", "legacy err-line"}
	// At loglevel debug the output is copied into the activity log, and
	// so to syslog, a message per line with the entry's time and level.
	wantDebug := []string{"DEBG 'both' stdout output:\n", "DEBG one\n", "DEBG two\n", "DEBG \n", "DEBG three\n"}
	run := func(t *testing.T, bin string) (programs []string, activity string) {
		dir := t.TempDir()
		d := listenSyslog(t, filepath.Join(dir, "log.sock"))
		o := startWithDevLog(t, dir, d.path, bin, "supervisord", conf)
		split := func() ([]string, string) {
			var ps []string
			var act strings.Builder
			for _, m := range d.messages() {
				h := syslogHeader.FindStringSubmatch(m)
				if h == nil || h[2] != "supervisord" {
					t.Errorf("%s sent %q: not syslog(3)'s header with the tag supervisord", bin, m)
					continue
				}
				text := m[len(h[0]):]
				if strings.HasPrefix(text, "both ") || strings.HasPrefix(text, "legacy ") {
					ps = append(ps, text)
				} else {
					act.WriteString(text)
				}
			}
			sort.Strings(ps)
			return ps, act.String()
		}
		o.waitFor(t, 10*time.Second, "the programs' lines at the syslog socket", func() bool {
			ps, act := split()
			return len(ps) >= len(want) && strings.Contains(act, "success: legacy") && strings.Contains(act, "DEBG three\n")
		})
		programs, activity = split()
		if b, _ := os.ReadFile(filepath.Join(o.dir, "both.log")); string(b) != "one\ntwo\n\nthree\n" {
			t.Errorf("%s: both.log = %q: the file gets the output as well", bin, b)
		}
		o.stop(t)
		return programs, activity
	}
	// debugBlock is the "'both' stdout output:" entry, each message
	// without its time.
	stamp := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} `)
	debugBlock := func(activity string) []string {
		msgs := strings.SplitAfter(stamp.ReplaceAllString(activity, ""), "\n")
		for i, m := range msgs {
			if m == wantDebug[0] && i+len(wantDebug) < len(msgs) {
				if msgs[i+len(wantDebug)] == "DEBG \n" {
					return msgs[i : i+len(wantDebug)+1] // an empty line too many
				}
				return msgs[i : i+len(wantDebug)]
			}
		}
		return nil
	}
	ours, ourActivity := run(t, gosinitBin)
	if strings.Join(ours, "|") != strings.Join(want, "|") {
		t.Errorf("gosinit sent the programs' lines %q, want %q", ours, want)
	}
	if got := debugBlock(ourActivity); strings.Join(got, "") != strings.Join(wantDebug, "") {
		t.Errorf("gosinit sent the debug copy as %q, want %q", got, wantDebug)
	}
	// The activity log: each entry a message, time and level first.
	if !regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO spawned: 'both' with pid \d+$`).MatchString(ourActivity) {
		t.Errorf("gosinit's activity log did not reach syslog:\n%s", ourActivity)
	}
	if _, err := os.Stat("/usr/bin/supervisord"); err != nil {
		t.Log("Debian's supervisor package is not installed: no /usr/bin/supervisord to compare with")
		return
	}
	theirs, theirActivity := run(t, "/usr/bin/supervisord")
	if strings.Join(theirs, "|") != strings.Join(ours, "|") {
		t.Errorf("supervisord sent %q, gosinit %q", theirs, ours)
	}
	if !strings.Contains(theirActivity, "INFO spawned: 'both' with pid") {
		t.Errorf("supervisord's activity log at the socket has no spawned: line (the test's premise):\n%s", theirActivity)
	}
	if got := debugBlock(theirActivity); strings.Join(got, "") != strings.Join(wantDebug, "") {
		t.Errorf("supervisord sent the debug copy as %q, gosinit as wanted: %q", got, wantDebug)
	}
}

// TestOutputSyslogNeverBlocks: with no syslog daemon, a program that writes
// to syslog keeps running, gosinit warns once; when the daemon comes up
// (here, after the program's first lines), lines get through again and
// gosinit says how many were lost.
func TestOutputSyslogNeverBlocks(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "log.sock")
	o := startWithDevLog(t, dir, sock, gosinitBin, "gosinit", `[supervisord]
nodaemon=true

[program:tick]
command=`+cmdline("outticks", "100000", "2ms")+`
startsecs=0
stdout_logfile=@DIR@/tick.log
stdout_syslog=true
stderr_logfile=NONE
`)
	o.waitState(t, 10*time.Second, proc.Running, "tick")
	warnRe := regexp.MustCompile(`WARN syslog: cannot send to /dev/log: ENOENT; output for syslog is dropped until it can be sent`)
	o.waitFor(t, 10*time.Second, "the warning about /dev/log", func() bool { return warnRe.MatchString(o.err.String()) })
	// The program goes on writing its file meanwhile.
	size := func() int64 { return fileSize(filepath.Join(o.dir, "tick.log")) }
	s0 := size()
	o.waitFor(t, 10*time.Second, "tick.log to grow without a syslog daemon", func() bool { return size() > s0 })
	d := listenSyslog(t, sock)
	o.waitFor(t, 10*time.Second, "lines at the syslog socket once it exists", func() bool {
		ms := d.messages()
		return len(ms) > 3 && syslogHeader.MatchString(ms[0]) && strings.Contains(ms[0], ": tick ")
	})
	againRe := regexp.MustCompile(`WARN syslog: sending to /dev/log again; ([1-9][0-9]*) messages were dropped`)
	o.waitFor(t, 5*time.Second, "the again line", func() bool { return againRe.MatchString(o.err.String()) })
	o.stop(t)
	if n := len(warnRe.FindAllString(o.err.String(), -1)); n != 1 {
		t.Errorf("%d warnings about /dev/log, want 1:\n%s", n, tail(o.err.String(), 2000))
	}
	if m := syslogHeader.FindStringSubmatch(d.messages()[0]); m == nil || m[2] != "gosinit" {
		t.Errorf("message %q: want the tag gosinit (argv[0])", d.messages()[0])
	}
}

// TestOutputSyslogBurst: a burst of output far beyond the daemon's queue
// (10 datagrams by default) is waited for, not lost, as syslog(3) waits; a
// daemon that reads nothing costs gosinit one wait of a second, then lines
// for syslog are dropped (one warning) while the program and its log file
// go on.
func TestOutputSyslogBurst(t *testing.T) {
	const n = 3000
	conf := `[supervisord]
nodaemon=true

[program:burst]
command=/bin/sh -c 'i=0; while [ $i -lt ` + strconv.Itoa(n) + ` ]; do i=$((i+1)); echo "line $i"; done; exec sleep 1000'
startsecs=0
stdout_logfile=@DIR@/burst.log
stdout_syslog=true
stderr_logfile=NONE
`
	t.Run("all arrive", func(t *testing.T) {
		dir := t.TempDir()
		d := listenSyslog(t, filepath.Join(dir, "log.sock"))
		o := startWithDevLog(t, dir, d.path, gosinitBin, "gosinit", conf)
		o.waitFor(t, 20*time.Second, "the last line at the socket", func() bool {
			ms := d.messages()
			return len(ms) > 0 && strings.HasSuffix(ms[len(ms)-1], fmt.Sprintf(": burst line %d", n))
		})
		o.stop(t)
		ms := d.messages()
		if len(ms) != n {
			t.Fatalf("%d messages for %d lines; stderr:\n%s", len(ms), n, tail(o.err.String(), 2000))
		}
		for i, m := range ms {
			if want := fmt.Sprintf(": burst line %d", i+1); !strings.HasSuffix(m, want) {
				t.Fatalf("message %d is %q, want ...%q", i, m, want)
			}
		}
		if strings.Contains(o.err.String(), "syslog:") {
			t.Errorf("a warning about syslog:\n%s", o.err.String())
		}
	})
	t.Run("a daemon that reads nothing", func(t *testing.T) {
		dir := t.TempDir()
		sock := filepath.Join(dir, "log.sock")
		c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		o := startWithDevLog(t, dir, sock, gosinitBin, "gosinit", conf)
		log := filepath.Join(o.dir, "burst.log")
		want := fmt.Sprintf("line %d\n", n)
		o.waitFor(t, 20*time.Second, "every line in burst.log", func() bool {
			b, _ := os.ReadFile(log)
			return bytes.HasSuffix(b, []byte(want))
		})
		o.stop(t)
		if warns := regexp.MustCompile(`WARN syslog: cannot send to /dev/log: EAGAIN; output for syslog is dropped until it can be sent`).FindAllString(o.err.String(), -1); len(warns) != 1 {
			t.Errorf("%d warnings about the stuck daemon, want 1:\n%s", len(warns), tail(o.err.String(), 2000))
		}
	})
}

// ---- AUTO ----

func TestOutputAuto(t *testing.T) {
	for _, nocleanup := range []bool{false, true} {
		t.Run(fmt.Sprintf("nocleanup=%v", nocleanup), func(t *testing.T) {
			dir := t.TempDir()
			logs := filepath.Join(dir, "logs")
			os.Mkdir(logs, 0o755)
			old := []string{
				"p-stdout---supervisor-abcd1234.log",
				"gone-stderr---supervisor-zz_99xyz.log",
				"p-stdout---supervisor-abcd1234.log.1",
			}
			kept := []string{"p-stdout---other-abcd1234.log", "app.log", "p-stdout---supervisor-.txt"}
			for _, n := range append(append([]string{}, old...), kept...) {
				os.WriteFile(filepath.Join(logs, n), []byte("old\n"), 0o644)
			}
			o := startOutIn(t, dir, gosinitBin, fmt.Sprintf(`[supervisord]
nodaemon=true
logfile=/dev/null
pidfile=@DIR@/sd.pid
childlogdir=@DIR@/logs
nocleanup=%v

[program:p]
command=/bin/sh -c 'echo to-out; echo to-err >&2; exec sleep 1000'
startsecs=0

[program:red]
command=/bin/sleep 1000
startsecs=0
redirect_stderr=true
`, nocleanup))
			m := o.waitState(t, 10*time.Second, proc.Running, "p", "red")
			// redirect_stderr: no stderr log, as supervisord's
			// getProcessInfo says (so tail red stderr: no log file).
			if r := m["red"]; r.StderrLogfile != "" || r.StdoutLogfile == "" {
				t.Errorf("red: stdout_logfile %q, stderr_logfile %q; want a file and none", r.StdoutLogfile, r.StderrLogfile)
			}
			re := regexp.MustCompile(`^p-(stdout|stderr)---supervisor-[a-z0-9_]{8}\.log$`)
			want := map[string]string{"stdout": "to-out\n", "stderr": "to-err\n"}
			for ch, content := range want {
				path := m["p"].StdoutLogfile
				if ch == "stderr" {
					path = m["p"].StderrLogfile
				}
				if filepath.Dir(path) != logs || !re.MatchString(filepath.Base(path)) || !strings.Contains(filepath.Base(path), ch) {
					t.Errorf("%s AUTO file %q, want %s/p-%s---supervisor-XXXXXXXX.log", ch, path, logs, ch)
					continue
				}
				if got := waitFileContent(path, content, 5*time.Second); got != content {
					t.Errorf("%s = %q, want %q", path, got, content)
				}
				// supervisord's mkstemp: 0600, not 0644
				if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: mode %v (%v), want 0600 as supervisord's", path, fi.Mode(), err)
				}
			}
			for _, n := range old {
				_, err := os.Stat(filepath.Join(logs, n))
				if exists := err == nil; exists != nocleanup {
					t.Errorf("old AUTO log %s exists: %v, want %v", n, exists, nocleanup)
				}
			}
			for _, n := range kept {
				if _, err := os.Stat(filepath.Join(logs, n)); err != nil {
					t.Errorf("%s, not an AUTO log of this identifier, was removed", n)
				}
			}
			o.stop(t)
		})
	}
}

// ---- no byte lost at a program's exit ----

// TestOutputDrainedBeforeExit: a program's exit is reported only once its
// output has reached the log. The log is a FIFO the test reads slowly, so
// the program exits while part of its output is still on its way.
func TestOutputDrainedBeforeExit(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "out.fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Open the read end first, so gosinit's open finds a reader.
	rd, err := os.OpenFile(fifo, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	// 2,000,000 bytes: more than the program's pipe (1 MiB), the FIFO and
	// a copier's read hold together, so the program is still writing when
	// its pid is looked up; after the first 1,500,000 the rest fits.
	const n, size, first = 20000, 100, 1500000
	o := startOutIn(t, dir, gosinitBin, base+`
[program:w]
command=`+cmdline("outlines", strconv.Itoa(n), strconv.Itoa(size))+`
startsecs=0
autorestart=false
stdout_logfile=@DIR@/out.fifo
stderr_logfile=NONE
`)
	m := o.waitState(t, 10*time.Second, proc.Running, "w")
	host := hostChild(t, o.cmd.Process.Pid, m["w"].Pid)
	// A FIFO no writer has opened yet reads as its end: gosinit opens its
	// log files once the start is over, or at a copier's first write.
	o.waitFor(t, 10*time.Second, "gosinit to open the FIFO", func() bool {
		ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", o.cmd.Process.Pid))
		for _, e := range ents {
			if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", o.cmd.Process.Pid, e.Name())); l == fifo {
				return true
			}
		}
		return false
	})
	got := make([]byte, n*size)
	if _, err := io.ReadFull(rd, got[:first]); err != nil {
		t.Fatal(err)
	}
	// The rest fits in the pipes: the program exits and is reaped.
	o.waitFor(t, 10*time.Second, "the program to be reaped", func() bool {
		_, err := os.Stat(fmt.Sprintf("/proc/%d", host))
		return err != nil
	})
	// Its last bytes are not in the log yet: no exit is reported (within
	// drainWait, 500 ms, after which gosinit stops waiting for a pipe a
	// grandchild may hold).
	deadline := time.Now().Add(100 * time.Millisecond)
	for time.Now().Before(deadline) {
		if p := o.procs()["w"]; p.State != proc.Running || strings.Contains(o.err.String(), "exited: w") {
			t.Fatalf("exit reported (%s) with %d bytes still on their way to the log", p.Statename, n*size-first)
		}
		// Until the exit is reported, the status keeps the pid too.
		if p := o.procs()["w"]; p.Pid != m["w"].Pid {
			t.Fatalf("status pid %d while the exit is held, want %d", p.Pid, m["w"].Pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := io.ReadFull(rd, got[first:]); err != nil {
		t.Fatal(err)
	}
	o.waitState(t, 5*time.Second, proc.Exited, "w")
	for i := 0; i < n; i++ {
		if want := patternLine(i, size); !bytes.Equal(got[i*size:(i+1)*size], want) {
			t.Fatalf("line %d: %q, want %q", i, got[i*size:(i+1)*size], want)
		}
	}
	o.stop(t)
}

// TestOutputUmaskOfProgramsNotOnLogs: gosinit sets a program's umask= on
// itself around that program's fork; a log file a copier creates at that
// moment (here: rotations, hundreds a second) must still get gosinit's
// own umask (0644), never the program's (0600).
func TestOutputUmaskOfProgramsNotOnLogs(t *testing.T) {
	o := startOutIn(t, t.TempDir(), gosinitBin, `[supervisord]
nodaemon=true
logfile=/dev/null
pidfile=@DIR@/sd.pid
childlogdir=@DIR@

[program:r]
command=/bin/true
umask=077
numprocs=200
process_name=r%(process_num)d
startsecs=0
autorestart=true
stdout_logfile=NONE
stderr_logfile=NONE

[program:w]
command=/bin/sh -c 'while :; do echo 0123456789012345678901234567890123456789; done'
stdout_logfile=@DIR@/w.log
stdout_logfile_maxbytes=100
stdout_logfile_backups=1
startsecs=0
`)
	mask := unix.Umask(0)
	unix.Umask(mask)
	want := uint32(0o644 &^ mask)
	if want == 0o600 {
		t.Skip("the test's own umask is 077: nothing to tell apart")
	}
	o.waitState(t, 20*time.Second, proc.Running, "w")
	path := filepath.Join(o.dir, "w.log")
	seen, bad := 0, 0
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
		var st unix.Stat_t
		if unix.Stat(path, &st) == nil {
			seen++
			if st.Mode&0o777 != want {
				bad++
			}
		}
	}
	o.stop(t)
	if seen < 100 || bad > 0 {
		t.Errorf("w.log had mode %o in %d of %d looks, another mode (the program's umask) in %d", want, seen-bad, seen, bad)
	}
}

// TestOutputStuckStderrNeverStopsTheLoop: gosinit's stderr is a pipe that
// nobody reads (a docker log driver in blocking mode whose server is down)
// and its log says a lot (loglevel debug copies 3 MB of a program's output
// into it, past the pipe and past gosinit's queue). The loop goes on: the
// program's exit reaches the status file. Once the pipe is read again, the
// queue comes out with a count of what was dropped, and SIGTERM ends
// gosinit with 0.
func TestOutputStuckStderrNeverStopsTheLoop(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	conf := `[supervisord]
loglevel=debug

[program:chatty]
command=sh -c "head -c 3000000 /dev/zero | tr '\\0' x"
startsecs=0
autorestart=false
stdout_logfile=` + dir + `/chatty.log
stderr_logfile=NONE
`
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	launchStderr = pw
	o := startOutIn(t, dir, gosinitBin, conf)
	pw.Close()
	r := o.initRun
	o.waitState(t, 20*time.Second, proc.Exited, "chatty")
	if fi, err := os.Stat(filepath.Join(dir, "chatty.log")); err != nil || fi.Size() != 3000000 {
		t.Errorf("chatty.log: %v, %v; want 3000000 bytes", fi, err)
	}
	go io.Copy(&r.stderr, pr)
	dropped := regexp.MustCompile(`WARN /dev/stderr was not read: dropped ([1-9][0-9]*) bytes of gosinit's log`)
	o.waitFor(t, 20*time.Second, "the count of dropped bytes", func() bool { return dropped.MatchString(o.err.String()) })
	if code := o.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if !strings.Contains(o.err.String(), "exited: chatty (exit status 0; expected)") {
		t.Errorf("the log lacks chatty's exit:\n%s", tail(o.err.String(), 2000))
	}
}

// TestOutputFIFOReaderGoneSparesMain: a program's log file is a FIFO that
// another process reads; when that reader goes, the copier's next write
// raises SIGPIPE at gosinit. That SIGPIPE is gosinit's: passed on, it
// killed COMMAND (and the container).
func TestOutputFIFOReaderGoneSparesMain(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "out.fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	rd, err := os.OpenFile(fifo, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	o := startOutIn(t, dir, gosinitBin, `[program:talk]
command=/bin/sh -c 'while :; do echo line; sleep 0.05; done'
startsecs=0
stdout_logfile=`+fifo+`
stderr_logfile=NONE
`, "--", "/bin/sleep", "1000")
	// Until gosinit opens it, the FIFO has no writer and reads EOF.
	buf := make([]byte, 4096)
	o.waitFor(t, 10*time.Second, "a line through the FIFO", func() bool {
		rd.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		n, _ := rd.Read(buf)
		return n > 0
	})
	rd.Close()
	o.waitFor(t, 10*time.Second, "the write into the FIFO to fail", func() bool { return strings.Contains(o.err.String(), "dropping output") })
	// A SIGPIPE passed on would end the main program moments later.
	mainOutlivesThenStops(t, o.err.String, o.stop)
}

// A log file that reaches RLIMIT_FSIZE (docker run --ulimit fsize=) makes
// the kernel send gosinit SIGXFSZ at its next write there: gosinit's own,
// never passed on to the main program, whose default action would kill it.
func TestOutputFileSizeLimitSparesMain(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "talk.log")
	o := startOutIn(t, dir, gosinitBin, `[program:talk]
command=/bin/sh -c 'while :; do seq 1 200; sleep 0.01; done'
startsecs=0
stdout_logfile=`+log+`
stdout_logfile_maxbytes=0
stderr_logfile=NONE
`, "--", "/bin/sleep", "1000")
	const limit = 4096
	if err := unix.Prlimit(o.cmd.Process.Pid, unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: limit, Max: limit}, nil); err != nil {
		t.Fatal(err)
	}
	o.waitFor(t, 10*time.Second, "the write past the limit to fail", func() bool { return strings.Contains(o.err.String(), "dropping output") })
	if fi, err := os.Stat(log); err != nil || fi.Size() != limit {
		t.Errorf("the log file: %v, %v; want %d bytes", fi, err, limit)
	}
	// Each write of the copier raises one more: a SIGXFSZ passed on would
	// end the main program at once.
	mainOutlivesThenStops(t, o.err.String, o.stop)
}

// mainOutlivesThenStops: the main program (/bin/sleep) has not ended 500 ms
// on, as it would have of a signal of gosinit's own passed on to it; then
// SIGTERM (stop) ends gosinit with the main program's 143.
func mainOutlivesThenStops(t *testing.T, stderr func() string, stop func(*testing.T) int) {
	t.Helper()
	for deadline := time.Now().Add(500 * time.Millisecond); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(stderr(), "main program exited") {
			t.Fatalf("the main program ended:\n%s", tail(stderr(), 3000))
		}
	}
	if code := stop(t); code != 143 {
		t.Errorf("exit %d after SIGTERM, want the main program's 143", code)
	}
}
