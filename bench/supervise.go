package main

// The supervision sections (issue 4): `gosinit -c` against `supervisord -n
// -c` on the same generated configs, both as PID 1 of a namespace. Ratios
// are gosinit / supervisord.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// supPeer is a supervisor and how it runs a config file.
type supPeer struct {
	name string
	argv func(conf string) []string
}

func supPeers(e *env) (ps []supPeer, notes []string) {
	if e.gosinit != "" {
		g := e.gosinit
		ps = append(ps, supPeer{"gosinit", func(c string) []string { return []string{g, "-c", c} }})
	} else {
		notes = append(notes, e.gosinitNote)
	}
	if e.supervisord != "" {
		s := e.supervisord
		ps = append(ps, supPeer{"supervisord", func(c string) []string { return []string{s, "-n", "-c", c} }})
	} else {
		notes = append(notes, "supervisord not measured: not on PATH")
	}
	return ps, notes
}

// program is one [program:x] section of a generated config.
type program struct {
	name         string
	command      string
	priority     int // 0: leave the default (999)
	startsecs    int
	stopwaitsecs int // 0: leave the default (10)
	autorestart  string
}

// writeConf writes a supervisord.conf that both supervisors read. Only the
// paths differ between them: each run gets its own directory.
func writeConf(dir string, progs []program) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "[supervisord]\nnodaemon=true\nlogfile=%s\npidfile=%s\nchildlogdir=%s\nloglevel=info\n",
		filepath.Join(dir, "supervisord.log"), filepath.Join(dir, "supervisord.pid"), dir)
	for _, p := range progs {
		fmt.Fprintf(&b, "\n[program:%s]\ncommand=%s\nstartsecs=%d\n", p.name, p.command, p.startsecs)
		if p.priority != 0 {
			fmt.Fprintf(&b, "priority=%d\n", p.priority)
		}
		if p.stopwaitsecs != 0 {
			fmt.Fprintf(&b, "stopwaitsecs=%d\n", p.stopwaitsecs)
		}
		if p.autorestart != "" {
			fmt.Fprintf(&b, "autorestart=%s\n", p.autorestart)
		}
	}
	conf := filepath.Join(dir, "supervisord.conf")
	return conf, os.WriteFile(conf, []byte(b.String()), 0o644)
}

// sleepers are n programs that exit on SIGTERM (sleep's default action).
func sleepers(n int, distinct bool) []program {
	ps := make([]program, n)
	for i := range ps {
		ps[i] = program{name: fmt.Sprintf("sleep%03d", i), command: "/bin/sleep 100000", startsecs: 1}
		if distinct {
			ps[i].priority = i + 1
		}
	}
	return ps
}

// supRun is one supervisor running one config.
type supRun struct {
	*instance
	dir     string
	n       int
	out     *logCounter // the supervisor's stdout+stderr
	logfile *logCounter // logfile= of the config
	via     string      // how RUNNING was counted
}

func startSup(e *env, p supPeer, tag string, progs []program) (*supRun, error) {
	return startSupWith(e, p, tag, progs, "")
}

