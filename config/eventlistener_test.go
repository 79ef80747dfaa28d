package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// [eventlistener:x] sections: testdata/eventlistener*.conf and
// testdata/err_eventlistener_*.conf hold the golden files (and go through
// the differential test); these tests check what JSON does not show
// (Listener, Infos, the order of Groups) and each diagnostic's position.

// TestEventListenerPool checks the model of testdata/eventlistener_pool.conf.
func TestEventListenerPool(t *testing.T) {
	cfg, err := Load("testdata/eventlistener_pool.conf", testEnv())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %q", Errors(cfg.Warnings))
	}
	type proc struct {
		name, command string
		priority      int
	}
	// In start order: priority, then name; a listener pool's default
	// priority is -1, its processes' 999.
	want := []struct {
		name, kind    string
		priority      int
		events        []string
		bufferSize    int
		resultHandler string
		procs         []proc
	}{
		{"audit", "program", -1, nil, 0, "", []proc{{"audit", "/usr/bin/audit", -1}}},
		{"watch", "eventlistener", -1, []string{"PROCESS_STATE_FATAL", "PROCESS_STATE_EXITED"}, 10, DefaultResultHandler,
			[]proc{{"watch", "/usr/local/bin/watch --on-fatal", 999}}},
		{"pool", "eventlistener", 5, []string{"TICK_60", "PROCESS_STATE", "PROCESS_GROUP"}, 50, DefaultResultHandler,
			[]proc{{"pool_01", "/usr/local/bin/listener --slot 1 --of 2", 5}, {"pool_02", "/usr/local/bin/listener --slot 2 --of 2", 5}}},
		{"web", "program", 999, nil, 0, "", []proc{{"web", "/usr/sbin/web", 999}}},
	}
	if len(cfg.Groups) != len(want) {
		t.Fatalf("got %d groups, want %d", len(cfg.Groups), len(want))
	}
	for i, w := range want {
		g := cfg.Groups[i]
		t.Run(w.name, func(t *testing.T) {
			if g.Name != w.name || g.Kind != w.kind || g.Priority != w.priority {
				t.Fatalf("group %d is %s %q priority %d, want %s %q priority %d", i, g.Kind, g.Name, g.Priority, w.kind, w.name, w.priority)
			}
			if !slices.Equal(g.Events, w.events) || g.BufferSize != w.bufferSize || g.ResultHandler != w.resultHandler {
				t.Errorf("events %q buffer_size %d result_handler %q, want %q %d %q",
					g.Events, g.BufferSize, g.ResultHandler, w.events, w.bufferSize, w.resultHandler)
			}
			var got []proc
			for _, p := range g.Processes {
				got = append(got, proc{p.Name, p.Command, p.Priority})
				if p.Listener != (w.kind == "eventlistener") {
					t.Errorf("process %s: Listener = %v in a %s group", p.Name, p.Listener, w.kind)
				}
				if p.Group != w.name || p.RedirectStderr {
					t.Errorf("process %s: group %q redirect_stderr %v", p.Name, p.Group, p.RedirectStderr)
				}
			}
			if !reflect.DeepEqual(got, w.procs) {
				t.Errorf("processes:\ngot  %+v\nwant %+v", got, w.procs)
			}
		})
	}
	pool := cfg.Groups[2].Processes
	if len(pool) == 2 {
		if env := pool[1].Environment; env["SLOT"] != "2" || env["GROUP"] != "pool" {
			t.Errorf("pool_02 environment %v", env)
		}
		if pool[1].Stdout.Path != "/var/log/pool-2.log" || pool[1].Stopsignal != 3 {
			t.Errorf("pool_02: stdout %+v stopsignal %d", pool[1].Stdout, pool[1].Stopsignal)
		}
	}
}

