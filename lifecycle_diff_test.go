package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lifecycleConf exercises supervisord's rules for one program at a time:
// exitcodes with each autorestart value, starts that never last
// startsecs (whatever autorestart and exitcodes say), startsecs=0, death by a signal, and at shutdown stopsignal,
// the SIGKILL after stopwaitsecs, numprocs and the reverse-priority order,
// by group: a [group:x]'s priority, not its programs' own.
// Each program counts its runs in a file, so the story is the same on
// every run. retry1, which exits at once, has startsecs=3: supervisord's
// loop checks startsecs before it reaps, so a loop held off for a whole
// startsecs (a loaded CI machine) counts it RUNNING, restarts it for ever,
// and the story never settles. zero lives 0.3 s: supervisord logs startsecs=0's success in
// its loop's next pass, and a program gone before it reaps in this pass
// has none (CI saw it once with 'exit 0' alone).
const lifecycleConf = base + `
[program:exp]
command=/bin/sh -c 'sleep 1.5; exit 2'
autorestart=unexpected
exitcodes=2
startsecs=1

[program:unexp]
command=/bin/sh -c 'n=$(cat @DIR@/unexp.n 2>/dev/null || echo 0); n=$((n+1)); echo $n > @DIR@/unexp.n; sleep 1.5; if [ $n -lt 3 ]; then exit 3; fi; exit 0'
autorestart=unexpected
startsecs=1

[program:never]
command=/bin/sh -c 'sleep 1.5; exit 1'
autorestart=false
startsecs=1

[program:retry1]
command=/bin/sh -c 'exit 4'
startretries=1
startsecs=3

[program:early]
command=/bin/sh -c 'sleep 0.2; exit 0'
autorestart=false
startretries=0
startsecs=5

[program:zero]
command=/bin/sh -c 'sleep 0.3; exit 0'
startsecs=0
autorestart=unexpected

[program:selfkill]
command=/bin/sh -c 'sleep 1.5; kill -KILL $$'
autorestart=false
startsecs=1

[program:always]
command=/bin/sh -c 'n=$(cat @DIR@/always.n 2>/dev/null || echo 0); n=$((n+1)); echo $n > @DIR@/always.n; if [ $n -lt 2 ]; then sleep 1.5; exit 0; fi; exec /bin/sleep 1000'
autorestart=true
startsecs=1
priority=400

[program:stubborn]
command=/bin/sh -c 'trap "" TERM; exec /bin/sleep 1000'
stopwaitsecs=1
startsecs=1
priority=100

[program:intstop]
command=/bin/sh -c 'trap "exit 0" INT; while :; do sleep 0.1; done'
stopsignal=INT
startsecs=1
priority=200

[program:quitstop]
command=/bin/sh -c 'trap "exit 7" QUIT; while :; do sleep 0.1; done'
stopsignal=QUIT
startsecs=1
priority=300

[program:np]
command=/bin/sleep 1000
numprocs=2
process_name=%(program_name)s_%(process_num)02d
startsecs=1
priority=500

; a [group:x] stops by the group's priority, not its programs' own
[group:infra]
programs=db
priority=50

[program:db]
command=/bin/sleep 1000
startsecs=1
priority=600
`

var lifecycleNames = []string{"exp", "unexp", "never", "retry1", "early", "zero", "selfkill", "always", "stubborn", "intstop", "quitstop", "np_00", "np_01", "db"}

// lifecycleSettled: every program has told its whole story up to the stop.
func lifecycleSettled(log string) bool {
	for _, s := range []string{
		"exited: exp (", "exited: unexp (exit status 0", "exited: never (", "gave up: retry1 ", "gave up: early ",
		"exited: zero (", "exited: selfkill (", "success: stubborn ", "success: intstop ",
		"success: quitstop ", "success: np_00 ", "success: np_01 ", "success: db ",
	} {
		if !strings.Contains(log, s) {
			return false
		}
	}
	return strings.Count(log, "success: always ") == 2
}

// lifecycleHeldOff says how supervisord's log shows its loop held off
// past a startsecs, or "": early (0.2 s of its startsecs=5) or retry1
// (exits at once, startsecs=3) counted RUNNING; or a program that lives
// 1.5 s past its startsecs=1 reaped before the check, so it went from
// STARTING to EXITED with no success line (CI's load of 185 did it to
// always's first run, which made the story never settle).
func lifecycleHeldOff(log string) string {
	for _, s := range []string{"success: early ", "exited: early (exit status 0; expected)", "success: retry1 "} {
		if strings.Contains(log, s) {
			return strconv.Quote(s)
		}
	}
	starting := map[string]bool{} // spawned, no success line since
	for _, l := range strings.Split(log, "\n") {
		for _, n := range []string{"exp", "unexp", "never", "selfkill", "always"} {
			switch {
			case strings.Contains(l, "spawned: '"+n+"'"):
				starting[n] = true
			case strings.Contains(l, "success: "+n+" "):
				starting[n] = false
			case strings.Contains(l, "exited: "+n+" (") && starting[n]:
				return strconv.Quote(l)
			}
		}
	}
	return ""
}

