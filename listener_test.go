package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/proc"
)

// Event listeners ([eventlistener:x]) as users meet them: supervisord's
// protocol on a real listener process, the events it receives, and the
// listeners people write to stop the container when a program dies.

// runListener is the listener helper: `listener FILE [MODE]`. It speaks
// supervisord's protocol and appends one line per event to FILE:
// "EVENTNAME<TAB>PAYLOAD<TAB>HEADER", newlines in the payload as \n.
// MODE:
//   - ok (default): answer OK;
//   - reject-once: answer FAIL the first time it sees a serial, OK after;
//   - die-once: exit 3 holding its first event unanswered, once (a marker
//     file FILE.died remembers it);
//   - badresult: answer "RESULT x" (a bad result line) to its first event;
//   - echo: answer with the payload, as supervisor_stdout does.
func runListener(args []string) int {
	file, mode := args[0], "ok"
	if len(args) > 1 {
		mode = args[1]
	}
	in := bufio.NewReader(os.Stdin)
	seen := map[string]bool{}
	for n := 0; ; n++ {
		os.Stdout.WriteString("READY\n")
		header, err := in.ReadString('\n')
		if err != nil {
			return 0
		}
		fields := map[string]string{}
		for _, f := range strings.Fields(header) {
			k, v, _ := strings.Cut(f, ":")
			fields[k] = v
		}
		size, _ := strconv.Atoi(fields["len"])
		payload := make([]byte, size)
		if _, err := io.ReadFull(in, payload); err != nil {
			return 0
		}
		appendLine(file, fields["eventname"]+"\t"+strings.ReplaceAll(string(payload), "\n", `\n`)+"\t"+strings.TrimSpace(header))
		answer := "OK"
		switch mode {
		case "reject-once":
			if !seen[fields["serial"]] {
				seen[fields["serial"]] = true
				answer = "FAIL"
			}
		case "die-once":
			if _, err := os.Stat(file + ".died"); err != nil {
				os.WriteFile(file+".died", nil, 0o644)
				return 3
			}
		case "echo":
			answer = string(payload)
		case "badresult":
			if n == 0 {
				os.Stdout.WriteString("RESULT x\n")
				continue
			}
		case "huge": // a 64 MiB result, rejected, then OK
			if n == 0 {
				os.Stdout.WriteString("RESULT " + strconv.Itoa(64<<20) + "\n")
				os.Stdout.Write(bytes.Repeat([]byte("OK"), 32<<20))
				continue
			}
		case "noline": // 1 MiB and no end of the RESULT line
			os.Stdout.Write(bytes.Repeat([]byte("RESULT "), 150000))
			in.ReadString('\n')
			return 0
		}
		os.Stdout.WriteString("RESULT " + strconv.Itoa(len(answer)) + "\n" + answer)
	}
}

// listenerEvent is one line of a listener helper's file.
type listenerEvent struct {
	name, payload string
	header        map[string]string
}

func readEvents(path string) []listenerEvent {
	b, _ := os.ReadFile(path)
	var out []listenerEvent
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		parts := strings.SplitN(l, "\t", 3)
		if len(parts) != 3 {
			continue
		}
		h := map[string]string{}
		for _, f := range strings.Fields(parts[2]) {
			k, v, _ := strings.Cut(f, ":")
			h[k] = v
		}
		out = append(out, listenerEvent{name: parts[0], payload: parts[1], header: h})
	}
	return out
}

// waitEvents waits until cond holds for the events recorded in path.
func waitEvents(t *testing.T, path string, d time.Duration, what string, alive func() bool, cond func([]listenerEvent) bool) []listenerEvent {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		evs := readEvents(path)
		if cond(evs) {
			return evs
		}
		if time.Now().After(deadline) || (alive != nil && !alive()) {
			t.Fatalf("waiting for %s; events so far:\n%s", what, formatEvents(evs))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func formatEvents(evs []listenerEvent) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "  %s %s  [serial %s poolserial %s]\n", e.name, e.payload, e.header["serial"], e.header["poolserial"])
	}
	return b.String()
}