// listenerConf is a main file with one [eventlistener:x] at line 4 whose
// command is line 5 and whose body starts at line 6, and then extra.
func listenerConf(t *testing.T, body, extra string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "supervisord.conf")
	text := "[supervisord]\nnodaemon=true\n\n[eventlistener:x]\ncommand=/bin/listener\n" + body + "\n" + extra
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestEventListenerDiags: each error and warning an [eventlistener:x]
// can draw names its file, line, section and key, as "LINE [SECTION] KEY:
// message fragment".
func TestEventListenerDiags(t *testing.T) {
	for _, tc := range []struct {
		name, body, extra string
		errs, warns       []string
		infos             []string // nil: not checked
	}{
		{name: "valid", body: "events=PROCESS_STATE", infos: []string{}},
		{name: "missing events", body: "buffer_size=5",
			errs: []string{"4 [eventlistener:x] events: needs an events= line"}},
		{name: "empty events", body: "events=",
			errs: []string{"6 [eventlistener:x] events: needs an events= line"}},
		{name: "unknown event type", body: "events=PROCESS_STATE_RUNNING,PROCESS_STATE_FOO",
			errs: []string{"6 [eventlistener:x] events: unknown event type PROCESS_STATE_FOO"}},
		{name: "unknown lower-case event type", body: "events=tick,tick_7",
			errs: []string{"6 [eventlistener:x] events: unknown event type TICK_7"}},
		{name: "stray comma", body: "events=PROCESS_STATE,",
			errs: []string{"6 [eventlistener:x] events: empty event type"}},
		{name: "only a comma", body: "events=,",
			errs: []string{"6 [eventlistener:x] events: empty event type"}},
		{name: "buffer_size 0", body: "events=TICK_5\nbuffer_size=0",
			errs: []string{"7 [eventlistener:x] buffer_size: invalid buffer_size (0)"}},
		{name: "buffer_size negative", body: "events=TICK_5\nbuffer_size=-3",
			errs: []string{"7 [eventlistener:x] buffer_size: invalid buffer_size (-3)"}},
		{name: "buffer_size 1", body: "events=TICK_5\nbuffer_size=1"},
		{name: "buffer_size not a number", body: "events=TICK_5\nbuffer_size=ten",
			errs: []string{`7 [eventlistener:x] buffer_size: "ten" is not an integer`}},
		{name: "redirect_stderr", body: "events=TICK_5\nredirect_stderr=true",
			errs: []string{"7 [eventlistener:x] redirect_stderr: redirect_stderr=true is not allowed"}},
		{name: "redirect_stderr false", body: "events=TICK_5\nredirect_stderr=false"},
		{name: "priority not a number", body: "events=TICK_5\npriority=high",
			errs: []string{`7 [eventlistener:x] priority: "high" is not an integer`}},
		{name: "only PROCESS_LOG", body: "events=PROCESS_LOG", infos: []string{}},
		{name: "only types never sent", body: "events=process_communication_stderr, PROCESS_COMMUNICATION, REMOTE_COMMUNICATION",
			warns: []string{"6 [eventlistener:x] events: gosinit never sends PROCESS_COMMUNICATION_STDERR, PROCESS_COMMUNICATION_STDOUT, REMOTE_COMMUNICATION events"}},
		{name: "EVENT", body: "events=EVENT",
			infos: []string{"6 [eventlistener:x] events: gosinit never sends PROCESS_COMMUNICATION_STDOUT, PROCESS_COMMUNICATION_STDERR, REMOTE_COMMUNICATION events"}},
		{name: "PROCESS_COMMUNICATION and a sent type", body: "events=PROCESS_COMMUNICATION,PROCESS_LOG_STDERR",
			infos: []string{"6 [eventlistener:x] events: gosinit never sends PROCESS_COMMUNICATION_STDOUT, PROCESS_COMMUNICATION_STDERR events"}},
		{name: "result_handler not the default", body: "events=TICK_5\nresult_handler=foo:bar",
			warns: []string{"7 [eventlistener:x] result_handler: foo:bar is Python code gosinit cannot run"}},
		{name: "result_handler the default", body: "events=TICK_5\nresult_handler=supervisor.dispatchers:default_handler"},
		{name: "unknown key in a listener", body: "events=TICK_5\nbuffersize=5\nlog_stdout=true",
			warns: []string{"7 [eventlistener:x] buffersize: unknown key: supervisord ignores it; did you mean buffer_size?",
				"8 [eventlistener:x] log_stdout: unknown key: supervisord ignores it"}},
		{name: "program keys in a listener", body: "events=TICK_5\nautorestart=true\nstdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\npriority=3\nnumprocs=1\nessential=false"},
		{name: "listener keys in a program", body: "events=TICK_5",
			extra: "[program:p]\ncommand=/bin/p\nevents=TICK_5\nbuffer_size=5\nresult_handler=supervisor.dispatchers:default_handler\n",
			warns: []string{"9 [program:p] events: unknown key: supervisord ignores it",
				"10 [program:p] buffer_size: unknown key: supervisord ignores it",
				"11 [program:p] result_handler: unknown key: supervisord ignores it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := listenerConf(t, tc.body, tc.extra)
			cfg, err := Load(file, testEnv())
			var errs Errors
			if err != nil && !errors.As(err, &errs) {
				t.Fatal(err)
			}
			check := func(what string, got []Diag, want []string) {
				t.Helper()
				if len(got) != len(want) {
					t.Errorf("%s: got %q, want %q", what, Errors(got), want)
					return
				}
				for i, d := range got {
					line, rest, _ := strings.Cut(want[i], " ")
					where, frag, _ := strings.Cut(rest, ": ")
					if d.File != file || strconv.Itoa(d.Line) != line || "["+d.Section+"] "+d.Key != where || d.Key == "" {
						t.Errorf("%s %d: %+v does not name the file, line %s and %s", what, i, d, line, where)
					}
					// FILE:LINE: [SECTION] KEY: message, as every diagnostic prints
					prefix := file + ":" + line + ": " + where + ": "
					if s := d.String(); !strings.HasPrefix(s, prefix) || !strings.Contains(d.Msg, frag) {
						t.Errorf("%s %d: got %q, want %q then %q", what, i, s, prefix, frag)
					}
				}
			}
			check("errors", errs, tc.errs)
			check("warnings", cfg.Warnings, tc.warns)
			if tc.infos != nil {
				var infos []Diag
				for _, d := range cfg.Infos {
					if d.Section == "eventlistener:x" {
						infos = append(infos, d)
					}
				}
				check("infos", infos, tc.infos)
			}
			if len(errs) > 0 {
				return
			}
			g := cfg.Groups[0]
			if g.Kind != "eventlistener" || g.Name != "x" || len(g.Processes) != 1 || !g.Processes[0].Listener {
				t.Errorf("first group: %+v", g)
			}
		})
	}
}

