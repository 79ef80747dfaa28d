// Command output measures what program output costs PID 1 (issue 5): one
// program writes 1 GiB to its stdout as fast as it can, under gosinit and
// under Debian's supervisord, each as PID 1 of its own PID and mount
// namespace, beside raw pipes on the same machine in the same run:
//
//	(a) file:   stdout_logfile=FILE, maxbytes=50MB, backups=10
//	(b) stdout: stdout_logfile=/dev/stdout (the init's stdout is a pipe
//	            into `cat >/dev/null`, as under docker)
//	(c) prefix: (b) with gosinit's stdout_prefix (supervisord has none)
//
// Beside them the raw pipes: `dd | cat`, the program into `cat`, into
// `cat >file`, and into this program moving the pipe into a file with
// splice(2) (the kernel's floor for any copier into a file).
//
// For each it reports the rate (decimal MB/s: from the program's first
// write until its pipe is empty) and the init's CPU seconds over that
// span (utime+stime of /proc/PID/stat, threads included), medians of
// -trials runs. The program is this binary itself (OUTBENCH_GEN set): it
// writes 100-byte lines in 64 KiB writes.
//
//	go run ./bench/output                 # about a minute
//	go run ./bench/output -trials 1 -size 256MiB
//
// It must run as root. It is a measurement a person runs, not a test.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const clkTck = 100 // USER_HZ: the unit of utime and stime

func main() {
	if os.Getenv("OUTBENCH_GEN") != "" {
		os.Exit(gen(os.Args[1:]))
	}
	if os.Getenv("OUTBENCH_SPLICE") != "" {
		os.Exit(spliceCat(os.Args[1]))
	}
	gosinit := flag.String("gosinit", "", "gosinit binary (default: build the module)")
	sizeFlag := flag.String("size", "1GiB", "bytes the program writes (suffix KiB, MiB, GiB)")
	trials := flag.Int("trials", 3, "runs per cell (the median is reported)")
	lineLen := flag.Int("line", 100, "line length of the generator, newline included")
	only := flag.String("only", "", "run only the rows whose \"case peer\" contains one of these comma-separated words")
	disk := flag.Bool("disk", false, "write the log files to the disk under $TMPDIR instead of a tmpfs")
	flag.Parse()
	size, err := parseSize(*sizeFlag)
	if err != nil {
		fatal(err)
	}
	if os.Geteuid() != 0 {
		fatal(errors.New("must run as root (it creates PID namespaces)"))
	}
	tmp, err := os.MkdirTemp("", "gosinit-bench-output-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	b := &bench{tmp: tmp, work: tmp, size: size, line: *lineLen}
	if !*disk {
		// Log files on a tmpfs: the figures are then the inits', not
		// the disk's writeback.
		b.work = filepath.Join(tmp, "fs")
		os.Mkdir(b.work, 0o755)
		if err := unix.Mount("bench-output", b.work, "tmpfs", 0, "size=4g"); err != nil {
			os.RemoveAll(tmp)
			fatal(fmt.Errorf("mount a tmpfs (or use -disk): %w", err))
		}
		defer unix.Unmount(b.work, unix.MNT_DETACH)
	}
	if b.self, err = os.Executable(); err != nil {
		fatal(err)
	}
	b.gosinit = *gosinit
	if b.gosinit == "" {
		b.gosinit = filepath.Join(tmp, "gosinit")
		if err := build(b.gosinit); err != nil {
			os.RemoveAll(tmp)
			fatal(err)
		}
	}
	if _, err := os.Stat("/usr/bin/supervisord"); err == nil {
		b.supervisord = "/usr/bin/supervisord"
	}
	b.run(*trials, *only)
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "bench/output: %v\n", err)
	os.Exit(1)
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suf, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if v, ok := strings.CutSuffix(s, suf); ok {
			s, mult = v, m
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("-size %q: want a positive number with KiB, MiB or GiB", s)
	}
	return n * mult, nil
}

// build builds gosinit from the module this program belongs to.
func build(out string) error {
	mod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	c := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, ".")
	c.Dir = filepath.Dir(strings.TrimSpace(string(mod)))
	c.Env = append(os.Environ(), "CGO_ENABLED=0")
	c.Stdout, c.Stderr = os.Stderr, os.Stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("build gosinit: %w", err)
	}
	return nil
}