func hasEvent(evs []listenerEvent, name, payloadPart string) bool {
	for _, e := range evs {
		if e.name == name && strings.Contains(e.payload, payloadPart) {
			return true
		}
	}
	return false
}

func listenerCmd(file string, mode ...string) string {
	return strings.Join(helperCmd("listener", append([]string{file}, mode...)...), " ")
}

// The scenario of the differential test: a program that goes FATAL, one
// that stays RUNNING, one that exits expectedly once, one that exits
// after it counted as RUNNING and is restarted at once, all watched by
// one listener subscribed to everything. fail exits at once, and has
// startsecs=3: supervisord's loop checks startsecs before it reaps, so
// one held off for a whole startsecs (a loaded CI machine) counted it
// RUNNING, and it never went FATAL.
const listenerScenario = `
[program:fail]
command=/bin/sh -c "exit 3"
startsecs=3
startretries=1
priority=10

[program:ok]
command=/bin/sleep 1000
startsecs=1
priority=20

[program:once]
command=/bin/sh -c "exit 0"
startsecs=0
autorestart=false
priority=30

[program:flaky]
command=/bin/sh -c 'if [ -e @DIR@/flaky ]; then exec sleep 1000; fi; touch @DIR@/flaky; sleep 1.2; exit 4'
startsecs=1
autorestart=true
priority=40

[program:talker]
command=/bin/sh -c 'echo hello; echo world >&2; exec sleep 1000'
stdout_events_enabled=true
stderr_events_enabled=true
priority=50

[eventlistener:watch]
command=@LISTENER@
events=EVENT
buffer_size=100
startsecs=0
`

var pidField = regexp.MustCompile(`pid:\d+`)

// eventsByProcess groups process state events by process name, pids
// replaced, for comparing two inits whose processes interleave
// differently; other events are listed in order under "".
func eventsByProcess(evs []listenerEvent) map[string][]string {
	out := map[string][]string{}
	for _, e := range evs {
		if e.name == "SUPERVISOR_STATE_CHANGE_STOPPING" {
			break // from here on, gosinit differs on purpose (listener.go)
		}
		if strings.HasPrefix(e.name, "TICK_") {
			continue // when they fall depends on how long each run took
		}
		key := ""
		switch {
		case strings.HasPrefix(e.name, "PROCESS_STATE_"):
			key = strings.TrimPrefix(strings.Fields(e.payload)[0], "processname:")
		case strings.HasPrefix(e.name, "PROCESS_LOG_"):
			// the two pipes are read independently: one list each
			key = strings.TrimPrefix(strings.Fields(e.payload)[0], "processname:") + " " + e.name
		}
		out[key] = append(out[key], e.name+" "+pidField.ReplaceAllString(e.payload, "pid:N"))
	}
	return out
}

