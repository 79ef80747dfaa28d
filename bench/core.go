package main

// The PID 1 core sections (issue 2): gosinit against tini, tini-static and
// dumb-init, each running one child as PID 1 of its own namespace. Ratios
// are to tini.

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// peer is one init and the argv prefix that makes it run a command.
type peer struct {
	name string
	argv []string // prefix; the child's argv follows
}

// corePeers are the inits of issue 2. group asks tini for its group mode
// (-g), which dumb-init and gosinit use by default.
func corePeers(e *env, group bool) (ps []peer, notes []string) {
	tiniArgs := []string{"--"}
	if group {
		tiniArgs = []string{"-g", "--"}
	}
	cands := []peer{
		{"tini", append([]string{"/usr/bin/tini"}, tiniArgs...)},
		{"tini-static", append([]string{"/usr/bin/tini-static"}, tiniArgs...)},
		{"dumb-init", []string{"/usr/bin/dumb-init"}},
	}
	if group {
		cands[0].name, cands[1].name = "tini -g", "tini-static -g"
	}
	if e.gosinit != "" {
		cands = append(cands, peer{"gosinit", []string{e.gosinit, "--"}})
	} else {
		notes = append(notes, e.gosinitNote)
	}
	for _, p := range cands {
		if _, err := os.Stat(p.argv[0]); err != nil {
			notes = append(notes, fmt.Sprintf("%s not measured: %v", p.name, err))
			continue
		}
		ps = append(ps, p)
	}
	return ps, notes
}

// direct runs the helper child itself as PID 1: the floor that the child's
// own costs (Go runtime start, Go signal delivery) put under every init.
var direct = peer{name: "direct (no init)"}

func argv(p peer, child ...string) []string {
	return append(append([]string(nil), p.argv...), child...)
}

func sizeSection(e *env) (*table, error) {
	ps, notes := corePeers(e, false)
	t := &table{head: []string{"init", "binary", "size (kB)", "vs tini", "linking"}, notes: notes}
	var base float64
	for _, p := range ps {
		path := p.argv[0]
		fi, err := os.Stat(path)
		if err != nil {
			return t, err
		}
		link, err := linking(path)
		if err != nil {
			return t, err
		}
		kb := float64(fi.Size()) / 1024
		if p.name == "tini" {
			base = kb
		}
		shown := path
		if p.name == "gosinit" && filepath.Dir(path) == e.tmp {
			shown = "(built: CGO_ENABLED=0 -trimpath -ldflags '-s -w')"
		}
		t.add(p.name, shown, fmt.Sprintf("%.0f", kb), ratio(kb, base), link)
	}
	t.note("kB = 1024 bytes; static = the ELF file has no PT_INTERP (what `file` calls statically linked)")
	return t, nil
}

func idleSection(e *env) (*table, error) {
	ps, notes := corePeers(e, false)
	t := &table{head: []string{"init", "RSS (kB)", "vs tini", "anon (kB)", "file (kB)", "threads", "wake-ups", "per s", "vs tini"}, notes: notes}
	var ins []*instance
	for _, p := range ps {
		in, err := start(e, launch{name: p.name, argv: argv(p, "/bin/sleep", "1000000"), wrap: true,
			log: filepath.Join(e.tmp, "idle-"+p.name+".log")})
		if err != nil {
			return t, err
		}
		ins = append(ins, in)
	}
	for _, in := range ins {
		if err := waitFor(10*time.Second, 10*time.Millisecond, in.name+": sleep child started", func() (bool, error) {
			n, err := childCount(in.pid)
			return n >= 1, err
		}); err != nil {
			return t, err
		}
	}
	e.logf("all inits run sleep; 2 s idle")
	time.Sleep(2 * time.Second)
	rss := make([]mem, len(ins))
	sw0 := make([]int64, len(ins))
	threads := make([]int, len(ins))
	for i, in := range ins {
		var err error
		if rss[i], err = memKB(in.pid); err != nil {
			return t, fmt.Errorf("%s: %w", in.name, err)
		}
		if sw0[i], threads[i], err = switches(in.pid); err != nil {
			return t, fmt.Errorf("%s: %w", in.name, err)
		}
	}
	e.logf("counting wake-ups for %v", e.idle)
	time.Sleep(e.idle)
	var baseRSS, baseRate float64
	for i, in := range ins {
		if in.exited() {
			return t, fmt.Errorf("%s exited while idle: %v%s", in.name, in.state, in.logTail())
		}
		sw1, _, err := switches(in.pid)
		if err != nil {
			return t, fmt.Errorf("%s: %w", in.name, err)
		}
		wake := sw1 - sw0[i]
		rate := float64(wake) / e.idle.Seconds()
		if in.name == "tini" {
			baseRSS, baseRate = float64(rss[i].rss), rate
		}
		t.add(in.name, strconv.FormatInt(rss[i].rss, 10), ratio(float64(rss[i].rss), baseRSS),
			strconv.FormatInt(rss[i].anon, 10), strconv.FormatInt(rss[i].file, 10), strconv.Itoa(threads[i]),
			strconv.FormatInt(wake, 10), fmt.Sprintf("%.2f", rate), ratio(rate, baseRate))
	}
	t.note("RSS: VmRSS 2 s after start, and its parts RssAnon (the init's own memory) and RssFile (pages of its binary and libraries it has mapped, shared with the page cache; gosinit unmaps the code its start ran once it is idle)")
	t.note("wake-ups: voluntary+nonvoluntary context switches of all threads over %v, all inits idle at the same time", e.idle)
	return t, nil
}

