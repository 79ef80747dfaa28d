package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// listenerSection: the eventlistener that images put in supervisord.conf to
// stop the container when a program goes FATAL (it SIGTERMs its parent).
// One program starts and exits at once, well before startsecs=10, with
// startretries=0 (FATAL at once), and the listener stops PID 1. Measured
// from the program's last moment (its own CLOCK_MONOTONIC, printed just
// before it exits) until PID 1 is reaped: how long a container whose
// program died keeps running.
func listenerSection(e *env) (*table, error) {
	ps, notes := supPeers(e)
	t := &table{head: []string{"init", "program exit -> PID 1 gone (s)", "vs supervisord", "exit"}, notes: notes}
	progs := []program{{name: "web", command: "/bin/sleep 100000", startsecs: 1}}
	extra := fmt.Sprintf(`
[program:broken]
command=/bin/sh -c "exec %s stamp > @DIR@/stamp"
startsecs=10
startretries=0

[eventlistener:fatalexit]
events=PROCESS_STATE_FATAL
command=sh -c 'while true; do printf "READY\n"; read line; kill -15 $PPID; printf "RESULT 2\n"; printf "OK"; done'
startsecs=0
startretries=0
`, e.child)
	runs := map[string][]float64{}
	exits := map[string]string{}
	for run := 0; run < e.runs; run++ {
		for _, p := range ps {
			d, exit, err := listenerOnce(e, p, progs, extra, run)
			killAll()
			if err != nil {
				return t, err
			}
			runs[p.name] = append(runs[p.name], d.Seconds())
			if exits[p.name] == "" || exit != "exit status 0" {
				exits[p.name] = exit
			}
		}
	}
	base := percentile(runs["supervisord"], 50)
	for _, p := range ps {
		m := percentile(runs[p.name], 50)
		t.add(p.name, fmt.Sprintf("%.3f", m), ratio(m, base), exits[p.name])
	}
	t.note("programs: web (sleep), broken (exits at once, startsecs=10, startretries=0: FATAL); [eventlistener:fatalexit] events=PROCESS_STATE_FATAL, a shell loop that runs kill -15 $PPID")
	t.note("from broken's own CLOCK_MONOTONIC just before its exit until PID 1 has been reaped; median of %d runs per init (round robin)", e.runs)
	return t, nil
}

func listenerOnce(e *env, p supPeer, progs []program, extra string, run int) (time.Duration, string, error) {
	progs = append([]program(nil), progs...)
	r, err := startSupWith(e, p, "listener-"+strconv.Itoa(run), progs, extra)
	if err != nil {
		return 0, "", err
	}
	defer r.kill()
	if !r.wait(time.Minute) {
		return 0, "", fmt.Errorf("%s still running a minute after its start%s", p.name, r.logTail())
	}
	b, err := os.ReadFile(filepath.Join(r.dir, "stamp"))
	if err != nil {
		return 0, "", fmt.Errorf("%s: broken left no stamp: %v%s", p.name, err, r.logTail())
	}
	stamp, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("%s: stamp %q: %v", p.name, b, err)
	}
	return time.Duration(r.exitedAt - stamp), r.state.String(), nil
}