func TestEventListenerMatchesSupervisord(t *testing.T) {
	if _, err := os.Stat("/usr/bin/supervisord"); err != nil {
		t.Skip("Debian's supervisor package is not installed: no /usr/bin/supervisord")
	}
	settled := func(evs []listenerEvent) bool {
		return hasEvent(evs, "PROCESS_STATE_FATAL", "processname:fail") &&
			hasEvent(evs, "PROCESS_STATE_RUNNING", "processname:ok") &&
			hasEvent(evs, "PROCESS_STATE_EXITED", "processname:once") &&
			strings.Count(formatEvents(evs), "PROCESS_STATE_RUNNING processname:flaky") == 2 &&
			hasEvent(evs, "PROCESS_LOG_STDOUT", "hello") && hasEvent(evs, "PROCESS_LOG_STDERR", "world") &&
			hasEvent(evs, "PROCESS_STATE_RUNNING", "processname:talker")
	}

	// gosinit
	dir := t.TempDir()
	ourFile := filepath.Join(dir, "events")
	r := startConf(t, base+strings.ReplaceAll(listenerScenario, "@LISTENER@", listenerCmd(ourFile)))
	waitEvents(t, ourFile, 60*time.Second, "fail FATAL, ok RUNNING, once EXITED", r.alive, settled)
	if code := r.stop(t); code != 0 {
		t.Errorf("gosinit exit %d", code)
	}
	ours := readEvents(ourFile)

	// supervisord, as PID 1 of its own namespace too. It checks startsecs
	// in its loop before it reaps: a loop held off past fail's startsecs
	// (a machine shared with a load of 60 busy processes) counts fail,
	// which exits at once, RUNNING. Such a run is tried again once, then
	// the comparison is skipped, saying so.
	var theirs []listenerEvent
	for try := 1; ; try++ {
		sdir := t.TempDir()
		theirFile := filepath.Join(sdir, "events")
		sconf := strings.ReplaceAll(strings.Replace(base, "logfile=/dev/null", "logfile="+sdir+"/sd.log", 1)+
			strings.ReplaceAll(listenerScenario, "@LISTENER@", listenerCmd(theirFile)), "@DIR@", sdir)
		os.WriteFile(filepath.Join(sdir, "s.conf"), []byte(sconf), 0o644)
		sd := startInitCmd(t, "/usr/bin/supervisord", "-n", "-c", filepath.Join(sdir, "s.conf"))
		waitEvents(t, theirFile, 60*time.Second, "supervisord: fail FATAL, ok RUNNING, once EXITED", sd.alive, settled)
		unix.Kill(sd.cmd.Process.Pid, unix.SIGTERM)
		sd.wait(t, 30*time.Second)
		theirs = readEvents(theirFile)
		if !hasEvent(theirs, "PROCESS_STATE_RUNNING", "processname:fail ") {
			break
		}
		if try == 2 {
			t.Skipf("supervisord's loop was held off past fail's startsecs twice (fail RUNNING): nothing to compare with; its events:\n%s", formatEvents(theirs))
		}
	}

	want, got := eventsByProcess(theirs), eventsByProcess(ours)
	keys := []string{"", "fail", "ok", "once", "flaky", "talker", "talker PROCESS_LOG_STDOUT", "talker PROCESS_LOG_STDERR", "watch"}
	for k := range want {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if strings.Join(got[k], "\n") != strings.Join(want[k], "\n") {
			t.Errorf("events of %q differ\ngosinit:\n  %s\nsupervisord:\n  %s", k, strings.Join(got[k], "\n  "), strings.Join(want[k], "\n  "))
		}
	}
	if len(want["fail"]) == 0 || len(want[""]) == 0 || len(want["flaky"]) < 5 || len(want["talker PROCESS_LOG_STDERR"]) != 1 {
		t.Errorf("supervisord's listener saw too little to compare:\n%s", formatEvents(theirs))
	}

	// The envelope: supervisord's header fields, serials counting up from
	// 0 in both the global and the pool's numbering, len the payload's.
	for i, e := range ours {
		h := e.header
		if h["ver"] != "3.0" || h["server"] != "supervisor" || h["pool"] != "watch" || h["eventname"] != e.name {
			t.Errorf("event %d: header %v", i, h)
		}
		if h["serial"] != strconv.Itoa(i) || h["poolserial"] != strconv.Itoa(i) {
			t.Errorf("event %d: serial %s poolserial %s, want %d", i, h["serial"], h["poolserial"], i)
		}
		if n, _ := strconv.Atoi(h["len"]); n != len(strings.ReplaceAll(e.payload, `\n`, "\n")) {
			t.Errorf("event %d: len %s for a payload of %d bytes", i, h["len"], len(e.payload))
		}
	}
}