// TestEventListenerJSON checks the shape check --json prints: listener
// pools under "eventlisteners" with their own keys, program groups under
// "groups" without them, in that order, and [] when there is none.
func TestEventListenerJSON(t *testing.T) {
	cfg, err := Load("testdata/eventlistener_pool.conf", testEnv())
	if err != nil {
		t.Fatal(err)
	}
	b, err := cfg.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	var keys []string
	for k := range top {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y string) int {
		return strings.Index(string(b), `"`+x+`":`) - strings.Index(string(b), `"`+y+`":`)
	})
	if want := []string{"supervisord", "gosinit", "groups", "eventlisteners", "fcgi_programs", "warnings"}; !slices.Equal(keys, want) {
		t.Errorf("top-level keys %q, want %q", keys, want)
	}
	var groups, listeners []map[string]any
	if err := json.Unmarshal(top["groups"], &groups); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(top["eventlisteners"], &listeners); err != nil {
		t.Fatal(err)
	}
	names := func(gs []map[string]any) (out []string) {
		for _, g := range gs {
			out = append(out, fmt.Sprint(g["name"]))
		}
		return out
	}
	if got := names(groups); !slices.Equal(got, []string{"audit", "web"}) {
		t.Errorf("groups %q, want audit, web", got)
	}
	if got := names(listeners); !slices.Equal(got, []string{"watch", "pool"}) {
		t.Errorf("eventlisteners %q, want watch, pool", got)
	}
	for _, g := range groups {
		if g["kind"] != "program" {
			t.Errorf("group %v: kind %v", g["name"], g["kind"])
		}
		for _, k := range []string{"events", "buffer_size", "result_handler"} {
			if _, ok := g[k]; ok {
				t.Errorf("group %v has %s", g["name"], k)
			}
		}
	}
	want := []map[string]any{
		{"kind": "eventlistener", "priority": -1.0, "events": []any{"PROCESS_STATE_FATAL", "PROCESS_STATE_EXITED"},
			"buffer_size": 10.0, "result_handler": "supervisor.dispatchers:default_handler"},
		{"kind": "eventlistener", "priority": 5.0, "events": []any{"TICK_60", "PROCESS_STATE", "PROCESS_GROUP"},
			"buffer_size": 50.0, "result_handler": "supervisor.dispatchers:default_handler"},
	}
	for i, w := range want {
		if i >= len(listeners) {
			break
		}
		for k, v := range w {
			if !reflect.DeepEqual(listeners[i][k], v) {
				t.Errorf("eventlisteners[%d].%s = %v, want %v", i, k, listeners[i][k], v)
			}
		}
		if ps, _ := listeners[i]["processes"].([]any); len(ps) == 0 {
			t.Errorf("eventlisteners[%d] has no processes", i)
		}
	}

	// No listener: an empty list, not null.
	cfg, err = Load("testdata/priorities_order.conf", testEnv())
	if err != nil {
		t.Fatal(err)
	}
	if b, _ = cfg.MarshalJSON(); !strings.Contains(string(b), `"eventlisteners":[]`) {
		t.Errorf("no listeners: %s", b)
	}
}