// lifecycleStory is each program's catalogue lines, in order, pids cut,
// a line repeated at once kept once, and the order in which programs were stopped (np's two processes as
// one: they stop together).
func lifecycleStory(lines []string) (map[string][]string, []string) {
	story := map[string][]string{}
	var stopped []string
	for _, l := range lines {
		for _, n := range lifecycleNames {
			re := regexp.MustCompile(`^\w+ (spawned: '` + n + `'|success: ` + n + ` |exited: ` + n + ` |gave up: ` + n + ` |stopped: ` + n + ` |killing '` + n + `')`)
			if !re.MatchString(l) {
				continue
			}
			l = pidRe.ReplaceAllString(l, "N")
			// supervisord under load may send SIGKILL again on its next
			// one-second tick before the first is reaped: one line.
			if k := len(story[n]); k > 0 && story[n][k-1] == l {
				continue
			}
			story[n] = append(story[n], l)
			if strings.Contains(l, "stopped: ") {
				n = strings.TrimSuffix(strings.TrimSuffix(n, "_00"), "_01")
				if len(stopped) == 0 || stopped[len(stopped)-1] != n {
					stopped = append(stopped, n)
				}
			}
		}
	}
	return story, stopped
}

// TestLifecycleMatchesSupervisord runs lifecycleConf under Debian's
// supervisord and under gosinit, each as PID 1 of its own namespace,
// waits until every program has settled, stops both with SIGTERM, and
// compares each program's log lines and the stop order.
func TestLifecycleMatchesSupervisord(t *testing.T) {
	if _, err := os.Stat("/usr/bin/supervisord"); err != nil {
		t.Skip("Debian's supervisor package is not installed: no /usr/bin/supervisord")
	}
	r := startConf(t, lifecycleConf)
	deadline := time.Now().Add(90 * time.Second)
	for !lifecycleSettled(r.stderr.String()) {
		if time.Now().After(deadline) {
			r.stop(t)
			t.Fatalf("gosinit: the programs did not settle in 90 s; log:\n%s", r.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code := r.stop(t); code != 0 {
		t.Errorf("gosinit exited %d after SIGTERM", code)
	}
	ours, ourOrder := lifecycleStory(r.logLines())

	// supervisord checks startsecs in its loop before it reaps: a loop
	// held off past a program's startsecs (a machine shared with a load
	// of 60 busy processes) counts a program that exits at once RUNNING,
	// and the story is no longer the rules'. Such a run is tried again
	// once, then the comparison is skipped, saying so.
	var log string
	for try := 1; ; try++ {
		log = supervisordLog(t, lifecycleConf, lifecycleSettled)
		held := lifecycleHeldOff(log)
		if held == "" {
			break
		}
		if try == 2 {
			t.Skipf("supervisord's loop was held off past startsecs twice (%s): nothing to compare with; its log:\n%s", held, log)
		}
	}
	if !lifecycleSettled(log) {
		t.Fatalf("supervisord: the programs did not settle; log:\n%s", log)
	}
	var lines []string
	for _, l := range strings.Split(log, "\n") {
		if len(l) > 24 {
			lines = append(lines, l[24:])
		}
	}
	theirs, theirOrder := lifecycleStory(lines)

	for _, n := range lifecycleNames {
		if g, w := strings.Join(ours[n], "\n  "), strings.Join(theirs[n], "\n  "); g != w {
			t.Errorf("%s:\ngosinit:\n  %s\nsupervisord:\n  %s", n, g, w)
		}
	}
	if g, w := strings.Join(ourOrder, " "), strings.Join(theirOrder, " "); g != w {
		t.Errorf("stop order: gosinit %s, supervisord %s", g, w)
	}
	if len(theirs["always"]) < 5 || len(theirs["stubborn"]) < 4 {
		t.Fatalf("the scenario did not happen under supervisord: %q", theirs)
	}
}

// TestLifecycleHeldOffSeen: the signs of a held-off supervisord loop, from
// real logs (CI's of 27 Nov: always exited before its success line).
func TestLifecycleHeldOffSeen(t *testing.T) {
	for _, c := range []struct {
		log  string
		held bool
	}{
		{"INFO spawned: 'always' with pid 6\nINFO success: always entered RUNNING state\nINFO exited: always (exit status 0; expected)\nINFO spawned: 'always' with pid 62", false},
		{"INFO spawned: 'always' with pid 6\nINFO exited: always (exit status 0; expected)\nINFO spawned: 'always' with pid 62", true},
		{"INFO spawned: 'exp' with pid 25\nINFO exited: exp (exit status 2; expected)", true},
		{"INFO spawned: 'retry1' with pid 34\nWARN exited: retry1 (exit status 4; not expected)", false},
		{"INFO spawned: 'retry1' with pid 34\nINFO success: retry1 entered RUNNING state", true},
		{"INFO spawned: 'early' with pid 22\nINFO exited: early (exit status 0; expected)", true},
	} {
		if got := lifecycleHeldOff(c.log); (got != "") != c.held {
			t.Errorf("held off = %q, want %v, for:\n%s", got, c.held, c.log)
		}
	}
}
