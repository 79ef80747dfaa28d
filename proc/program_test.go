package proc

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

var allStates = []State{Stopped, Starting, Running, Backoff, Stopping, Exited, Fatal, Unknown}

func testProgram() *config.Process {
	return &config.Process{
		Name: "web", Group: "web", Argv: []string{"/bin/true"},
		Autostart: true, Autorestart: config.AutorestartUnexpected,
		Startsecs: time.Second, Startretries: 3, Exitcodes: []int{0},
		Stopsignal: config.Signal(unix.SIGTERM), Stopwaitsecs: 10 * time.Second,
	}
}

func describe(acts []action) string {
	var b []string
	for _, a := range acts {
		switch a.kind {
		case actSpawn:
			b = append(b, "spawn")
		case actTimer:
			b = append(b, fmt.Sprintf("timer(%v,%s)", a.d, a.ev))
		case actSignal:
			b = append(b, "stopsignal")
		case actKillSig:
			b = append(b, "SIGKILL")
		case actLog:
			b = append(b, fmt.Sprintf("log(%d,%q)", a.level, a.msg))
		case actGaveUp:
			b = append(b, "gaveup")
		case actSetSpawnerr:
			b = append(b, fmt.Sprintf("spawnerr(%q)", a.msg))
		}
	}
	return strings.Join(b, " ")
}

// TestTransitionEveryPair runs every state x event pair, in normal running,
// during shutdown and for a process a reload removed, and compares with
// testdata/transitions.golden.
func TestTransitionEveryPair(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 6, 30, 0, 0, time.UTC)
	var out strings.Builder
	for _, mode := range []string{"shutdown=false", "shutdown=true", "removed=true"} {
		for _, st := range allStates {
			for ev := event(0); ev < numEvents; ev++ {
				m := machine{state: st, backoff: 1, lastSpawn: t0}
				f := facts{now: t0.Add(5 * time.Second), pid: 12, err: "can't find command 'x'",
					exitDesc: "exit status 3", expected: false,
					shutdown: mode == "shutdown=true", removed: mode == "removed=true"}
				next, acts, handled := transition(m, testProgram(), "web", ev, &f)
				fmt.Fprintf(&out, "%s %-8s + %-10s -> ", mode, st, ev)
				if !handled {
					fmt.Fprintf(&out, "ignored\n")
					if next != m || len(acts) != 0 {
						t.Errorf("%s+%s: ignored but changed state or acted", st, ev)
					}
					continue
				}
				fmt.Fprintf(&out, "%-8s backoff=%d %s\n", next.state, next.backoff, describe(acts))
			}
		}
	}
	golden := "testdata/transitions.golden"
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(golden, []byte(out.String()), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("transitions differ from %s (run with -update and review the diff):\n%s", golden, got)
	}
}

// TestBackoffTimeline: supervisord's 1 s, 2 s, 3 s delays, FATAL after
// startretries+1 failed attempts, and "exited" of exit 0 within startsecs
// is not expected.
func TestBackoffTimeline(t *testing.T) {
	p := testProgram()
	now := time.Unix(1000, 0)
	m := machine{state: Stopped}
	var delays []time.Duration
	var logs []string
	step := func(ev event, f facts) {
		f.now = now
		var acts []action
		var ok bool
		m, acts, ok = transition(m, p, "web", ev, &f)
		if !ok {
			t.Fatalf("%s in %s ignored", ev, m.state)
		}
		for _, a := range acts {
			if a.kind == actTimer {
				delays = append(delays, a.d)
			}
			if a.kind == actLog && a.level >= config.LevelInfo {
				logs = append(logs, a.msg)
			}
		}
	}
	step(evStart, facts{})
	for attempt := 1; m.state != Fatal; attempt++ {
		if attempt > 10 {
			t.Fatal("never FATAL")
		}
		step(evSpawned, facts{pid: 100 + attempt})
		step(evExit, facts{exitDesc: "exit status 0", expected: true})
		if m.state == Backoff {
			step(evBackoff, facts{})
		}
	}
	wantDelays := []time.Duration{time.Second, time.Second, time.Second, 2 * time.Second, time.Second, 3 * time.Second, time.Second}
	if fmt.Sprint(delays) != fmt.Sprint(wantDelays) {
		t.Errorf("timers %v, want %v (startsecs, then backoff 1s 2s 3s)", delays, wantDelays)
	}
	spawns := 0
	for _, l := range logs {
		if strings.HasPrefix(l, "spawned:") {
			spawns++
		}
		if strings.HasPrefix(l, "exited:") && l != "exited: web (exit status 0; not expected)" {
			t.Errorf("log %q: an exit within startsecs is never expected", l)
		}
	}
	if spawns != p.Startretries+1 {
		t.Errorf("%d spawns, want startretries+1 = %d", spawns, p.Startretries+1)
	}
	if last := logs[len(logs)-1]; last != "gave up: web entered FATAL state, too many start retries too quickly" {
		t.Errorf("last log %q", last)
	}
}