// The listener people put in supervisord.conf to stop the container when a
// program goes FATAL (the shape of several public images): it signals its
// parent. Under gosinit the parent is PID 1, which shuts down cleanly.
func TestEventListenerStopsContainerOnFatal(t *testing.T) {
	r := startConf(t, base+`
[program:web]
command=/bin/sleep 1000
priority=10

[program:broken]
command=/bin/sh -c "exit 1"
startsecs=1
startretries=2
priority=20

[eventlistener:fatalexit]
events=PROCESS_STATE_FATAL
command=sh -c 'while true; do printf "READY\n"; read line; kill -15 $PPID; printf "RESULT 2\n"; printf "OK"; done'
startsecs=0
startretries=0
`)
	code := r.wait(t, 30*time.Second)
	if code != 0 {
		t.Errorf("exit %d, want 0 (SIGTERM from the listener, as supervisord exits)", code)
	}
	log := r.logLines()
	fatal, term := indexOf(log, "gave up: broken entered FATAL state"), indexOf(log, "received SIGTERM indicating exit request")
	if fatal < 0 || term < fatal {
		t.Errorf("want FATAL then the listener's SIGTERM; log:\n%s", strings.Join(log, "\n"))
	}
	if indexOf(log, "stopped: web") < 0 || indexOf(log, "killing everything now") >= 0 {
		t.Errorf("want web stopped by a clean shutdown; log:\n%s", strings.Join(log, "\n"))
	}
}

// Listeners written for supervisord signal it again on every STOPPED or
// EXITED event, also during shutdown. To gosinit a second SIGINT during
// shutdown kills everything at once, so it sends no process state events
// once shutdown has begun: docker stop stays a clean stop.
func TestEventListenerShutdownStaysClean(t *testing.T) {
	r := startConf(t, base+`
[program:slow]
command=/bin/sh -c 'trap "sleep 0.3; echo term >> @DIR@/slow; exit 0" TERM; echo slow >> @DIR@/ready; while :; do sleep 0.05; done'
startsecs=0
priority=10

[program:quick]
command=/bin/sleep 1000
startsecs=0
priority=20

[eventlistener:stopper]
events=PROCESS_STATE_STOPPED,PROCESS_STATE_EXITED,PROCESS_STATE_FATAL
command=sh -c 'printf "READY\n"; while read line; do kill -15 1; done'
startsecs=0
`)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "slow", "quick", "stopper"))
	r.waitReady(t, "slow")
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d", code)
	}
	if got := waitFileContent(filepath.Join(r.dir, "slow"), "term\n", 5*time.Second); got != "term\n" {
		t.Errorf("slow did not finish its TERM trap (%q): the stop was not clean; stderr:\n%s", got, r.stderr.String())
	}
	if strings.Contains(r.stderr.String(), "killing everything now") {
		t.Errorf("a listener's signal turned the stop into a kill; stderr:\n%s", r.stderr.String())
	}
}

// A rejected event (FAIL) is sent again, with the same serial, and a
// listener that dies holding an event gets it again once respawned.
func TestEventListenerRejectAndRedeliver(t *testing.T) {
	dir := t.TempDir()
	rej, die := filepath.Join(dir, "rej"), filepath.Join(dir, "die")
	r := startConf(t, base+`
[program:one]
command=/bin/sh -c "exit 0"
startsecs=0
autorestart=false

[eventlistener:rej]
events=PROCESS_STATE_EXITED
command=`+listenerCmd(rej, "reject-once")+`
startsecs=0

[eventlistener:die]
events=PROCESS_STATE_EXITED
command=`+listenerCmd(die, "die-once")+`
startsecs=0
`)
	evs := waitEvents(t, rej, 20*time.Second, "the EXITED event twice (FAIL, then OK)", r.alive, func(evs []listenerEvent) bool { return len(evs) >= 2 })
	if evs[0].header["serial"] != evs[1].header["serial"] || evs[0].name != "PROCESS_STATE_EXITED" {
		t.Errorf("a rejected event must come back with its serial:\n%s", formatEvents(evs))
	}
	evs = waitEvents(t, die, 20*time.Second, "the EXITED event again after the listener died", r.alive, func(evs []listenerEvent) bool { return len(evs) >= 2 })
	if evs[0].header["serial"] != evs[1].header["serial"] || !strings.Contains(evs[1].payload, "processname:one") {
		t.Errorf("the event a dead listener held must go to its next spawn:\n%s", formatEvents(evs))
	}
	if !strings.Contains(r.stderr.String(), "rej: event was rejected") {
		t.Errorf("no 'event was rejected' line; stderr:\n%s", r.stderr.String())
	}
	r.stop(t)
}