// TestConcreteEvents: the abstract types stand for their concrete ones.
func TestConcreteEvents(t *testing.T) {
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"PROCESS_STATE_FATAL", []string{"PROCESS_STATE_FATAL"}},
		{"PROCESS_LOG", []string{"PROCESS_LOG_STDOUT", "PROCESS_LOG_STDERR"}},
		{"TICK", []string{"TICK_5", "TICK_60", "TICK_3600"}},
		{"PROCESS_STATE", EventTypes[:8]},
		{"EVENT", EventTypes},
		{"REMOTE_COMMUNICATION", []string{"REMOTE_COMMUNICATION"}},
		{"PROCESS_STATE_FOO", nil},
		{"process_state", nil}, // callers upper-case
		{"", nil},
	} {
		if got := ConcreteEvents(tc.name); !slices.Equal(got, tc.want) {
			t.Errorf("ConcreteEvents(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestEventTypesMatchSupervisor: gosinit knows the event type names
// supervisor's events.EventTypes has, no more and no fewer.
func TestEventTypesMatchSupervisor(t *testing.T) {
	out, err := exec.Command(python, "-c",
		"from supervisor import events\nfor n in vars(events.EventTypes):\n  if n.isupper(): print(n)").Output()
	if err != nil {
		t.Skipf("%s cannot import the supervisor module: %v", python, err)
	}
	theirs := strings.Fields(string(out))
	var ours []string
	ours = append(ours, EventTypes...)
	for _, a := range append(slices.Clone(theirs), "EVENT", "PROCESS_STATE", "PROCESS_COMMUNICATION",
		"PROCESS_LOG", "SUPERVISOR_STATE_CHANGE", "TICK", "PROCESS_GROUP") {
		if _, ok := abstractPrefix(a); ok && !slices.Contains(ours, a) {
			ours = append(ours, a)
		}
	}
	slices.Sort(theirs)
	slices.Sort(ours)
	if !slices.Equal(ours, theirs) {
		t.Errorf("gosinit's event types %q\nsupervisor's %q", ours, theirs)
	}
}

// TestDuplicateGroupNames: supervisord adds groups in priority order and
// skips a name it already has, so the later section never runs there;
// gosinit warns at that section.
func TestDuplicateGroupNames(t *testing.T) {
	for _, tc := range []struct {
		name, extra, want string
	}{
		{"program after listener", "[program:x]\ncommand=/bin/p\n",
			`7 [program:x] another section also makes a group named "x" ([eventlistener:x] comes first)`},
		{"group before program", "[group:y]\nprograms=a\n[program:a]\ncommand=/bin/a\n[program:y]\ncommand=/bin/y\n",
			`11 [program:y] another section also makes a group named "y" ([group:y] comes first)`},
		{"distinct names", "[program:z]\ncommand=/bin/z\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := listenerConf(t, "events=TICK_5", tc.extra)
			cfg, err := Load(file, testEnv())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range cfg.Warnings {
				if strings.Contains(d.Msg, "another section") {
					got = append(got, d.String())
				}
			}
			if tc.want == "" {
				if len(got) != 0 {
					t.Errorf("unexpected warnings %q", got)
				}
				return
			}
			line, rest, _ := strings.Cut(tc.want, " ")
			if len(got) != 1 || !strings.HasPrefix(got[0], file+":"+line+": "+rest) {
				t.Errorf("got %q, want %s:%s: %s", got, file, line, rest)
			}
		})
	}
}

// TestEventsEnabled: stdout_events_enabled and stderr_events_enabled
// mark a stream's output as PROCESS_LOG events, for each process of the
// program.
func TestEventsEnabled(t *testing.T) {
	file := listenerConf(t, "events=PROCESS_LOG", "[program:p]\ncommand=/bin/p\nprocess_name=%(program_name)s_%(process_num)d\nnumprocs=2\nstdout_events_enabled=true\n\n[program:q]\ncommand=/bin/q\nstderr_events_enabled=1\n")
	cfg, err := Load(file, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]bool{}
	for _, p := range cfg.Processes() {
		got[p.Name] = [2]bool{p.Stdout.Events, p.Stderr.Events}
	}
	want := map[string][2]bool{"x": {false, false}, "p_0": {true, false}, "p_1": {true, false}, "q": {false, true}}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: stdout/stderr events %v, want %v", name, got[name], w)
		}
	}
}
