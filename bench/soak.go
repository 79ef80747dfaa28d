package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gosinit/gosinit/proc"
)

// soakSection runs gosinit alone as PID 1 for e.soak under steady churn
// and samples what would show a leak: its RSS, open descriptors, threads
// and CPU, the processes and zombies of its namespace. The churn: a
// program that crash-loops (a respawn a second), one that exits after 3 s,
// one that leaves two orphans at each run, a chatty program whose log
// rotates every few seconds, an fcgi-program with two processes answering
// a connection every second, an event listener subscribed to every state
// change and TICK_5, a SIGHUP every 10 s that adds or removes a program, an
// fcgi-program and a listener and changes a pool's numprocs, a SIGUSR2 every 30 s, `gosinit status`
// every 5 s. It ends with SIGTERM.
//
// It fails when: a descriptor count grows, a zombie stays across two
// samples, RSS ends above twice its first sample, a connection or a
// reload fails, the retained chatty logs miss a line, or the exit is not
// clean.
func soakSection(e *env) (*table, error) {
	t := &table{head: []string{"time", "RSS (kB)", "fds", "threads", "CPU (ms)", "procs", "zombies", "spawns", "reloads"}}
	if e.gosinit == "" {
		return t, errors.New(e.gosinitNote)
	}
	dir := filepath.Join(e.tmp, "soak")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return t, err
	}
	conf := filepath.Join(dir, "supervisord.conf")
	gen := 0
	write := func() error {
		tmp := conf + ".new"
		if err := os.WriteFile(tmp, []byte(soakConf(e, dir, gen)), 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, conf)
	}
	if err := write(); err != nil {
		return t, err
	}
	status := filepath.Join(dir, "status.json")
	in, err := start(e, launch{name: "gosinit", argv: []string{e.gosinit, "-c", conf, "--status-file", status},
		wrap: true, log: filepath.Join(dir, "out.log")})
	if err != nil {
		return t, err
	}
	sock := filepath.Join(dir, "fcgi.sock")
	if err := waitFor(30*time.Second, 50*time.Millisecond, "the fcgi socket answers", func() (bool, error) {
		if in.exited() {
			return false, fmt.Errorf("gosinit exited: %v%s", in.state, in.logTail())
		}
		return askOK(sock) == nil, nil
	}); err != nil {
		return t, err
	}
	logc := &logCounter{path: filepath.Join(dir, "gosinit.log")}

	var (
		problems    []string
		connFails   int
		statusFails int
		hups        int
		firstRSS    int64
		lastRSS     int64
		maxRSS      int64
		fds         []int
		prevZombies = map[int]bool{}
		cpuPrev     int64
	)
	problem := func(format string, args ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	sample := func(at time.Duration) error {
		m, err := memKB(in.pid)
		if err != nil {
			return fmt.Errorf("gosinit: %w%s", err, in.logTail())
		}
		ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", in.pid))
		threads, _ := statusField(fmt.Sprintf("/proc/%d/status", in.pid), "Threads")
		cpu, _, _ := cpuNS(in.pid)
		procs, _ := nsProcesses(in.pid)
		zombies := map[int]bool{}
		for pid, st := range procs {
			if st == 'Z' {
				zombies[pid] = true
				if prevZombies[pid] {
					problem("pid %d (namespace) a zombie in two samples %v apart", pid, e.soakSample)
				}
			}
		}
		prevZombies = zombies
		logc.update()
		reloads := "-"
		if st, err := proc.ReadStatus(status); err == nil {
			reloads = fmt.Sprintf("%d %s", st.Generation, st.Reload)
		}
		if firstRSS == 0 {
			firstRSS = m.rss
		}
		lastRSS, maxRSS = m.rss, max(maxRSS, m.rss)
		fds = append(fds, len(ents))
		t.add(at.Truncate(time.Second).String(), strconv.FormatInt(m.rss, 10), strconv.Itoa(len(ents)),
			strconv.FormatInt(threads, 10), strconv.FormatInt((cpu-cpuPrev)/1e6, 10),
			strconv.Itoa(len(procs)), strconv.Itoa(len(zombies)), strconv.Itoa(logc.spawned), reloads)
		cpuPrev = cpu
		e.logf("soak %v: rss %d kB, %d fds, %d procs", at.Truncate(time.Second), m.rss, len(ents), len(procs))
		return nil
	}

	begin := time.Now()
	cpu0, _, _ := cpuNS(in.pid)
	cpuPrev = cpu0
	if err := sample(0); err != nil {
		return t, err
	}
	// Samples fall halfway between two reloads, when the last one is
	// applied.
	nextSample := e.soakSample + 5*time.Second
	for tick := 1; ; tick++ {
		time.Sleep(time.Until(begin.Add(time.Duration(tick) * time.Second)))
		if in.exited() {
			return t, fmt.Errorf("gosinit exited during the soak: %v%s", in.state, in.logTail())
		}
		el := time.Since(begin)
		if err := askOK(sock); err != nil {
			connFails++
			problem("%v: fcgi connection: %v", el.Truncate(time.Second), err)
		}
		if tick%10 == 0 {
			gen++
			if err := write(); err != nil {
				return t, err
			}
			syscall.Kill(in.pid, syscall.SIGHUP)
			hups++
		}
		if tick%30 == 15 {
			syscall.Kill(in.pid, syscall.SIGUSR2)
		}
		if tick%5 == 0 {
			// Inside the namespace, where the status file's pid 1 is gosinit.
			c := exec.Command("nsenter", "-t", strconv.Itoa(in.pid), "-p", "-m", e.gosinit, "status")
			c.Env = append(os.Environ(), "GOSINIT_STATUS_FILE="+status)
			if err := c.Run(); err != nil {
				if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
					statusFails++
					problem("%v: gosinit status: %v", el.Truncate(time.Second), err)
				}
			}
		}
		if el >= nextSample {
			if err := sample(el); err != nil {
				return t, err
			}
			nextSample += e.soakSample
		}
		if el >= e.soak {
			break
		}
	}
	total := time.Since(begin)
	cpu1, _, _ := cpuNS(in.pid)
	var st *proc.Status
	err = waitFor(10*time.Second, 50*time.Millisecond, "the last reload", func() (bool, error) {
		st, err = proc.ReadStatus(status)
		return err == nil && st.Generation == hups, nil
	})
	if st == nil {
		problem("status file: %v", err)
	} else if st.Reload != "ok" || st.Generation != hups {
		problem("reloads: %d SIGHUPs sent, status says generation %d, %q %v", hups, st.Generation, st.Reload, st.ReloadErrors)
	}
	stopAt := time.Now()
	syscall.Kill(in.pid, syscall.SIGTERM)
	if !in.wait(30 * time.Second) {
		problem("gosinit did not exit within 30 s of SIGTERM")
	} else if code := in.state.ExitCode(); code != 0 {
		problem("gosinit exited %d after SIGTERM%s", code, in.logTail())
	}
	stop := time.Since(stopAt)
	// Once chatty is stopped and its pipe drained: no partial last line.
	lines, gaps := checkChatty(dir)
	if gaps > 0 || lines == 0 {
		problem("chatty logs: %d gaps in %d lines", gaps, lines)
	}

	// Descriptors after the first minute (log files open at the first
	// line): the most in the first half against the most in the second
	// (odd and even reloads differ by a program, an fcgi-program and a
	// listener).
	warm := min(len(fds)-1, int(time.Minute/e.soakSample))
	mid := warm + (len(fds)-warm)/2
	early, late := slices.Max(fds[warm:max(mid, warm+1)]), slices.Max(fds[mid:])
	if late > early+2 {
		problem("descriptors grew from at most %d to %d", early, late)
	}
	if lastRSS > 2*firstRSS {
		problem("RSS grew from %d to %d kB", firstRSS, lastRSS)
	}
	t.note("%v of churn (see bench/soak.go): %d spawns, %d reloads, %d SIGUSR2, %d fcgi connections (%d failed), gosinit status every 5 s (%d failed)",
		total.Truncate(time.Second), logc.spawned, hups, int(total/(30*time.Second)), int(total/time.Second), connFails, statusFails)
	t.note("RSS first/last/max %d/%d/%d kB; descriptors at most %d in the first half after a minute, %d in the second; CPU %.2f s in all, %.1f ms per minute",
		firstRSS, lastRSS, maxRSS, early, late, float64(cpu1-cpu0)/1e9, float64(cpu1-cpu0)/1e6/total.Minutes())
	t.note("chatty's retained logs: %d lines, %d gaps; SIGTERM to exit %v", lines, gaps, stop.Truncate(time.Millisecond))
	t.note("CPU: the interval's run time of PID 1, all threads; procs/zombies: processes of the namespace; spawns: `spawned:` lines; reloads: the status file's generation and result")
	if len(problems) > 0 {
		return t, errors.New(strings.Join(problems, "; "))
	}
	t.note("no leak: descriptors flat, no lasting zombie, every connection and reload answered")
	return t, nil
}