// A bad RESULT line makes the listener UNKNOWN (no more events until it
// restarts), with supervisord's warning. Its first event is its own
// RUNNING; a second pool shows when q's RUNNING, a second later, was sent.
func TestEventListenerBadResult(t *testing.T) {
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "bad"), filepath.Join(dir, "good")
	r := startConf(t, base+`
[eventlistener:bad]
events=PROCESS_STATE_RUNNING
command=`+listenerCmd(bad, "badresult")+`
startsecs=0

[eventlistener:good]
events=PROCESS_STATE_RUNNING
command=`+listenerCmd(good)+`
startsecs=0

[program:q]
command=/bin/sleep 1000
startsecs=1
`)
	waitEvents(t, good, 10*time.Second, "q RUNNING", r.alive, func(evs []listenerEvent) bool {
		return hasEvent(evs, "PROCESS_STATE_RUNNING", "processname:q")
	})
	for _, want := range []string{"WARN bad: bad result line: 'RESULT x'",
		"WARN bad: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol"} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("no %q; stderr:\n%s", want, r.stderr.String())
		}
	}
	// The bad pool is served first (pools go by priority, then name):
	// had q's event gone to its UNKNOWN listener, it would be in its file
	// within moments.
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		if evs := readEvents(bad); len(evs) != 1 {
			t.Fatalf("an UNKNOWN listener got another event (or none):\n%s", formatEvents(evs))
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.stop(t)
}

// TestEventListenerResultMemory: a listener's result costs gosinit no
// memory beyond the 3 bytes that tell "OK" apart (a 64 MiB result is
// rejected as supervisord rejects it, without being held), and a RESULT
// line without an end (1 MiB of garbage) is a bad result line once past
// 4 KiB, instead of a buffer that grows as long as the listener writes.
func TestEventListenerResultMemory(t *testing.T) {
	dir := t.TempDir()
	huge, noline := filepath.Join(dir, "huge"), filepath.Join(dir, "noline")
	r := startConf(t, base+`
[eventlistener:huge]
events=PROCESS_STATE_RUNNING
command=`+listenerCmd(huge, "huge")+`
startsecs=0

[eventlistener:noline]
events=PROCESS_STATE_RUNNING
command=`+listenerCmd(noline, "noline")+`
startsecs=0

[program:q]
command=/bin/sleep 1000
startsecs=1
`)
	// The rejected event (huge's own RUNNING) comes back to huge, which
	// then takes it, and q's after it.
	waitEvents(t, huge, 20*time.Second, "q RUNNING after the rejected one", r.alive, func(evs []listenerEvent) bool {
		return len(evs) >= 3 && hasEvent(evs[:2], "PROCESS_STATE_RUNNING", "processname:huge") && hasEvent(evs, "PROCESS_STATE_RUNNING", "processname:q")
	})
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(r.stderr.String(), "WARN noline: bad result line: 'RESULT RESULT "); {
		if time.Now().After(deadline) {
			t.Fatalf("no bad result line for noline; stderr:\n%s", tail(r.stderr.String(), 3000))
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.wantLog(t, "WARN huge: event was rejected", "WARN noline: has entered the UNKNOWN state")
	if raceBuild {
		return // the race detector's shadow memory is most of a race build's RSS
	}
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(r.cmd.Process.Pid) + "/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if kb == 0 || kb > 32<<10 {
				t.Errorf("gosinit's peak RSS %s, want under 32 MiB: a result was held", strings.TrimSpace(v))
			}
		}
	}
	r.stop(t)
}

// Output that is not UTF-8 reaches a PROCESS_LOG listener as supervisord
// sends it, "Undecodable: " and Python's repr of the bytes: a listener
// that reads its stdin as UTF-8 would die on the raw bytes.
func TestEventListenerUndecodable(t *testing.T) {
	dir := t.TempDir()
	events := filepath.Join(dir, "events")
	r := startConf(t, base+`
[program:latin1]
command=/bin/sh -c 'printf "caf\351\n"; exec sleep 1000'
stdout_events_enabled=true

[eventlistener:logs]
command=`+listenerCmd(events)+`
events=PROCESS_LOG_STDOUT
startsecs=0
`)
	evs := waitEvents(t, events, 10*time.Second, "the log event", r.alive, func(evs []listenerEvent) bool {
		return hasEvent(evs, "PROCESS_LOG_STDOUT", "processname:latin1")
	})
	want := `channel:stdout\nUndecodable: b'caf\xe9\n'`
	if !hasEvent(evs, "PROCESS_LOG_STDOUT", want) {
		t.Errorf("want a payload ending %s; events:\n%s", want, formatEvents(evs))
	}
	r.stop(t)
}