func orphanSection(e *env) (*table, error) {
	ps, notes := corePeers(e, false)
	t := &table{head: []string{"init", "exited", "all reaped (ms)", "lag after last exit (ms)", "vs tini", "resolution p50 / max (ms)", "Z left", "left in ns"}, notes: notes}
	type agg struct {
		total, lag, res                  []float64
		exited, remaining, zombies, left int
		realtime                         bool
	}
	aggs := make([]agg, len(ps))
	// Round robin over the runs, so drift on the machine touches every init
	// alike; the herd of exits makes single runs vary a lot.
	for run := 0; run < e.orphanRuns; run++ {
		for i, p := range ps {
			r, err := orphansOnce(e, p, run)
			killAll()
			if err != nil {
				return t, err
			}
			a := &aggs[i]
			if run == 0 || r.exited < a.exited {
				a.exited = r.exited
			}
			a.remaining = max(a.remaining, r.remaining)
			a.zombies = max(a.zombies, r.zombies)
			a.left = max(a.left, r.procs)
			a.realtime = r.realtime
			a.total = append(a.total, float64(r.scan-r.release))
			a.lag = append(a.lag, float64(r.scan-r.lastExit))
			a.res = append(a.res, float64(r.scan-r.lastBusy))
		}
	}
	var base float64
	for i, p := range ps {
		a := aggs[i]
		lag := percentile(a.lag, 50)
		reaped := ms(percentile(a.total, 50))
		if a.remaining > 0 {
			lag = math.NaN()
			reaped = fmt.Sprintf("NOT DONE (%d left)", a.remaining)
		}
		if p.name == "tini" {
			base = lag
		}
		t.add(p.name, fmt.Sprintf("%d/%d", a.exited, e.orphans), reaped, ms(lag), ratio(lag, base),
			ms(percentile(a.res, 50))+" / "+ms(percentile(a.res, 100)), strconv.Itoa(a.zombies), strconv.Itoa(a.left))
		if !a.realtime {
			t.note("%s: the poller could not get SCHED_FIFO; its resolution suffers while the orphans exit", p.name)
		}
	}
	t.note("a child starts %d waiters blocked on one FIFO and exits, so they are the init's orphans; the harness closes the FIFO's only writer (release) and all exit at once", e.orphans)
	t.note("median of %d runs per init (round robin); all reaped: release -> first scan of /proc/INIT/task/*/children showing only the main child", e.orphanRuns)
	t.note("lag: from the last waiter's own CLOCK_MONOTONIC just before its exit; on 2 CPUs the herd of exits and the init's reaping share the machine, so runs vary")
	t.note("resolution: over the runs, time from the last scan that still saw orphans to the one that saw none; Z left, left in ns: worst count in the namespace's /proc afterwards (2 = the init and its main child)")
	return t, nil
}

type orphanResult struct {
	release, scan, lastBusy, lastExit        int64 // CLOCK_MONOTONIC ns
	exited, remaining, zombies, procs, scans int
	realtime                                 bool // the poller ran at SCHED_FIFO
}