// soakConf is the soak's configuration at reload generation gen: odd
// generations add a program, an fcgi-program and an event listener and run
// four pool processes, even ones two.
func soakConf(e *env, dir string, gen int) string {
	numprocs, extra := 2, ""
	if gen%2 == 1 {
		numprocs = 4
		extra = fmt.Sprintf(`
[program:extra]
command=/bin/sleep 100000
startsecs=0

[fcgi-program:fcgi2]
command=%[1]s fcgi
socket=unix://@DIR@/fcgi2.sock

[eventlistener:listen2]
command=%[1]s listen
events=PROCESS_STATE_EXITED
`, e.child)
	}
	return strings.ReplaceAll(fmt.Sprintf(`[supervisord]
nodaemon=true
logfile=@DIR@/gosinit.log
logfile_maxbytes=0
loglevel=info
childlogdir=@DIR@
pidfile=@DIR@/sd.pid

[program:crash]
command=/bin/sh -c "echo boom; exit 3"
startsecs=0
autorestart=true
stdout_logfile=@DIR@/crash.log
stdout_logfile_maxbytes=4KB
stdout_logfile_backups=2

[program:flaky]
command=/bin/sh -c "sleep 3; exit 1"
stdout_logfile=NONE
stderr_logfile=NONE

[program:orphaner]
command=/bin/sh -c "sleep 0.3 & sleep 0.3 & exit 0"
startsecs=0
autorestart=true
stdout_logfile=NONE
stderr_logfile=NONE

[program:chatty]
command=%[1]s chatty
stdout_logfile=@DIR@/chatty.log
stdout_logfile_maxbytes=256KB
stdout_logfile_backups=3
stderr_logfile=/dev/stdout
stderr_prefix=%%(program_name)s | 

[fcgi-program:fcgi]
command=%[1]s fcgi
numprocs=2
process_name=%%(program_name)s_%%(process_num)s
socket=unix://@DIR@/fcgi.sock
stdout_logfile=NONE
stderr_logfile=@DIR@/fcgi.err

[eventlistener:listen]
command=%[1]s listen
events=PROCESS_STATE,TICK_5
stderr_logfile=@DIR@/listen.err

[program:pool]
command=/bin/sleep 100000
numprocs=%[2]d
process_name=%%(program_name)s_%%(process_num)s
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE
`, e.child, numprocs)+extra, "@DIR@", dir)
}

// askOK connects to the fcgi socket and expects "ok".
func askOK(sock string) error {
	c, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	ans, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if ans != "ok\n" {
		return fmt.Errorf("answered %q", ans)
	}
	return nil
}

// checkChatty reads chatty's log and its backups, oldest first, and
// counts the places where a line number does not follow the one before.
func checkChatty(dir string) (lines, gaps int) {
	var files []string
	for i := 3; i >= 1; i-- {
		files = append(files, filepath.Join(dir, "chatty.log."+strconv.Itoa(i)))
	}
	files = append(files, filepath.Join(dir, "chatty.log"))
	prev := -1
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			var n int
			if _, err := fmt.Sscanf(l, "line %d ", &n); err != nil {
				continue
			}
			lines++
			if prev >= 0 && n != prev+1 {
				gaps++
			}
			prev = n
		}
	}
	return lines, gaps
}