// startSupWith is startSup with extra sections appended to the config.
func startSupWith(e *env, p supPeer, tag string, progs []program, extra string) (*supRun, error) {
	dir := filepath.Join(e.tmp, tag+"-"+p.name)
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("%s: already used by an earlier run (its log would count as this run's)", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	conf, err := writeConf(dir, progs)
	if err != nil {
		return nil, err
	}
	if extra != "" {
		f, err := os.OpenFile(conf, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return nil, err
		}
		_, err = f.WriteString(strings.ReplaceAll(extra, "@DIR@", dir))
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	out := filepath.Join(dir, "out.log")
	in, err := start(e, launch{name: p.name, argv: p.argv(conf), wrap: true, log: out})
	if err != nil {
		return nil, err
	}
	return &supRun{instance: in, dir: dir, n: len(progs),
		out:     &logCounter{path: out},
		logfile: &logCounter{path: filepath.Join(dir, "supervisord.log")}}, nil
}

// counts is the activity-log line counts, whichever of stdout/stderr and
// the logfile has them (supervisord -n writes both; gosinit writes stderr).
func (r *supRun) counts() (spawned, success int, spawnTimes []time.Time) {
	r.out.update()
	r.logfile.update()
	c := r.out
	if r.logfile.spawned+r.logfile.success > c.spawned+c.success {
		c = r.logfile
	}
	return c.spawned, c.success, c.spawnTimes
}

// running counts processes in RUNNING: from gosinit's status file inside
// the namespace when it writes one, else from `success:` log lines.
func (r *supRun) running() (int, error) {
	if r.exited() {
		return 0, fmt.Errorf("%s exited: %v%s", r.name, r.state, r.logTail())
	}
	if r.name == "gosinit" {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/root/run/gosinit/status.json", r.pid))
		if err == nil {
			var s struct {
				Processes []struct {
					Statename string `json:"statename"`
				} `json:"processes"`
			}
			if json.Unmarshal(b, &s) == nil {
				n := 0
				for _, p := range s.Processes {
					if p.Statename == "RUNNING" {
						n++
					}
				}
				r.via = "status.json"
				return n, nil
			}
		}
	}
	_, success, _ := r.counts()
	r.via = "success: lines"
	return success, nil
}

func (r *supRun) waitRunning(d time.Duration) error {
	return waitFor(d, 10*time.Millisecond, fmt.Sprintf("%s: %d programs RUNNING", r.name, r.n), func() (bool, error) {
		n, err := r.running()
		return n >= r.n, err
	})
}

// logCounter counts supervisord-catalogue lines of a growing log file.
type logCounter struct {
	path       string
	off        int64
	part       []byte
	spawned    int
	success    int
	spawnTimes []time.Time
}

func (c *logCounter) update() {
	f, err := os.Open(c.path)
	if err != nil {
		return
	}
	defer f.Close()
	if _, err := f.Seek(c.off, io.SeekStart); err != nil {
		return
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return
	}
	c.off += int64(len(b))
	b = append(c.part, b...)
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		c.line(string(b[:i]))
		b = b[i+1:]
	}
	c.part = append([]byte(nil), b...)
}

func (c *logCounter) line(s string) {
	switch {
	case strings.Contains(s, " spawned: '"):
		c.spawned++
		if len(s) >= 23 {
			if t, err := time.ParseInLocation("2006-01-02 15:04:05,000", s[:23], time.Local); err == nil {
				c.spawnTimes = append(c.spawnTimes, t)
			}
		}
	case strings.Contains(s, " success: "):
		c.success++
	}
}

func shutdownSection(e *env) (*table, error) {
	return shutdownTable(e, []scenario{
		{"50, same priority", sleepers(50, false)},
		{"50, distinct priorities", sleepers(50, true)},
	})
}

func stopwaitSection(e *env) (*table, error) {
	progs := append(sleepers(50, false), program{name: "stubborn",
		command: `/bin/sh -c "trap '' TERM; exec /bin/sleep 100000"`, startsecs: 1, stopwaitsecs: 2})
	t, err := shutdownTable(e, []scenario{{"50 + 1 ignoring TERM", progs}})
	if t != nil {
		t.note("stubborn ignores SIGTERM (SIG_IGN survives its exec of sleep) and has stopwaitsecs=2, so it needs SIGKILL")
	}
	return t, err
}

type scenario struct {
	name  string
	progs []program
}

func shutdownTable(e *env, scs []scenario) (*table, error) {
	ps, notes := supPeers(e)
	t := &table{head: []string{"programs", "init", "shutdown (s)", "vs supervisord", "exit"}, notes: notes}
	for _, sc := range scs {
		walls := map[string]float64{}
		runs := map[string][]float64{}
		exits := map[string]string{}
		for run := 0; run < e.runs; run++ {
			for _, p := range ps { // round robin, so machine noise falls on every init alike
				wall, exit, err := shutdownOnce(e, p, sc, run)
				killAll()
				if err != nil {
					return t, err
				}
				runs[p.name] = append(runs[p.name], wall.Seconds())
				if exits[p.name] == "" || exit != "exit status 0" {
					exits[p.name] = exit // a bad exit in any run is the one shown
				}
			}
		}
		var rows [][]string
		for _, p := range ps {
			walls[p.name] = percentile(runs[p.name], 50)
			rows = append(rows, []string{sc.name, p.name, fmt.Sprintf("%.3f", walls[p.name]), "", exits[p.name]})
		}
		for _, row := range rows {
			if base, ok := walls["supervisord"]; ok {
				row[3] = ratio(walls[row[1]], base)
			}
			t.add(row...)
		}
	}
	t.note("from kill(PID 1, SIGTERM), sent once every program is RUNNING, until PID 1 has exited and been reaped (its namespace empty); median of %d runs per init (round robin)", e.runs)
	return t, nil
}

func shutdownOnce(e *env, p supPeer, sc scenario, run int) (time.Duration, string, error) {
	// A directory per run: a log left by an earlier run would count as
	// this run's RUNNING lines, and the SIGTERM would come before the
	// supervisor has its handler (as PID 1, it would be dropped).
	tag := fmt.Sprintf("shutdown-%s-%d", strings.NewReplacer(" ", "", ",", "", "+", "").Replace(sc.name), run)
	r, err := startSup(e, p, tag, sc.progs)
	if err != nil {
		return 0, "", err
	}
	defer r.kill()
	if err := r.waitRunning(2 * time.Minute); err != nil {
		return 0, "", err
	}
	e.logf("%s: %s all RUNNING; SIGTERM", sc.name, p.name)
	t0 := monotonic()
	if err := unix.Kill(r.pid, unix.SIGTERM); err != nil {
		return 0, "", err
	}
	if !r.wait(2 * time.Minute) {
		return 0, "", fmt.Errorf("%s: %s still running 2 min after SIGTERM%s%s", sc.name, p.name, procDiag(r.pid), r.logTail())
	}
	return time.Duration(r.exitedAt - t0), r.state.String(), nil
}

func spawnSection(e *env) (*table, error) {
	const n = 200
	ps, notes := supPeers(e)
	t := &table{head: []string{"init", "all spawned (s)", "vs supervisord", "all RUNNING (s)", "vs supervisord", "RUNNING from"}, notes: notes}
	spawned, running := map[string][]float64{}, map[string][]float64{}
	via := map[string]string{}
	for run := 0; run < e.runs; run++ {
		for _, p := range ps { // round robin, so machine noise falls on every init alike
			r, err := startSup(e, p, fmt.Sprintf("spawn-%d", run), sleepers(n, false))
			if err != nil {
				return t, err
			}
			var spawnedAt, runningAt int64
			err = waitFor(2*time.Minute, 5*time.Millisecond, fmt.Sprintf("%s: %d programs spawned and RUNNING", p.name, n), func() (bool, error) {
				now := monotonic()
				if spawnedAt == 0 {
					c, err := childCount(r.pid)
					if err != nil {
						return false, err
					}
					if c >= n {
						spawnedAt = now
					}
				}
				k, err := r.running()
				if err != nil {
					return false, err
				}
				if k >= n && runningAt == 0 {
					runningAt = now
				}
				return spawnedAt != 0 && runningAt != 0, nil
			})
			r.kill()
			if err != nil {
				return t, err
			}
			spawned[p.name] = append(spawned[p.name], float64(spawnedAt-r.start)/1e9)
			running[p.name] = append(running[p.name], float64(runningAt-r.start)/1e9)
			via[p.name] = r.via
			e.logf("%s: spawned %.3f s, running %.3f s", p.name, float64(spawnedAt-r.start)/1e9, float64(runningAt-r.start)/1e9)
		}
	}
	med := func(m map[string][]float64, name string) float64 { return percentile(m[name], 50) }
	for _, p := range ps {
		t.add(p.name, fmt.Sprintf("%.3f", med(spawned, p.name)), ratio(med(spawned, p.name), med(spawned, "supervisord")),
			fmt.Sprintf("%.3f", med(running, p.name)), ratio(med(running, p.name), med(running, "supervisord")), via[p.name])
	}
	t.note("%d programs `/bin/sleep 100000`, startsecs=1, same priority; from the exec of PID 1 until %d children are in /proc/PID1/task/*/children, and until all are RUNNING; polled every 5 ms", n, n)
	t.note("median of %d runs per init (round robin)", e.runs)
	return t, nil
}

func idle50Section(e *env) (*table, error) {
	ps, notes := supPeers(e)
	t := &table{head: []string{"init", "RSS (kB)", "vs supervisord", "anon (kB)", "file (kB)", "threads", "wake-ups", "per s", "vs supervisord"}, notes: notes}
	var rs []*supRun
	for _, p := range ps {
		r, err := startSup(e, p, "idle50", sleepers(50, false))
		if err != nil {
			return t, err
		}
		rs = append(rs, r)
	}
	for _, r := range rs {
		if err := r.waitRunning(time.Minute); err != nil {
			return t, err
		}
	}
	time.Sleep(2 * time.Second)
	rss := make([]mem, len(rs))
	sw0 := make([]int64, len(rs))
	threads := make([]int, len(rs))
	for i, r := range rs {
		var err error
		if rss[i], err = memKB(r.pid); err != nil {
			return t, err
		}
		if sw0[i], threads[i], err = switches(r.pid); err != nil {
			return t, err
		}
	}
	e.logf("counting wake-ups for %v", e.idle)
	time.Sleep(e.idle)
	type row struct {
		rss        mem
		threads    int
		wake       int64
		rate       float64
		name, exit string
	}
	var rows []row
	var baseRSS, baseRate float64
	for i, r := range rs {
		if r.exited() {
			return t, fmt.Errorf("%s exited while idle: %v%s", r.name, r.state, r.logTail())
		}
		sw1, _, err := switches(r.pid)
		if err != nil {
			return t, err
		}
		w := sw1 - sw0[i]
		rate := float64(w) / e.idle.Seconds()
		if r.name == "supervisord" {
			baseRSS, baseRate = float64(rss[i].rss), rate
		}
		rows = append(rows, row{rss: rss[i], threads: threads[i], wake: w, rate: rate, name: r.name})
	}
	for _, w := range rows {
		t.add(w.name, strconv.FormatInt(w.rss.rss, 10), ratio(float64(w.rss.rss), baseRSS),
			strconv.FormatInt(w.rss.anon, 10), strconv.FormatInt(w.rss.file, 10), strconv.Itoa(w.threads),
			strconv.FormatInt(w.wake, 10), fmt.Sprintf("%.2f", w.rate), ratio(w.rate, baseRate))
	}
	t.note("50 programs `/bin/sleep 100000` all RUNNING, then 2 s, then RSS (VmRSS of PID 1, with its RssAnon and RssFile parts) and context switches of all its threads over %v; both supervisors idle at the same time", e.idle)
	return t, nil
}

func crashloopSection(e *env) (*table, error) {
	ps, notes := supPeers(e)
	t := &table{head: []string{"init", "CPU (ms)", "vs supervisord", "respawns", "per s", "min gap (ms)"}, notes: notes}
	progs := []program{{name: "crash", command: `/bin/sh -c "exit 1"`, startsecs: 0, autorestart: "true"}}
	var rs []*supRun
	for _, p := range ps {
		r, err := startSup(e, p, "crashloop", progs)
		if err != nil {
			return t, err
		}
		rs = append(rs, r)
	}
	for _, r := range rs {
		if err := waitFor(30*time.Second, 10*time.Millisecond, r.name+": crash respawned once", func() (bool, error) {
			if r.exited() {
				return false, fmt.Errorf("%s exited: %v%s", r.name, r.state, r.logTail())
			}
			s, _, _ := r.counts()
			return s >= 2, nil
		}); err != nil {
			return t, err
		}
	}
	cpu0 := make([]int64, len(rs))
	var cpuSrc string
	sp0 := make([]int, len(rs))
	for i, r := range rs {
		var err error
		if cpu0[i], cpuSrc, err = cpuNS(r.pid); err != nil {
			return t, err
		}
		sp0[i], _, _ = r.counts()
	}
	e.logf("crash-looping for %v", e.idle)
	time.Sleep(e.idle)
	cpu := make([]float64, len(rs))
	var base float64
	for i, r := range rs {
		c1, _, err := cpuNS(r.pid)
		if err != nil {
			return t, fmt.Errorf("%s: %w%s", r.name, err, r.logTail())
		}
		cpu[i] = float64(c1-cpu0[i]) / 1e6
		if r.name == "supervisord" {
			base = cpu[i]
		}
	}
	for i, r := range rs {
		sp1, _, times := r.counts()
		gap := "-"
		if len(times) > 1 {
			min := times[1].Sub(times[0])
			for j := 2; j < len(times); j++ {
				if d := times[j].Sub(times[j-1]); d < min {
					min = d
				}
			}
			gap = strconv.FormatInt(min.Milliseconds(), 10)
		}
		n := sp1 - sp0[i]
		t.add(r.name, fmt.Sprintf("%.1f", cpu[i]), ratio(cpu[i], base), strconv.Itoa(n),
			fmt.Sprintf("%.2f", float64(n)/e.idle.Seconds()), gap)
	}
	t.note(`one program: command=/bin/sh -c "exit 1", autorestart=true, startsecs=0; over %v, both supervisors at the same time`, e.idle)
	t.note("CPU: run time of PID 1 over the period, all threads (from %s); respawns: `spawned:` log lines; min gap: smallest interval between two spawns in the whole run (log timestamps, 1 ms)", cpuSrc)
	return t, nil
}

// procDiag is what /proc says about a process that does not react: its
// signal masks and each thread's state and wait channel.
func procDiag(pid int) string {
	var b strings.Builder
	for _, l := range statusLines(fmt.Sprintf("/proc/%d/status", pid), "State", "Sig", "ShdPnd") {
		b.WriteString("\n  " + l)
	}
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		dir := fmt.Sprintf("/proc/%d/task/%s/", pid, t.Name())
		wchan, _ := os.ReadFile(dir + "wchan")
		fmt.Fprintf(&b, "\n  task %s wchan=%s %s", t.Name(), wchan, strings.Join(statusLines(dir+"status", "State", "SigPnd", "SigBlk"), " "))
	}
	return b.String()
}

// statusLines are the lines of a /proc status file that start with one of
// the prefixes.
func statusLines(path string, prefixes ...string) []string {
	b, _ := os.ReadFile(path)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}