// TICK_5 comes at each multiple of 5 s of the wall clock, as supervisord
// sends it, and only to a pool that asks for it.
func TestEventListenerTick(t *testing.T) {
	dir := t.TempDir()
	ticks := filepath.Join(dir, "ticks")
	r := startConf(t, base+`
[eventlistener:ticks]
events=TICK_5
command=`+listenerCmd(ticks)+`
startsecs=0
`)
	evs := waitEvents(t, ticks, 15*time.Second, "two TICK_5", r.alive, func(evs []listenerEvent) bool { return len(evs) >= 2 })
	for _, e := range evs[:2] {
		when, err := strconv.ParseInt(strings.TrimPrefix(e.payload, "when:"), 10, 64)
		if e.name != "TICK_5" || err != nil || when%5 != 0 {
			t.Errorf("want TICK_5 when:<multiple of 5>, got %s %s", e.name, e.payload)
		}
	}
	if a, b := readWhen(evs[0]), readWhen(evs[1]); b-a != 5 {
		t.Errorf("ticks %d and %d are not 5 s apart", a, b)
	}
	r.stop(t)
}

func readWhen(e listenerEvent) int64 {
	n, _ := strconv.ParseInt(strings.TrimPrefix(e.payload, "when:"), 10, 64)
	return n
}

// A reload that removes and adds groups tells listeners, as supervisorctl
// update does through supervisord.
func TestEventListenerGroupEventsOnReload(t *testing.T) {
	dir := t.TempDir()
	groups := filepath.Join(dir, "groups")
	r := startConf(t, base+`
[eventlistener:groups]
events=PROCESS_GROUP
command=`+listenerCmd(groups)+`
startsecs=0

[program:old]
command=/bin/sleep 1000
startsecs=0
`)
	waitEvents(t, groups, 10*time.Second, "PROCESS_GROUP_ADDED at start", r.alive, func(evs []listenerEvent) bool {
		return hasEvent(evs, "PROCESS_GROUP_ADDED", "groupname:old")
	})
	conf := filepath.Join(r.dir, "supervisord.conf")
	b, _ := os.ReadFile(conf)
	os.WriteFile(conf, []byte(strings.Replace(string(b), "[program:old]", "[program:new]", 1)), 0o644)
	unix.Kill(r.cmd.Process.Pid, unix.SIGHUP)
	waitEvents(t, groups, 10*time.Second, "old REMOVED and new ADDED", r.alive, func(evs []listenerEvent) bool {
		return hasEvent(evs, "PROCESS_GROUP_REMOVED", "groupname:old") && hasEvent(evs, "PROCESS_GROUP_ADDED", "groupname:new")
	})
	r.stop(t)
}

// At start supervisord makes the groups in priority order, and a pool
// subscribes when it is made: it hears PROCESS_GROUP_ADDED for its own
// group and those after it, never for the ones before, and those get no
// serial when no pool hears them (as supervisord 4.2.5 sends them).
func TestEventListenerGroupAddedAtStart(t *testing.T) {
	dir := t.TempDir()
	early, late := filepath.Join(dir, "early"), filepath.Join(dir, "late")
	prog := "command=/bin/sleep 1000\nstartsecs=0\n"
	r := startConf(t, base+`
[program:lo]
priority=-5
`+prog+`
[program:p]
priority=-1
`+prog+`
[program:q]
`+prog+`
[eventlistener:L]
events=PROCESS_GROUP_ADDED
command=`+listenerCmd(early)+`
startsecs=0

[eventlistener:M]
events=PROCESS_GROUP_ADDED
priority=500
command=`+listenerCmd(late)+`
startsecs=0
`)
	for _, c := range []struct {
		file string
		want []string
	}{
		{early, []string{"L 0 0", "p 1 1", "M 2 2", "q 3 3"}},
		{late, []string{"M 2 0", "q 3 1"}},
	} {
		evs := waitEvents(t, c.file, 10*time.Second, "PROCESS_GROUP_ADDED of q", r.alive, func(evs []listenerEvent) bool {
			return hasEvent(evs, "PROCESS_GROUP_ADDED", "groupname:q")
		})
		var got []string
		for _, e := range evs {
			got = append(got, strings.TrimSuffix(strings.TrimPrefix(e.payload, "groupname:"), `\n`)+" "+e.header["serial"]+" "+e.header["poolserial"])
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got (group serial poolserial) %q, want %q", filepath.Base(c.file), got, c.want)
		}
	}
	r.stop(t)
}