// ---- the program ----

// gen READY GO RESULT SIZE LINE: write READY, wait for GO, write SIZE bytes
// of LINE-byte lines to stdout in 64 KiB writes, wait until stdout (a pipe)
// is empty, write the elapsed nanoseconds to RESULT, then sleep: the
// harness kills it with its init.
func gen(args []string) int {
	ready, goFile, result := args[0], args[1], args[2]
	size, _ := strconv.ParseInt(args[3], 10, 64)
	line, _ := strconv.Atoi(args[4])
	buf := make([]byte, 64<<10)
	for i := range buf {
		buf[i] = 'a' + byte(i%line%26)
		if i%line == line-1 {
			buf[i] = '\n'
		}
	}
	os.WriteFile(ready, nil, 0o644)
	for !exists(goFile) {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	for left := size; left > 0; {
		// Keep the line pattern across writes: start each write where
		// the last one stopped within a line.
		off := int((size - left) % int64(line))
		n := min(int64(len(buf)-off), left)
		w, err := unix.Write(1, buf[off:off+int(n)])
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			return 3
		}
		left -= int64(w)
	}
	for {
		n, err := unix.IoctlGetInt(1, unix.TIOCINQ) // FIONREAD
		if err != nil || n == 0 {
			break
		}
		time.Sleep(50 * time.Microsecond)
	}
	el := time.Since(start)
	os.WriteFile(result, []byte(strconv.FormatInt(el.Nanoseconds(), 10)), 0o644)
	time.Sleep(time.Hour)
	return 0
}

// spliceCat OUT: move stdin (a pipe, raised to 1 MiB as gosinit raises a
// program's) into the new file OUT with splice(2), 128 KiB at a time, until
// the pipe ends: one copy in the kernel, the least any copier into a file
// can cost.
func spliceCat(out string) int {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 3
	}
	unix.FcntlInt(0, unix.F_SETPIPE_SZ, 1<<20)
	defer f.Close()
	fd := int(f.Fd())
	for {
		n, err := unix.Splice(0, nil, fd, nil, 128<<10, 0)
		switch {
		case err == unix.EINTR:
		case err != nil:
			return 3
		case n == 0:
			return 0
		}
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// ---- the harness ----

type bench struct {
	tmp, self, gosinit, supervisord string
	work                            string // run directories, log files
	size                            int64
	line                            int
	seq                             int
}

// result is one run: elapsed time and the init's CPU over it.
type result struct {
	el  time.Duration
	cpu time.Duration // -1: not measured
}

type cell struct {
	name, peer string
	runs       []result
	err        error
}

func (b *bench) genArgs(dir string) (argv []string, ready, goFile, res string) {
	ready, goFile, res = filepath.Join(dir, "ready"), filepath.Join(dir, "go"), filepath.Join(dir, "result")
	argv = []string{"/usr/bin/env", "OUTBENCH_GEN=1", b.self, ready, goFile, res, strconv.FormatInt(b.size, 10), strconv.Itoa(b.line)}
	return
}

func (b *bench) newDir() string {
	b.seq++
	d := filepath.Join(b.work, fmt.Sprintf("run%03d", b.seq))
	os.MkdirAll(d, 0o755)
	return d
}

// catSink starts `cat >out` (out "" is /dev/null) reading a new pipe, or
// with splice this program's spliceCat into out. It returns the pipe's
// write end for the writer, and a wait that closes it, reaps the reader
// and returns its CPU time.
func (b *bench) catSink(out string, splice bool) (*os.File, func() time.Duration, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	cat := exec.Command("cat")
	if splice {
		cat = exec.Command("/usr/bin/env", "OUTBENCH_SPLICE=1", b.self, out)
	}
	cat.Stdin = r
	if out != "" && !splice {
		f, err := os.Create(out)
		if err != nil {
			r.Close()
			w.Close()
			return nil, nil, err
		}
		defer f.Close()
		cat.Stdout = f
	}
	if err := cat.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, nil, err
	}
	r.Close()
	return w, func() time.Duration {
		w.Close()
		cat.Wait()
		return cat.ProcessState.UserTime() + cat.ProcessState.SystemTime()
	}, nil
}