func orphansOnce(e *env, p peer, run int) (orphanResult, error) {
	var r orphanResult
	n := e.orphans
	tag := fmt.Sprintf("orphans-%s-%d", p.name, run)
	fifo := filepath.Join(e.tmp, tag+".fifo")
	stamps := filepath.Join(e.tmp, tag+".stamps")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		return r, err
	}
	// The harness holds the FIFO's only writer; closing it releases every
	// grandchild at once. O_RDWR opens a FIFO without waiting for a reader.
	wfd, err := unix.Open(fifo, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return r, err
	}
	released := false
	defer func() {
		if !released {
			unix.Close(wfd)
		}
	}()
	if err := os.WriteFile(stamps, make([]byte, n*16), 0o600); err != nil {
		return r, err
	}
	in, err := start(e, launch{name: p.name, argv: argv(p, e.child, "orphans", strconv.Itoa(n), fifo, stamps),
		wrap: true, pipe: true, log: filepath.Join(e.tmp, tag+".log")})
	if err != nil {
		return r, err
	}
	defer in.kill()
	if s, err := in.line(3 * time.Minute); err != nil || s != "ready" {
		return r, fmt.Errorf("%s: orphan helper not ready: %q %v", p.name, s, err)
	}
	e.logf("%s: %d orphans forked", p.name, n)
	// Every grandchild must be an orphan of the init, asleep on the FIFO.
	if err := waitFor(time.Minute, 50*time.Millisecond, p.name+": orphans asleep", func() (bool, error) {
		kids, err := children(in.pid)
		if err != nil || len(kids) < n+1 {
			return false, err
		}
		for _, k := range kids {
			s, err := readStat(fmt.Sprintf("/proc/%d/stat", k))
			if err != nil || s.state != 'S' {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		return r, err
	}
	time.Sleep(200 * time.Millisecond)

	threads, err := loadavgThreads()
	if err != nil {
		return r, err
	}
	r.release = monotonic()
	unix.Close(wfd)
	released = true
	if err := pollReaped(in, &r, threads-n+n/10+100); err != nil {
		return r, err
	}
	b, err := os.ReadFile(stamps)
	if err != nil {
		return r, err
	}
	for i := 0; i+16 <= len(b); i += 16 {
		sec := int64(binary.LittleEndian.Uint64(b[i:]))
		nsec := int64(binary.LittleEndian.Uint64(b[i+8:]))
		if sec == 0 && nsec == 0 {
			continue
		}
		r.exited++
		if ts := sec*1e9 + nsec; ts > r.lastExit {
			r.lastExit = ts
		}
	}
	procs, err := nsProcesses(in.pid)
	if err != nil {
		return r, fmt.Errorf("%s: %w%s", p.name, err, in.logTail())
	}
	r.procs = len(procs)
	for _, st := range procs {
		if st == 'Z' {
			r.zombies++
		}
	}
	e.logf("%s: reaped in %s ms, %d children scans", p.name, ms(float64(r.scan-r.release)), r.scans)
	return r, nil
}

// pollReaped waits until the init has no child left but its main one and
// records when it saw that (r.scan) and when it last saw orphans
// (r.lastBusy).
//
// Ten thousand processes made runnable at once starve a normal thread on a
// small machine for hundreds of milliseconds, so the poller runs on its own
// thread at SCHED_FIFO priority 1 and sleeps with nanosleep on that thread
// (a Go timer would need another, starved, thread to wake it). Its work is
// small, so it hardly competes with the reaping: a scan of the init's
// children list holds the kernel's tasklist lock, which reaping needs, for
// as long as the list is long, so the poller first reads the system-wide
// thread count of /proc/loadavg (one counter, decremented at reap) and
// scans the children list every 250 us only once that count is at most
// gate, about a tenth of the orphans left; other processes on the machine
// move the counter too, so it also scans every 20 ms whatever it says.
func pollReaped(in *instance, r *orphanResult, gate int) error {
	errc := make(chan error, 1)
	go func() {
		// The thread must not end with this goroutine: a thread that
		// started an init (Pdeathsig=SIGKILL is per thread) would take the
		// init down with it. So the policy is put back and the thread
		// returned to the runtime; only if that fails does it stay locked
		// and end here.
		runtime.LockOSThread()
		r.realtime = unix.SchedSetAttr(0, &unix.SchedAttr{Policy: unix.SCHED_FIFO, Priority: 1}, 0) == nil
		defer func() {
			if unix.SchedSetAttr(0, &unix.SchedAttr{Policy: unix.SCHED_NORMAL}, 0) == nil {
				runtime.UnlockOSThread()
			}
		}()
		const full = int64(20 * time.Millisecond)
		every := unix.Timespec{Nsec: int64(250 * time.Microsecond)}
		deadline := r.release + int64(30*time.Second)
		r.lastBusy = r.release
		lastFull := r.release
		for {
			now := monotonic()
			if now-lastFull < full && now < deadline {
				if t, err := loadavgThreads(); err == nil && t > gate {
					unix.Nanosleep(&every, nil)
					continue
				}
			}
			lastFull = now
			r.scans++
			c, err := childCount(in.pid)
			if err != nil {
				errc <- fmt.Errorf("%s: %w%s", in.name, err, in.logTail())
				return
			}
			r.remaining = c - 1
			if c <= 1 || now > deadline {
				r.scan = now
				errc <- nil
				return
			}
			r.lastBusy = now
			unix.Nanosleep(&every, nil)
		}
	}()
	return <-errc
}

func sigtermSection(e *env) (*table, error) {
	ps, notes := corePeers(e, true)
	ps = append(ps, direct)
	t := &table{head: []string{"init", "p50 (ms)", "vs tini -g", "p99 (ms)", "vs tini -g", "max (ms)"}, notes: notes}
	var ins []*instance
	for _, p := range ps {
		in, err := start(e, launch{name: p.name, argv: argv(p, e.child, "term"), wrap: true, pipe: true,
			log: filepath.Join(e.tmp, "sigterm-"+p.name+".log")})
		if err != nil {
			return t, err
		}
		ins = append(ins, in)
		if s, err := in.line(10 * time.Second); err != nil || s != "ready" {
			return t, fmt.Errorf("%s: term child not ready: %q %v", p.name, s, err)
		}
	}
	if e.termHog {
		stop, err := startHog(e, ins)
		if err != nil {
			return t, err
		}
		defer stop()
	}
	lat := make([][]float64, len(ins))
	const warmup = 5
	// Round robin, so drift on the machine touches every init alike.
	for trial := 0; trial < warmup+e.termTrials; trial++ {
		for i, in := range ins {
			t0 := monotonic()
			if err := unix.Kill(in.pid, unix.SIGTERM); err != nil {
				return t, fmt.Errorf("%s: kill: %w", in.name, err)
			}
			got, err := in.stampLine(5 * time.Second)
			if err != nil {
				return t, err
			}
			if trial >= warmup {
				lat[i] = append(lat[i], float64(got-t0))
			}
			time.Sleep(2 * time.Millisecond) // let the init settle back to sleep
		}
	}
	var b50, b99 float64
	for i, in := range ins {
		p50, p99 := percentile(lat[i], 50), percentile(lat[i], 99)
		if in.name == "tini -g" {
			b50, b99 = p50, p99
		}
		t.add(in.name, ms(p50), ratio(p50, b50), ms(p99), ratio(p99, b99), ms(percentile(lat[i], 100)))
	}
	t.note("%d trials per init (after %d warm-up), round robin; from the harness's CLOCK_MONOTONIC just before kill(init, SIGTERM) to the child's on receipt", e.termTrials, warmup)
	t.note("the child is a Go program (signal.Notify): its delivery cost is in every row; direct = SIGTERM sent to the child as PID 1, no init")
	if e.termHog {
		t.note("-sigterm-hog: a process spinning on CPU %d, gosinit's (CPU 0 if gosinit is not pinned), during the trials; the others may run on any CPU", e.hogCPU)
	}
	return t, nil
}

// startHog starts a process that spins on the CPU gosinit's threads are
// pinned to (CPU 0 when they are not) and returns what stops it.
func startHog(e *env, ins []*instance) (func(), error) {
	e.hogCPU = 0
	for _, in := range ins {
		if in.name != "gosinit" {
			continue
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", in.pid))
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
				if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
					e.hogCPU = n
				}
			}
		}
	}
	cmd := exec.Command(e.child, "spin")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var set unix.CPUSet
	set.Set(e.hogCPU)
	if err := unix.SchedSetaffinity(cmd.Process.Pid, &set); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}
	return func() { cmd.Process.Kill(); cmd.Wait() }, nil
}