// Listeners in public images read supervisord's default pidfile,
// supervisord.pid in its working directory. With a listener configured
// and no pidfile=, gosinit writes it there too (and removes it at exit).
func TestEventListenerDefaultPidfile(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "supervisord.conf")
	os.WriteFile(conf, []byte(`[supervisord]
nodaemon=true
logfile=/dev/null

[program:broken]
command=/bin/sh -c "exit 1"
startsecs=1
startretries=0

[eventlistener:quit_on_failure]
events=PROCESS_STATE_FATAL
command=sh -c 'printf "READY\n"; while read line; do kill -TERM $(cat supervisord.pid); done'
startsecs=0
`), 0o644)
	r := launch(t, gosinitBin, dir, true, nil, "-c", conf, "--status-file", filepath.Join(dir, "status.json"))
	if code := r.wait(t, 20*time.Second); code != 0 {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(r.stderr.String(), "received SIGTERM indicating exit request") {
		t.Errorf("the listener's kill did not reach gosinit; stderr:\n%s", r.stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "supervisord.pid")); !os.IsNotExist(err) {
		t.Errorf("default pidfile still there after exit (%v)", err)
	}
}

// supervisor_stdout, the listener images use to get program output onto
// the container's stdout: programs send PROCESS_LOG events, the listener
// echoes each payload as its result, and supervisord's result_handler
// supervisor_stdout:event_handler prints it as "name | channel | data".
// gosinit does what that handler does.
func TestEventListenerSupervisorStdout(t *testing.T) {
	dir := t.TempDir()
	r := startConf(t, base+`
[program:app]
command=/bin/sh -c 'echo line one; echo oops >&2; exec sleep 1000'
stdout_logfile=NONE
stderr_logfile=NONE
stdout_events_enabled=true
stderr_events_enabled=true

[eventlistener:stdout]
command=`+listenerCmd(filepath.Join(dir, "events"), "echo")+`
buffer_size=100
events=PROCESS_LOG
result_handler=supervisor_stdout:event_handler
`)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(r.stdout.String(), "app | stdout | line one\n") || !strings.Contains(r.stdout.String(), "app | stderr | oops\n") {
		if time.Now().After(deadline) || !r.alive() {
			t.Fatalf("stdout %q; stderr:\n%s", r.stdout.String(), r.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(r.stderr.String(), "event was rejected") {
		t.Errorf("supervisor_stdout's results must count as processed; stderr:\n%s", r.stderr.String())
	}
	r.stop(t)
}

// ctxSwitches sums voluntary and involuntary context switches over every
// thread of pid: each is a wake-up of that thread.
func ctxSwitches(t *testing.T, pid int) int {
	t.Helper()
	tasks, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/status")
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no threads of %d (%v)", pid, err)
	}
	n := 0
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.HasSuffix(k, "ctxt_switches") {
				c, _ := strconv.Atoi(strings.TrimSpace(v))
				n += c
			}
		}
	}
	return n
}