// rawRun: the program writing straight into a pipe read by cat, which
// writes to a file when toFile, or by spliceCat (toFile and splice). The
// CPU is the reader's.
func (b *bench) rawRun(toFile, splice bool) (result, error) {
	dir := b.newDir()
	defer os.RemoveAll(dir)
	argv, ready, goFile, res := b.genArgs(dir)
	out := ""
	if toFile {
		out = filepath.Join(dir, "gen.log")
	}
	w, done, err := b.catSink(out, splice)
	if err != nil {
		return result{}, err
	}
	g := exec.Command(argv[0], argv[1:]...)
	g.Stdout, g.Stderr = w, os.Stderr
	if err := g.Start(); err != nil {
		done()
		return result{}, err
	}
	if err := waitFile(ready, 10*time.Second); err != nil {
		g.Process.Kill()
		g.Wait()
		done()
		return result{}, err
	}
	os.WriteFile(goFile, nil, 0o644)
	el, err := readResult(res)
	g.Process.Kill()
	g.Wait()
	cpu := done()
	return result{el: el, cpu: cpu}, err
}

// ddRun: `dd if=/dev/zero bs=64k | cat >/dev/null`, wall clock.
func (b *bench) ddRun() (result, error) {
	count := b.size / (64 << 10)
	start := time.Now()
	c := exec.Command("/bin/sh", "-c", fmt.Sprintf("dd if=/dev/zero bs=64k count=%d status=none | cat >/dev/null", count))
	c.Stderr = os.Stderr
	if err := c.Run(); err != nil {
		return result{}, err
	}
	return result{el: time.Since(start), cpu: -1}, nil
}

// initRun runs the program under an init (PID 1 of new PID and mount
// namespaces) with the given [program:gen] keys.
func (b *bench) initRun(bin string, keys string) (result, error) {
	dir := b.newDir()
	defer os.RemoveAll(dir)
	argv, ready, goFile, res := b.genArgs(dir)
	conf := fmt.Sprintf(`[supervisord]
nodaemon=true
logfile=%[1]s/activity.log
pidfile=%[1]s/sd.pid
childlogdir=%[1]s

[program:gen]
command=%[2]s
startsecs=0
autorestart=false
stderr_logfile=NONE
%[3]s
`, dir, strings.Join(argv, " "), strings.ReplaceAll(keys, "@DIR@", dir))
	path := filepath.Join(dir, "bench.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return result{}, err
	}
	args := []string{"-c", path, "--status-file", filepath.Join(dir, "status.json")}
	if bin != b.gosinit {
		args = []string{"-n", "-c", path}
	}
	w, done, err := b.catSink("", false)
	if err != nil {
		return result{}, err
	}
	defer done()
	var errBuf bytes.Buffer
	c := exec.Command(bin, args...)
	c.Dir = dir
	c.Stdout, c.Stderr = w, &errBuf
	c.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS}
	if err := c.Start(); err != nil {
		return result{}, err
	}
	// Killing a namespace's PID 1 kills everything in it.
	defer func() { c.Process.Kill(); c.Wait() }()
	if err := waitFile(ready, 20*time.Second); err != nil {
		return result{}, fmt.Errorf("%w; init stderr: %s", err, errBuf.String())
	}
	cpu0, err := cpuOf(c.Process.Pid)
	if err != nil {
		return result{}, err
	}
	os.WriteFile(goFile, nil, 0o644)
	el, err := readResult(res)
	if err != nil {
		return result{}, err
	}
	cpu1, err := cpuOf(c.Process.Pid)
	if err != nil {
		return result{}, err
	}
	return result{el: el, cpu: cpu1 - cpu0}, nil
}

// cpuOf is utime+stime of a process, all its threads, dead ones included.
func cpuOf(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * time.Second / clkTck, nil
}