func execSection(e *env) (*table, error) {
	ps, notes := corePeers(e, false)
	ps = append(ps, direct)
	t := &table{head: []string{"init", "p50 (ms)", "vs tini", "min (ms)", "init's own (ms)"}, notes: notes}
	lat := make([][]float64, len(ps))
	for trial := 0; trial < e.execTrials; trial++ {
		for i, p := range ps {
			in, err := start(e, launch{name: p.name, argv: argv(p, e.child, "stamp"), pipe: true})
			if err != nil {
				return t, err
			}
			got, err := in.stampLine(10 * time.Second)
			if err != nil {
				in.kill()
				return t, err
			}
			exited := in.wait(10 * time.Second)
			in.kill()
			if !exited {
				return t, fmt.Errorf("%s: did not exit after its child", p.name)
			}
			lat[i] = append(lat[i], float64(got-in.start))
		}
	}
	floor := percentile(lat[len(ps)-1], 50)
	var base float64
	for i, p := range ps {
		p50 := percentile(lat[i], 50)
		if p.name == "tini" {
			base = p50
		}
		own := ms(p50 - floor)
		if p.name == direct.name {
			own = "-"
		}
		t.add(p.name, ms(p50), ratio(p50, base), ms(percentile(lat[i], 0)), own)
	}
	t.note("%d trials per init, round robin; from just before the harness's fork/exec (clone with CLONE_NEWPID|CLONE_NEWNS) to the child's first Go code", e.execTrials)
	t.note("direct = the child started the same way with no init (clone, exec, Go runtime start); init's own = p50 - direct p50")
	return t, nil
}