// An idle gosinit makes no wake-ups of its own, with an event listener
// too: events come from state changes, and TICK timers exist only for a
// pool that subscribes to them. (A counted window, not a timing: the
// figure is a number of wake-ups.)
func TestIdleWithListenerMakesNoWakeups(t *testing.T) {
	dir := t.TempDir()
	r := startConf(t, base+`
[program:p]
command=/bin/sleep 1000
startsecs=0

[eventlistener:watch]
events=PROCESS_STATE,SUPERVISOR_STATE_CHANGE,PROCESS_GROUP
command=`+listenerCmd(filepath.Join(dir, "events"))+`
startsecs=0
`)
	r.waitStatus(t, 10*time.Second, "RUNNING", allIn(proc.Running, "p", "watch"))
	waitEvents(t, filepath.Join(dir, "events"), 10*time.Second, "p RUNNING delivered", r.alive, func(evs []listenerEvent) bool {
		return hasEvent(evs, "PROCESS_STATE_RUNNING", "processname:p")
	})
	// The start's last work (settling, creating AUTO log files) is over
	// well within a second.
	time.Sleep(time.Second)
	before := ctxSwitches(t, r.cmd.Process.Pid)
	time.Sleep(3 * time.Second)
	if d := ctxSwitches(t, r.cmd.Process.Pid) - before; d > 1 {
		t.Errorf("gosinit woke %d times in 3 s of idle with a listener, want 0", d)
	}
	r.stop(t)
}

// TestEventListenerClosedStdinSparesMain: a listener that closes its stdin
// makes gosinit's next event write fail with EPIPE, and the kernel sends
// gosinit SIGPIPE for it. Passed on, as gosinit passes on signals sent to
// it, that SIGPIPE killed the main program, and the container with it
// (exit 141); supervisord, which ignores SIGPIPE, just logs the EPIPE.
func TestEventListenerClosedStdinSparesMain(t *testing.T) {
	r := startConf(t, `[supervisord]
loglevel=debug

[eventlistener:deaf]
command=/bin/sh -c 'printf "READY\n"; exec 0<&-; exec sleep 1000'
events=PROCESS_STATE_EXITED
startsecs=0

[program:p]
command=/bin/sh -c 'sleep 0.2; exit 3'
startsecs=0
`, "--", "/bin/sleep", "1000")
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(r.stderr.String(), "epipe occurred while sending event"); {
		if time.Now().After(deadline) || !r.alive() {
			t.Fatalf("no event failed to the deaf listener (gosinit alive: %v); stderr:\n%s", r.alive(), tail(r.stderr.String(), 3000))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A SIGPIPE passed on would end the main program moments later.
	mainOutlivesThenStops(t, r.stderr.String, r.stop)
}

// TestOwnSigpipeCountNotLeaked: two deaf listeners of one pool fail one
// event's writes back to back; the Go runtime hands the two SIGPIPEs to
// the loop as one. Counted one by one, the count kept one, and the next
// SIGPIPE sent to gosinit was taken for its own and never passed on.
func TestOwnSigpipeCountNotLeaked(t *testing.T) {
	r := startConf(t, `[supervisord]
loglevel=debug

[eventlistener:deaf]
command=/bin/sh -c 'printf "READY\n"; exec 0<&-; exec sleep 1000'
process_name=%(program_name)s_%(process_num)s
numprocs=2
events=PROCESS_STATE_EXITED
startsecs=0

[program:p]
command=/bin/sh -c 'sleep 0.5; exit 3'
startsecs=0
autorestart=false
`, "--", "/bin/sh", "-c", "trap 'echo GOT-PIPE >&2' PIPE; while :; do sleep 0.05; done")
	for deadline := time.Now().Add(10 * time.Second); strings.Count(r.stderr.String(), "epipe occurred while sending event") < 2; {
		if time.Now().After(deadline) || !r.alive() {
			t.Fatalf("no event failed to both listeners (gosinit alive: %v); stderr:\n%s", r.alive(), tail(r.stderr.String(), 3000))
		}
		time.Sleep(20 * time.Millisecond)
	}
	unix.Kill(r.cmd.Process.Pid, unix.SIGPIPE)
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(r.stderr.String(), "GOT-PIPE"); {
		if time.Now().After(deadline) {
			t.Fatalf("a SIGPIPE sent to gosinit never reached the main program:\n%s", tail(r.stderr.String(), 3000))
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.stop(t)
}