func waitFile(p string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for !exists(p) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not appear within %v", filepath.Base(p), d)
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// readResult waits (5 minutes at most) for the program's elapsed time.
func readResult(p string) (time.Duration, error) {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
			n, err := strconv.ParseInt(string(b), 10, 64)
			return time.Duration(n), err
		}
		if time.Now().After(deadline) {
			return 0, errors.New("the program did not finish within 5 minutes")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (b *bench) run(trials int, only string) {
	type spec struct {
		name, peer string
		do         func() (result, error)
	}
	file := "stdout_logfile=@DIR@/gen.log\nstdout_logfile_maxbytes=50MB\nstdout_logfile_backups=10"
	stdout := "stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0"
	prefix := stdout + "\nstdout_prefix=gen |"
	specs := []spec{
		{"raw", "dd \\| cat", b.ddRun}, // dd if=/dev/zero bs=64k | cat >/dev/null
		{"raw", "gen \\| cat", func() (result, error) { return b.rawRun(false, false) }},
		{"raw", "gen \\| cat >file", func() (result, error) { return b.rawRun(true, false) }},
		{"raw", "gen \\| splice >file", func() (result, error) { return b.rawRun(true, true) }},
		{"(a) file", "gosinit", func() (result, error) { return b.initRun(b.gosinit, file) }},
		{"(a) file", "supervisord", func() (result, error) { return b.initRun(b.supervisord, file) }},
		{"(b) /dev/stdout", "gosinit", func() (result, error) { return b.initRun(b.gosinit, stdout) }},
		{"(b) /dev/stdout", "supervisord", func() (result, error) { return b.initRun(b.supervisord, stdout) }},
		{"(c) prefix", "gosinit", func() (result, error) { return b.initRun(b.gosinit, prefix) }},
	}
	cells := make([]*cell, len(specs))
	for i, s := range specs {
		cells[i] = &cell{name: s.name, peer: s.peer}
		if s.peer == "supervisord" && b.supervisord == "" {
			cells[i].err = errors.New("not installed")
		}
		if only != "" && !slices.ContainsFunc(strings.Split(only, ","), func(w string) bool {
			return w != "" && strings.Contains(s.name+" "+s.peer, w)
		}) {
			cells[i].err = errors.New("skipped (-only)")
		}
	}
	// Trials interleave the cells, so a slow phase of the machine hits
	// every peer alike.
	for t := 0; t < trials; t++ {
		for i, s := range specs {
			c := cells[i]
			if c.err != nil {
				continue
			}
			fmt.Fprintf(os.Stderr, "trial %d/%d: %s, %s\n", t+1, trials, s.name, s.peer)
			r, err := s.do()
			if err != nil {
				c.err = err
				continue
			}
			c.runs = append(c.runs, r)
		}
	}
	var rawRate float64
	for _, c := range cells {
		if c.peer == "gen \\| cat" && len(c.runs) > 0 {
			rawRate = rate(b.size, median(c.runs).el)
		}
	}
	fmt.Printf("%s written as %d-byte lines, %d trial(s), medians; MB/s = 10^6 bytes/s\n\n", human(b.size), b.line, trials)
	fmt.Printf("| case | peer | MB/s | rate / gen\\|cat | reader CPU s | reader CPU s per GiB |\n")
	fmt.Printf("|---|---|---:|---:|---:|---:|\n")
	for _, c := range cells {
		if c.err != nil {
			fmt.Printf("| %s | %s | %s | | | |\n", c.name, c.peer, c.err)
			continue
		}
		m := median(c.runs)
		r := rate(b.size, m.el)
		cpu, per := "-", "-"
		if m.cpu >= 0 {
			cpu = fmt.Sprintf("%.2f", m.cpu.Seconds())
			per = fmt.Sprintf("%.2f", m.cpu.Seconds()*float64(1<<30)/float64(b.size))
		}
		ratio := ""
		if rawRate > 0 {
			ratio = fmt.Sprintf("%.2f", r/rawRate)
		}
		fmt.Printf("| %s | %s | %.0f | %s | %s | %s |\n", c.name, c.peer, r, ratio, cpu, per)
	}
	fmt.Println("\nThe reader is PID 1 (the init) or, for the raw rows, cat (splice: this program moving")
	fmt.Println("the pipe into the file with splice(2)). (c) under supervisord: not measured, it has no")
	fmt.Println("prefix option (stdout_prefix is ignored).")
}

func rate(size int64, el time.Duration) float64 { return float64(size) / el.Seconds() / 1e6 }

// median of the runs, by elapsed time (its CPU goes with it).
func median(rs []result) result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b result) int { return int(a.el - b.el) })
	return s[len(s)/2]
}

func human(n int64) string {
	switch {
	case n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