// TestAutorestart: which exits from RUNNING restart, and the one-second
// respawn floor for crash loops.
func TestAutorestart(t *testing.T) {
	tests := []struct {
		autorestart config.Autorestart
		expected    bool
		uptime      time.Duration
		want        string // "spawn", "timer", "none"
	}{
		{config.AutorestartTrue, true, 5 * time.Second, "spawn"},
		{config.AutorestartTrue, false, 5 * time.Second, "spawn"},
		{config.AutorestartFalse, false, 5 * time.Second, "none"},
		{config.AutorestartUnexpected, true, 5 * time.Second, "none"},
		{config.AutorestartUnexpected, false, 5 * time.Second, "spawn"},
		{config.AutorestartTrue, true, 100 * time.Millisecond, "timer"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/expected=%v/up=%v", tt.autorestart, tt.expected, tt.uptime), func(t *testing.T) {
			p := testProgram()
			p.Autorestart = tt.autorestart
			t0 := time.Unix(1000, 0)
			m := machine{state: Running, lastSpawn: t0}
			next, acts, _ := transition(m, p, "web", evExit, &facts{now: t0.Add(tt.uptime), expected: tt.expected, exitDesc: "exit status 0"})
			got := "none"
			for _, a := range acts {
				if a.kind == actSpawn {
					got = "spawn"
				}
				if a.kind == actTimer {
					got = "timer"
					if want := time.Second - tt.uptime; a.d != want {
						t.Errorf("respawn delayed %v, want %v", a.d, want)
					}
				}
			}
			if got != tt.want {
				t.Errorf("got %s, want %s (state %s)", got, tt.want, next.state)
			}
		})
	}
}

// TestKillRepeatFloor: after a SIGKILL the next one waits stopwaitsecs but
// at least a second, so stopwaitsecs=0 cannot spin the loop.
func TestKillRepeatFloor(t *testing.T) {
	for _, tc := range []struct {
		stopwait time.Duration
		ev       event
		want     string
	}{
		{0, evKillTimer, "SIGKILL timer(1s,killtimer)"},
		{0, evKill, "SIGKILL timer(1s,killtimer)"},
		{10 * time.Second, evKillTimer, "SIGKILL timer(10s,killtimer)"},
		{10 * time.Second, evKill, "SIGKILL timer(10s,killtimer)"},
	} {
		t.Run(fmt.Sprintf("%v+%s", tc.stopwait, tc.ev), func(t *testing.T) {
			p := testProgram()
			p.Stopwaitsecs = tc.stopwait
			_, acts, _ := transition(machine{state: Stopping}, p, "web", tc.ev, &facts{pid: 12})
			var kept []action
			for _, a := range acts {
				if a.kind != actLog {
					kept = append(kept, a)
				}
			}
			if got := describe(kept); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
