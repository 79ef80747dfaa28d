package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/proc"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixedNow is the clock of the golden tests (UTC: see setClock).
var fixedNow = time.Date(2026, 11, 25, 16, 30, 0, 0, time.UTC)

// setClock fixes timeNow and the local time zone (the STOPPED/EXITED
// description is local time) for one test.
func setClock(t testing.TB) {
	t.Helper()
	oldNow, oldLocal := timeNow, time.Local
	timeNow = func() time.Time { return fixedNow }
	time.Local = time.UTC
	t.Cleanup(func() { timeNow, time.Local = oldNow, oldLocal })
}

// ago is fixedNow minus d, in unix seconds.
func ago(d time.Duration) int64 { return fixedNow.Add(-d).Unix() }

// writeStatusFile writes st into dir/status.json as PID 1 does: a temp
// file, then rename.
func writeStatusFile(t testing.TB, path string, st *proc.Status) {
	t.Helper()
	if err := writeStatusAtomic(path, st); err != nil {
		t.Fatal(err)
	}
}

func writeStatusAtomic(path string, st *proc.Status) error {
	b, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// runCmd calls cmd and returns what main would show: stdout, stderr (with
// main's "gosinit: " line for an exitStatus message) and the exit code.
func runCmd(cmd func([]string, io.Writer, io.Writer) error, args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	err := cmd(args, &out, &errb)
	var st *exitStatus
	switch {
	case err == nil:
	case errors.As(err, &st):
		code = st.code
		if st.msg != "" {
			fmt.Fprintln(&errb, "gosinit: "+st.msg)
		}
	case errors.Is(err, errUsage):
		code = 2
	case errors.Is(err, errHelp):
	default:
		code = 1
		fmt.Fprintln(&errb, "gosinit: "+err.Error())
	}
	return out.String(), errb.String(), code
}

// sample has every state, groups and names out of order.
var sample = []proc.ProcessStatus{
	{Name: "web", Group: "web", State: proc.Running, Pid: 101, Start: ago(65 * time.Second)},
	{Name: "api_01", Group: "api", State: proc.Starting, Pid: 103, Start: ago(time.Second)},
	{Name: "api_00", Group: "api", State: proc.Running, Pid: 102, Start: ago(26*time.Hour + 3*time.Minute + 4*time.Second)},
	{Name: "cron", Group: "cron", State: proc.Stopped},
	{Name: "batch", Group: "batch", State: proc.Exited, Start: ago(3 * time.Hour), Stop: time.Date(2026, 11, 25, 6, 30, 12, 0, time.UTC).Unix(), Exitstatus: 0},
	{Name: "broken", Group: "broken", State: proc.Fatal, Spawnerr: "can't find command '/nonexistent/bin'"},
	{Name: "flaky", Group: "flaky", State: proc.Backoff, Spawnerr: "Exited too quickly (process log may have details)", Start: ago(time.Second), Stop: ago(0)},
	{Name: "quiet", Group: "quiet", State: proc.Fatal},
	{Name: "draining", Group: "draining", State: proc.Stopping, Pid: 104, Start: ago(time.Hour)},
	{Name: "lost", Group: "lost", State: proc.Unknown, Pid: 105},
	{Name: "halted", Group: "halted", State: proc.Stopped, Start: ago(48 * time.Hour), Stop: time.Date(2026, 11, 23, 18, 5, 0, 0, time.UTC).Unix()},
}

func pick(names ...string) []proc.ProcessStatus {
	var out []proc.ProcessStatus
	for _, n := range names {
		for _, p := range sample {
			if p.Name == n {
				out = append(out, p)
			}
		}
	}
	return out
}

func running(group, name string, up time.Duration) proc.ProcessStatus {
	return proc.ProcessStatus{Name: name, Group: group, State: proc.Running, Pid: 4242, Start: ago(up)}
}

// TestStatusGolden renders hand-written status files through cmdStatus:
// testdata/status/NAME.golden holds stdout, stderr and the exit code.
func TestStatusGolden(t *testing.T) {
	setClock(t)
	tests := []struct {
		name  string
		procs []proc.ProcessStatus
		args  []string
	}{
		{"all_states", sample, nil},
		{"all_running", pick("web", "api_00", "api_01", "flaky", "draining"), nil},
		{"empty", nil, nil},
		{"group_star", sample, []string{"api:*"}},
		{"group_colon", sample, []string{"api:"}},
		{"group_name", sample, []string{"api:api_01"}},
		{"bare_name_in_group", sample, []string{"api_00"}},
		{"name_filter_running", sample, []string{"web", "api:*"}},
		{"name_filter_stopped", sample, []string{"web", "cron"}},
		{"unknown_names", sample, []string{"nope", "web", "nog:*", "api:nope", "nog:"}},
		{"unknown_and_stopped", sample, []string{"nope", "batch"}},
		{"all_keyword", sample, []string{"nope", "all"}},
		{"arg_order_and_duplicates", sample, []string{"web", "broken", "web"}},
		{"width_30", []proc.ProcessStatus{
			running("g", strings.Repeat("a", 28), time.Second), // "g:" + 28 = 30: no widening
			running("x", "x", time.Second),
		}, nil},
		{"width_31", []proc.ProcessStatus{
			running("g", strings.Repeat("a", 29), time.Second), // 31: column 34
			running("x", "x", time.Second),
		}, nil},
		{"long_names", []proc.ProcessStatus{
			running("frontend", "a_program_with_a_rather_long_name_00", 5*time.Second),
			{Name: "short", Group: "short", State: proc.Fatal, Spawnerr: "Exited too quickly (process log may have details)"},
			{Name: "zz", Group: "frontend", State: proc.Stopped},
		}, nil},
		{"long_name_filtered_out", []proc.ProcessStatus{
			running("frontend", "a_program_with_a_rather_long_name_00", 5*time.Second),
			running("short", "short", 5*time.Second),
		}, []string{"short"}},
		{"unicode_width", []proc.ProcessStatus{
			running("grüppe", "prozeß_mit_einem_sehr_langen_namen", 5*time.Second),
			running("x", "x", time.Second),
		}, nil},
		{"uptimes", []proc.ProcessStatus{
			running("u", "a_0s", 0),
			running("u", "b_5s", 5*time.Second),
			running("u", "c_65s", 65*time.Second),
			running("u", "d_10h", 10*time.Hour),
			running("u", "e_1day", 24*time.Hour),
			running("u", "f_1day_2h03m04s", 26*time.Hour+3*time.Minute+4*time.Second),
			running("u", "g_3days_1s", 72*time.Hour+time.Second),
			running("u", "h_400days", 400*24*time.Hour+23*time.Hour+59*time.Minute+59*time.Second),
			running("u", "i_clock_set_back", -time.Hour),
		}, nil},
		{"flags_after_names", sample, []string{"web", "--json"}},
		{"json_all", sample, []string{"--json"}},
		{"json_filtered", sample, []string{"--json", "web", "api:*"}},
		{"json_unknown", sample, []string{"--json", "nope", "web"}},
		{"json_empty", sample, []string{"--json", "nope"}},
		{"bad_flag", sample, []string{"--nope"}},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".json")
			writeStatusFile(t, path, &proc.Status{Pid: os.Getpid(), Started: ago(time.Hour), Processes: tt.procs})
			stdout, stderr, code := runCmd(cmdStatus, append([]string{"--status-file", path}, tt.args...)...)
			got := fmt.Sprintf("$ gosinit status %s\n%s-- stderr --\n%s-- exit %d --\n", strings.Join(tt.args, " "), stdout, stderr, code)
			checkGolden(t, filepath.Join("testdata", "status", tt.name+".golden"), got)
		})
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestStatusExitCode covers every state alone, and the unknown-name rules.
func TestStatusExitCode(t *testing.T) {
	tests := []struct {
		state proc.State
		want  int
	}{
		{proc.Stopped, 3}, {proc.Starting, 0}, {proc.Running, 0}, {proc.Backoff, 0},
		{proc.Stopping, 0}, {proc.Exited, 3}, {proc.Fatal, 3}, {proc.Unknown, 3},
		{proc.State(999), 3}, // a state this version does not know prints UNKNOWN
	}
	for _, tt := range tests {
		t.Run(tt.state.String()+strconv.Itoa(int(tt.state)), func(t *testing.T) {
			ps := []proc.ProcessStatus{{Name: "p", Group: "p", State: tt.state}}
			if got := statusCode(ps, false); got != tt.want {
				t.Errorf("statusCode(%v) = %d, want %d", tt.state, got, tt.want)
			}
			// An unknown name gives 4 unless a listed process is stopped (3 wins, as in supervisorctl).
			want := 4
			if tt.want == 3 {
				want = 3
			}
			if got := statusCode(ps, true); got != want {
				t.Errorf("statusCode(%v, unknown name) = %d, want %d", tt.state, got, want)
			}
		})
	}
	if got := statusCode(nil, false); got != 0 {
		t.Errorf("statusCode(none) = %d, want 0", got)
	}
	if got := statusCode(nil, true); got != 4 {
		t.Errorf("statusCode(none, unknown name) = %d, want 4", got)
	}
}

// TestDescribeMatchesPython compares the uptime text with Python's
// str(timedelta) and the stop time with strftime('%b %d %I:%M %p'), which
// is what supervisord computes.
func TestDescribeMatchesPython(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3 to compare with")
	}
	setClock(t)
	secs := []int64{0, 1, 5, 59, 60, 65, 3599, 3600, 7384, 86399, 86400, 86401, 93784, 172800, 259201, 31622399, 34646399}
	stops := []int64{0, 1764052212, 1764090000, 1764129599, 1764133200, 1767225599}
	script := `import sys, datetime, time
for a in sys.argv[1:]:
    k, v = a.split("=")
    if k == "up":
        print(datetime.timedelta(seconds=int(v)))
    else:
        print(datetime.datetime(*time.localtime(int(v))[:7]).strftime('%b %d %I:%M %p'))
`
	args := []string{"-c", script}
	var want []string
	for _, s := range secs {
		args = append(args, fmt.Sprintf("up=%d", s))
		p := proc.ProcessStatus{Name: "p", State: proc.Running, Pid: 1, Start: fixedNow.Unix() - s}
		want = append(want, strings.TrimPrefix(p.Describe(fixedNow), "pid 1, uptime "))
	}
	for _, s := range stops {
		args = append(args, fmt.Sprintf("stop=%d", s))
		p := proc.ProcessStatus{Name: "p", State: proc.Exited, Start: 1, Stop: s}
		want = append(want, p.Describe(fixedNow))
	}
	cmd := exec.Command("/usr/bin/python3", args...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("python printed %d lines, want %d:\n%s", len(got), len(want), out)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s: python says %q, Describe says %q", args[i+2], got[i], want[i])
		}
	}
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args      []string
		wantNames []string
		wantJSON  bool
	}{
		{nil, nil, false},
		{[]string{"a", "b"}, []string{"a", "b"}, false},
		{[]string{"--json", "a"}, []string{"a"}, true},
		{[]string{"a", "--json", "b"}, []string{"a", "b"}, true},
		{[]string{"a", "-json"}, []string{"a"}, true},
		{[]string{"a", "--", "--json"}, []string{"a", "--json"}, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fset := newFlags(nil, nil)
			var j bool
			fset.BoolVar(&j, "json")
			got, err := parseArgs(fset, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.wantNames, "|") || j != tt.wantJSON {
				t.Errorf("parseArgs(%q) = %q, json=%v; want %q, json=%v", tt.args, got, j, tt.wantNames, tt.wantJSON)
			}
		})
	}
}

func TestStatusFilePath(t *testing.T) {
	dir := t.TempDir()
	old := defaultStatusFile
	t.Cleanup(func() { defaultStatusFile = old })
	defaultStatusFile = filepath.Join(dir, "run", "status.json")
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(dir, "xdg"))
	if err := os.Mkdir(filepath.Join(dir, "xdg"), 0o700); err != nil { // the session's, ours
		t.Fatal(err)
	}
	fallback := filepath.Join(dir, "xdg", "gosinit", "status.json")

	check := func(flagPath, wantPath, wantOther string) {
		t.Helper()
		gotPath, gotOther := statusFilePath(flagPath)
		if gotPath != wantPath || gotOther != wantOther {
			t.Errorf("statusFilePath(%q) = %q, %q; want %q, %q", flagPath, gotPath, gotOther, wantPath, wantOther)
		}
	}
	t.Setenv("GOSINIT_STATUS_FILE", "")
	check("", fallback, defaultStatusFile) // no default file: the per-user path
	if err := os.MkdirAll(filepath.Dir(defaultStatusFile), 0o755); err != nil {
		t.Fatal(err)
	}
	writeStatusFile(t, defaultStatusFile, &proc.Status{})
	check("", defaultStatusFile, "") // the default when it exists
	t.Setenv("GOSINIT_STATUS_FILE", "/env/status.json")
	check("", "/env/status.json", "")     // the environment over the default
	check("/flag.json", "/flag.json", "") // the flag over everything

	// The message names both paths when neither exists.
	t.Setenv("GOSINIT_STATUS_FILE", "")
	os.Remove(defaultStatusFile)
	_, stderr, code := runCmd(cmdStatus)
	want := fmt.Sprintf("gosinit: no gosinit is running: status file %s does not exist (nor %s; a gosinit of another user: name its status file with --status-file or GOSINIT_STATUS_FILE)\n", defaultStatusFile, fallback)
	if code != 4 || stderr != want {
		t.Errorf("status with no file: exit %d, stderr %q; want exit 4, %q", code, stderr, want)
	}
}

// startProcess starts path with argv and kills it (by pid) at cleanup.
func startProcess(t *testing.T, path string, argv ...string) *exec.Cmd {
	t.Helper()
	cmd := &exec.Cmd{Path: path, Args: argv}
	if err := startKept(cmd, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// Start returns once execve has closed the descriptors, a moment
	// before the kernel sets the new command line: wait for it.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if b, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/cmdline"); len(b) > 0 || time.Now().After(deadline) {
			break
		}
	}
	return cmd
}

// TestStatusNoGosinit checks that status says which check failed, with exit 4.
func TestStatusNoGosinit(t *testing.T) {
	setClock(t)
	dir := t.TempDir()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	// A pid that is gone: a process started and reaped.
	dead := exec.Command(sleep, "0")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPid := dead.ProcessState.Pid()
	notGosinit := startProcess(t, sleep, "sleep", "1000").Process.Pid
	// argv[0] "gosinit": looks like gosinit.
	byArgv0 := startProcess(t, sleep, "gosinit", "1000").Process.Pid
	// The executable is named gosinit, argv[0] is not.
	b, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	renamed := filepath.Join(dir, "gosinit")
	if err := os.WriteFile(renamed, b, 0o755); err != nil {
		t.Fatal(err)
	}
	byExe := startProcess(t, renamed, "init", "1000").Process.Pid
	// Named as this program is (gosinit installed as /init, say).
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	likeSelf := filepath.Join(dir, "sub", filepath.Base(self))
	if err := os.Mkdir(filepath.Dir(likeSelf), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(likeSelf, b, 0o755); err != nil {
		t.Fatal(err)
	}
	byName := startProcess(t, likeSelf, likeSelf, "1000").Process.Pid

	tests := []struct {
		name       string
		content    string // raw file content; "" means a status with pid
		pid        int
		wantCode   int
		wantStderr string // a regexp; PATH stands for the file
	}{
		{"missing", "-", 0, 4, `^gosinit: no gosinit is running: status file PATH does not exist\n$`},
		{"dead_pid", "", deadPid, 4, fmt.Sprintf(`^gosinit: no gosinit is running: pid %d is gone \(status file PATH\)\n$`, deadPid)},
		{"not_gosinit", "", notGosinit, 4, fmt.Sprintf(`^gosinit: no gosinit is running: pid %d is not gosinit \(it is sleep\) \(status file PATH\)\n$`, notGosinit)},
		{"pid_zero", "", 0, 4, `^gosinit: status file PATH: pid 0 is not a process id\n$`},
		{"negative_pid", "", -1, 4, `^gosinit: status file PATH: pid -1 is not a process id\n$`},
		{"corrupt", "{\"pid\": 1, \"proc", 0, 4, `^gosinit: read status: status file PATH: byte 16: unexpected end of JSON input\n$`},
		{"argv0_gosinit", "", byArgv0, 0, `^$`},
		{"exe_gosinit", "", byExe, 0, `^$`},
		{"this_executable", "", os.Getpid(), 0, `^$`},
		{"named_as_this_program", "", byName, 0, `^$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".json")
			switch tt.content {
			case "-":
			case "":
				writeStatusFile(t, path, &proc.Status{Pid: tt.pid, Processes: pick("web")})
			default:
				if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			stdout, stderr, code := runCmd(cmdStatus, "--status-file", path)
			re := regexp.MustCompile(strings.ReplaceAll(tt.wantStderr, "PATH", regexp.QuoteMeta(path)))
			if code != tt.wantCode || !re.MatchString(stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d, stderr matching %s", code, stderr, tt.wantCode, re)
			}
			if tt.wantCode == 0 && !strings.HasPrefix(stdout, "web ") {
				t.Errorf("stdout %q, want the web line", stdout)
			}
		})
	}
}

// TestStatusAsNonRoot runs status as user nobody (65534) against a
// root-owned gosinit and status file, as `docker exec -u` would: kill(pid, 0)
// answers EPERM (alive) and /proc/PID/exe is unreadable, cmdline is not.
func TestStatusAsNonRoot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to start processes as another user")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	gosinit := startProcess(t, sleep, "gosinit", "1000").Process.Pid
	other := startProcess(t, sleep, "sleep", "1000").Process.Pid
	// gosinit copied as /init: nobody may not read its exe, and knows it
	// by its start time, in a status file of the process's user only.
	renamed := startProcess(t, sleep, "/init", "1000").Process.Pid
	_, renamedStart, ok := procStart(renamed)
	if !ok {
		t.Fatal("no start time for", renamed)
	}

	// A directory nobody can reach, with a copy of the test binary in it.
	dir := nobodyDir(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe := copyExecutable(t, self, filepath.Join(dir, "status.test"))

	tests := []struct {
		name       string
		pid        int
		started    int64
		nobodys    bool // the file is nobody's, not root's
		wantCode   int
		wantStdout string // a prefix
		wantStderr string
	}{
		{"gosinit", gosinit, 0, false, 0, "web                              RUNNING   pid 101, uptime ", ""},
		{"not_gosinit", other, 0, false, 4, "", fmt.Sprintf("gosinit: no gosinit is running: pid %d is not gosinit (it is sleep) (status file PATH)\n", other)},
		{"renamed", renamed, renamedStart, false, 0, "web ", ""},
		{"renamed_in_nobodys_file", renamed, renamedStart, true, 4, "", fmt.Sprintf("gosinit: no gosinit is running: pid %d is not gosinit (it is /init) (status file PATH)\n", renamed)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".json")
			writeStatusFile(t, path, &proc.Status{Pid: tt.pid, Started: tt.started, Processes: pick("web")})
			if tt.nobodys {
				os.Chown(path, 65534, 65534)
			}
			cmd := helperCommand(t, "status", "--status-file", path)
			cmd.Path = exe
			out, errb, code := runAsNobody(t, cmd)
			wantStderr := strings.ReplaceAll(tt.wantStderr, "PATH", path)
			if code != tt.wantCode || !strings.HasPrefix(out, tt.wantStdout) || errb != wantStderr {
				t.Errorf("as nobody: exit %d, stdout %q, stderr %q; want exit %d, stdout %q..., stderr %q",
					code, out, errb, tt.wantCode, tt.wantStdout, wantStderr)
			}
		})
	}
	// The start time shows the renamed gosinit's status, but it will not
	// do to signal: root's file may hold a user= program's words (root's
	// log of it) naming any process with its start time.
	t.Run("renamed_signalled", func(t *testing.T) {
		path := filepath.Join(dir, "renamed_signalled.json")
		writeStatusFile(t, path, &proc.Status{Pid: renamed, Started: renamedStart, Processes: pick("web")})
		cmd := helperCommand(t, "ctl", "signal", "HUP", "web")
		cmd.Env = append(cmd.Env, "GOSINIT_STATUS_FILE="+path)
		cmd.Path = exe
		out, errb, code := runAsNobody(t, cmd)
		if want := fmt.Sprintf("gosinit: pid %d is not gosinit (it is /init)\n", renamed); code != 4 || errb != want {
			t.Errorf("supervisorctl signal as nobody: exit %d, stdout %q, stderr %q; want exit 4, stderr %q", code, out, errb, want)
		}
	})
}

// runAsNobody runs cmd as user nobody (65534) and returns what it wrote
// and its exit status.
func runAsNobody(t *testing.T, cmd *exec.Cmd) (stdout, stderr string, code int) {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestStatusPID1UsersPath: a user that has no status file of its own
// (docker exec -u 1000 into a container whose gosinit runs as another
// user) reads PID 1's user's per-user path in /tmp, but only from a
// directory of that user's: when PID 1 is not gosinit (a host's systemd),
// anyone may have made /tmp/gosinit-0 and put a status file there.
func TestStatusPID1UsersPath(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to start processes as another user")
	}
	var p1 unix.Stat_t
	if err := unix.Stat("/proc/1", &p1); err != nil || p1.Uid == 65534 {
		t.Skip("PID 1 is nobody's, or no /proc")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	tmp := nobodyDir(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe := copyExecutable(t, self, filepath.Join(tmp, "status.test"))
	rootGosinit := startProcess(t, sleep, "gosinit", "1000").Process.Pid
	forged := exec.Command(sleep, "1000")
	forged.Args[0] = "gosinit"
	forged.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if err := forged.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { forged.Process.Kill(); forged.Wait() })

	dir := filepath.Join(tmp, "gosinit-"+strconv.Itoa(int(p1.Uid)))
	path := filepath.Join(dir, "status.json")
	for _, tt := range []struct {
		name       string
		owner, pid int
		wantCode   int
		wantStderr string
	}{
		{"nobody's directory", 65534, forged.Process.Pid, 4, "gosinit: no gosinit is running: status file " + filepath.Join(tmp, "none.json") +
			" does not exist (nor " + filepath.Join(tmp, "gosinit-65534", "status.json") + "; a gosinit of another user: name its status file with --status-file or GOSINIT_STATUS_FILE)\n"},
		{"PID 1's user's directory", int(p1.Uid), rootGosinit, 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.RemoveAll(dir)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			writeStatusFile(t, path, &proc.Status{Pid: tt.pid, Processes: pick("web")})
			os.Chown(path, tt.owner, tt.owner)
			os.Chown(dir, tt.owner, tt.owner)
			cmd := helperCommand(t, "status")
			cmd.Path = exe
			cmd.Env = append(cmd.Env, "TMPDIR="+tmp, "GOSINIT_TEST_DEFAULT_STATUS="+filepath.Join(tmp, "none.json"), "XDG_RUNTIME_DIR=", "GOSINIT_STATUS_FILE=")
			out, errb, code := runAsNobody(t, cmd)
			if code != tt.wantCode || errb != tt.wantStderr || code == 0 && !strings.HasPrefix(out, "web ") {
				t.Errorf("as nobody: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", code, out, errb, tt.wantCode, tt.wantStderr)
			}
		})
	}
}

// TestStatusStaleDefaultFile: a root gosinit's status file outlives it in
// a host's /run (a stopped systemd unit, a `make demo` as root); a user
// who then runs gosinit gets the per-user file, and `gosinit status` must
// find it there, not report the dead pid of the file in /run.
func TestStatusStaleDefaultFile(t *testing.T) {
	dir, tmp := nobodyTmp(t)
	dead := exec.Command("/bin/true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "run", "status.json") // root's, as /run/gosinit's
	os.Mkdir(filepath.Dir(stale), 0o755)
	writeStatusFile(t, stale, &proc.Status{Pid: dead.ProcessState.Pid(), Shutdown: true})
	env := []string{"TMPDIR=" + tmp, "XDG_RUNTIME_DIR=", "GOSINIT_STATUS_FILE="}
	startNobodyGosinit(t, dir, filepath.Join(tmp, "gosinit-65534", "status.json"), env)
	out, errb, code := nobodyStatus(t, dir, append(env, "GOSINIT_TEST_DEFAULT_STATUS="+stale))
	if code != 0 || errb != "" || !strings.HasPrefix(out, "web ") {
		t.Errorf("status as gosinit's user: exit %d, stdout %q, stderr %q; want exit 0 and web's line", code, out, errb)
	}
}

// TestStatusForeignXDGRuntimeDir: `su app -c 'gosinit -c ...'` keeps the
// root session's XDG_RUNTIME_DIR (/run/user/0), which app may not write,
// and a session's may be gone: gosinit (and gosinit status, with the same
// environment) then use /tmp/gosinit-UID, as with none, rather than no
// status file at all.
func TestStatusForeignXDGRuntimeDir(t *testing.T) {
	dir, tmp := nobodyTmp(t)
	xdg := filepath.Join(dir, "xdg") // root's, as /run/user/0
	if err := os.Mkdir(xdg, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, x := range []string{xdg, filepath.Join(dir, "gone")} {
		t.Run(filepath.Base(x), func(t *testing.T) {
			os.RemoveAll(filepath.Join(tmp, "gosinit-65534"))
			env := []string{"TMPDIR=" + tmp, "XDG_RUNTIME_DIR=" + x, "GOSINIT_STATUS_FILE="}
			startNobodyGosinit(t, dir, filepath.Join(tmp, "gosinit-65534", "status.json"), env)
			out, errb, code := nobodyStatus(t, dir, append(env, "GOSINIT_TEST_DEFAULT_STATUS="+filepath.Join(dir, "none.json")))
			if code != 0 || errb != "" || !strings.HasPrefix(out, "web ") {
				t.Errorf("status: exit %d, stdout %q, stderr %q; want exit 0 and web's line", code, out, errb)
			}
		})
	}
}

// TestStatusNoFileSaysWhatToDo: with no directory for its status file
// (here its per-user one in /tmp made by another user), gosinit warns
// that gosinit status will not work and says what to give both instead.
func TestStatusNoFileSaysWhatToDo(t *testing.T) {
	dir, tmp := nobodyTmp(t)
	if err := os.Mkdir(filepath.Join(tmp, "gosinit-65534"), 0o755); err != nil { // root's
		t.Fatal(err)
	}
	log := startNobodyGosinit(t, dir, "", []string{"TMPDIR=" + tmp, "XDG_RUNTIME_DIR="}).String()
	want := "not used: gosinit status will not work; give it and gosinit status --status-file (or GOSINIT_STATUS_FILE) in a directory of this user's\n"
	if !strings.Contains(log, want) {
		t.Errorf("log lacks %q:\n%s", want, log)
	}
}

// TestStatusOtherUsersGosinit: a gosinit of another user, not PID 1,
// writes a per-user file the reader does not look for. The reader is told
// so, and how to name that file, rather than only that none is running;
// named, the file is read.
func TestStatusOtherUsersGosinit(t *testing.T) {
	dir, tmp := nobodyTmp(t)
	env := []string{"TMPDIR=" + tmp, "XDG_RUNTIME_DIR=", "GOSINIT_STATUS_FILE="}
	theirs := filepath.Join(tmp, "gosinit-65534", "status.json")
	startNobodyGosinit(t, dir, theirs, env)
	none := filepath.Join(dir, "none.json")
	run := func(args ...string) (stdout, stderr string, code int) {
		cmd := helperCommand(t, "status", args...)
		cmd.Env = append(cmd.Env, append(env, "GOSINIT_TEST_DEFAULT_STATUS="+none)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}
	_, errb, code := run()
	want := "gosinit: no gosinit is running: status file " + none + " does not exist (nor " + filepath.Join(tmp, "gosinit-0", "status.json") +
		"; a gosinit of another user: name its status file with --status-file or GOSINIT_STATUS_FILE)\n"
	if code != 4 || errb != want {
		t.Errorf("status as root: exit %d, stderr %q; want exit 4, %q", code, errb, want)
	}
	if out, errb, code := run("--status-file", theirs); code != 0 || !strings.HasPrefix(out, "web ") {
		t.Errorf("status --status-file %s: exit %d, stdout %q, stderr %q; want exit 0 and web's line", theirs, code, out, errb)
	}
}

// nobodyTmp is a nobodyDir and a /tmp-like directory in it (1777), for
// nobody's TMPDIR.
func nobodyTmp(t *testing.T) (dir, tmp string) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root to run gosinit as another user")
	}
	dir = nobodyDir(t)
	tmp = filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(tmp, 0o1777)
	return dir, tmp
}

// startNobodyGosinit runs the gosinit binary as nobody, with env and a
// program web, until web is RUNNING in the status file at want (with want
// "", in its log); cleanup stops it by its pid. It returns the log.
func startNobodyGosinit(t *testing.T, dir, want string, env []string) *lockedBuffer {
	t.Helper()
	conf := filepath.Join(dir, "sd.conf")
	text := "[supervisord]\nlogfile=/dev/null\n\n[program:web]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := copyExecutable(t, gosinitBin, filepath.Join(dir, "gosinit"))
	cmd := exec.Command(bin, "-c", conf)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
	got := new(lockedBuffer)
	cmd.Stderr = got
	startAsNobody(t, cmd)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if want == "" && strings.Contains(got.String(), "success: web") {
			return got
		}
		if st, err := proc.ReadStatus(want); err == nil && len(st.Processes) == 1 && st.Processes[0].State == proc.Running {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("no RUNNING in %s; gosinit's log:\n%s", want, got.String())
		}
	}
}

// nobodyStatus runs `gosinit status` (the test binary's) as nobody, with env.
func nobodyStatus(t *testing.T, dir string, env []string) (stdout, stderr string, code int) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	reader := helperCommand(t, "status")
	reader.Path = copyExecutable(t, self, filepath.Join(dir, "status.test"))
	reader.Env = append(reader.Env, env...)
	return runAsNobody(t, reader)
}

// The test binary doubles as the helper programs of these tests (the
// os/exec model). The dispatch is in init, so it runs before TestMain (which
// builds the gosinit binary): GOSINIT_STATUS_HELPER names the helper.
func init() {
	switch mode := os.Getenv("GOSINIT_STATUS_HELPER"); mode {
	case "":
	case "status":
		// status ARGS: cmdStatus, printing and exiting as main would;
		// GOSINIT_TEST_DEFAULT_STATUS replaces /run/gosinit/status.json.
		if p := os.Getenv("GOSINIT_TEST_DEFAULT_STATUS"); p != "" {
			defaultStatusFile = p
		}
		stdout, stderr, code := runCmd(cmdStatus, os.Args[1:]...)
		os.Stdout.WriteString(stdout)
		os.Stderr.WriteString(stderr)
		os.Exit(code)
	case "ctl":
		// ctl ARGS: supervisorctl's commands, as status above.
		stdout, stderr, code := runCmd(runCtl, os.Args[1:]...)
		os.Stdout.WriteString(stdout)
		os.Stderr.WriteString(stderr)
		os.Exit(code)
	case "fakegosinit":
		// fakegosinit FILE BEHAVIOUR: see fakeGosinit.
		os.Exit(fakeGosinit(os.Args[1], os.Args[2]))
	default:
		fmt.Fprintf(os.Stderr, "unknown helper %q\n", mode)
		os.Exit(100)
	}
}

// helperCommand returns the command that re-executes the test binary as
// helper mode, with argv[0] "gosinit".
func helperCommand(t *testing.T, mode string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &exec.Cmd{
		Path: exe,
		Args: append([]string{"gosinit"}, args...),
		Env:  append(os.Environ(), "GOSINIT_STATUS_HELPER="+mode),
	}
}

// fakeGosinit plays PID 1's side of a reload: it writes the status file,
// says "ready" on stdout, and answers each SIGHUP as behaviour says.
func fakeGosinit(path, behaviour string) int {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP)
	st := &proc.Status{
		Pid:        os.Getpid(),
		Started:    time.Now().Unix(),
		Config:     "/etc/supervisord.conf",
		Generation: 7,
		Processes:  []proc.ProcessStatus{{Name: "web", Group: "web", State: proc.Running, Pid: 12, Start: time.Now().Unix()}},
	}
	write := func() {
		if err := writeStatusAtomic(path, st); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(101)
		}
	}
	write()
	fmt.Println("ready")
	for range sigs {
		if behaviour != "ignore" {
			st.ReloadRequests++ // as PID 1 counts the SIGHUPs it acts on
		}
		switch behaviour {
		case "changes":
			st.Generation++
			st.Reload = "ok"
			st.Changes = []string{"old: stopped", "old: removed process group", "web: stopped", "web: updated process group", "api: added process group"}
			write()
		case "nochange":
			st.Generation++
			st.Reload = "ok"
			st.Changes = nil
			write()
		case "rejected":
			st.Generation++
			st.Reload = "error"
			st.ReloadErrors = []string{
				`/etc/supervisord.conf:9: [program:db] priority: "high" is not an integer`,
				`/etc/supervisord.conf:12: [program:db] stopsignal: unknown signal "TERMINATE"`,
			}
			write()
		case "noisy":
			// State changes under the old generation first, the reload
			// under way: reload must wait for its result.
			st.Reloading = true
			for i := range 20 {
				st.Processes[0].Pid = 100 + i
				write()
			}
			os.WriteFile(filepath.Join(filepath.Dir(path), "unrelated"), []byte("x"), 0o644)
			st.Reloading = false
			st.Generation++
			st.Reload = "ok"
			st.Changes = []string{"web: stopped", "web: updated process group"}
			write()
		case "ignore":
		case "exit":
			return 0
		case "shutdown":
			st.Shutdown = true
			write()
		}
	}
	return 0
}

// startFakeGosinit starts the helper and waits (with a deadline) until it
// has written the status file and caught SIGHUP.
func startFakeGosinit(t *testing.T, path, behaviour string) *exec.Cmd {
	t.Helper()
	cmd := helperCommand(t, "fakegosinit", path, behaviour)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd.Stdout = w
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(r).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("fake gosinit did not get ready: %q, %v", line, err)
	}
	return cmd
}

func TestReload(t *testing.T) {
	tests := []struct {
		behaviour  string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string // a regexp
	}{
		{"changes", nil, 0,
			"old: stopped\nold: removed process group\nweb: stopped\nweb: updated process group\napi: added process group\n", `^$`},
		{"nochange", nil, 0, "No config updates to processes\n", `^$`},
		{"noisy", nil, 0, "web: stopped\nweb: updated process group\n", `^$`},
		{"rejected", nil, 2, "",
			`^gosinit: reload: /etc/supervisord.conf was rejected, nothing changed:\n` +
				`/etc/supervisord.conf:9: \[program:db\] priority: "high" is not an integer\n` +
				`/etc/supervisord.conf:12: \[program:db\] stopsignal: unknown signal "TERMINATE"\n$`},
		{"ignore", []string{"--timeout", "300ms"}, 1, "",
			`^gosinit: reload: gosinit \(pid PID\) did not report the reload within 300ms: status file PATH is still at generation 7\n$`},
		{"exit", nil, 1, "", `^gosinit: reload: gosinit \(pid PID\) exited before it reported the reload\n$`},
		{"shutdown", nil, 1, "", `^gosinit: reload: gosinit \(pid PID\) began shutting down: the reload was ignored\n$`},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "status.json")
			fake := startFakeGosinit(t, path, tt.behaviour)
			start := time.Now()
			stdout, stderr, code := runCmd(cmdReload, append([]string{"--status-file", path}, tt.args...)...)
			took := time.Since(start)
			re := regexp.MustCompile(strings.NewReplacer("PATH", regexp.QuoteMeta(path), "PID", strconv.Itoa(fake.Process.Pid)).Replace(tt.wantStderr))
			if code != tt.wantCode || stdout != tt.wantStdout || !re.MatchString(stderr) {
				t.Errorf("reload: exit %d, stdout %q, stderr %q\nwant exit %d, stdout %q, stderr matching %s",
					code, stdout, stderr, tt.wantCode, tt.wantStdout, re)
			}
			if tt.behaviour != "ignore" && took > 5*time.Second {
				t.Errorf("reload took %v", took)
			}
			t.Logf("reload %s took %v", tt.behaviour, took)
		})
	}
}

func TestReloadRefused(t *testing.T) {
	dir := t.TempDir()
	// Already shutting down: refused at once, no signal sent (a SIGHUP
	// would kill this test: it is not notified).
	path := filepath.Join(dir, "shutdown.json")
	writeStatusFile(t, path, &proc.Status{Pid: os.Getpid(), Shutdown: true})
	_, stderr, code := runCmd(cmdReload, "--status-file", path)
	if want := fmt.Sprintf("gosinit: reload: gosinit (pid %d) is shutting down: it would ignore a reload\n", os.Getpid()); code != 1 || stderr != want {
		t.Errorf("reload during shutdown: exit %d, stderr %q; want exit 1, %q", code, stderr, want)
	}
	// A command without a configuration (tini mode): nothing to reload,
	// said at once, no SIGHUP (it would go to the command).
	path = filepath.Join(dir, "tini.json")
	writeStatusFile(t, path, &proc.Status{Pid: os.Getpid()})
	_, stderr, code = runCmd(cmdReload, "--status-file", path)
	if want := fmt.Sprintf("gosinit: reload: gosinit (pid %d) runs a command without a configuration: nothing to reload (a SIGHUP would go to the command)\n", os.Getpid()); code != 1 || stderr != want {
		t.Errorf("reload in tini mode: exit %d, stderr %q; want exit 1, %q", code, stderr, want)
	}
	_, stderr, code = runCmd(cmdReload, "--status-file", filepath.Join(dir, "missing.json"))
	if want := "gosinit: reload: no gosinit is running: status file " + filepath.Join(dir, "missing.json") + " does not exist\n"; code != 1 || stderr != want {
		t.Errorf("reload with no file: exit %d, stderr %q; want exit 1, %q", code, stderr, want)
	}
	for _, args := range [][]string{{"extra"}, {"--timeout", "0"}, {"--timeout", "soon"}, {"--nope"}} {
		if _, _, code := runCmd(cmdReload, args...); code != 2 {
			t.Errorf("reload %q: exit %d, want 2 (usage)", args, code)
		}
	}
}

// supervisordFixture runs Debian's supervisord on a config with RUNNING,
// EXITED, FATAL and never-started programs, a group and a long name, and
// writes its processes, as its getAllProcessInfo gives them, into a
// gosinit status file (path) whose pid is the test's. It returns
// supervisorctl's config and environment.
func supervisordFixture(t *testing.T) (conf string, env []string, path string) {
	for _, f := range []string{"/usr/bin/supervisord", "/usr/bin/supervisorctl", "/usr/bin/python3"} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%s is absent (Debian package supervisor): no differential test", f)
		}
	}
	oldLocal := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = oldLocal })

	dir := t.TempDir()
	conf = filepath.Join(dir, "supervisord.conf")
	sock := filepath.Join(dir, "sv.sock")
	err := os.WriteFile(conf, []byte(fmt.Sprintf(`[unix_http_server]
file=%[1]s/sv.sock

[supervisord]
logfile=%[1]s/supervisord.log
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s
nodaemon=true

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%[1]s/sv.sock

[program:ok]
command=/bin/sleep 1000
startsecs=0

[program:exits]
command=/bin/sh -c "exit 0"
startsecs=0
autorestart=false

[program:missing]
command=/nonexistent/bin
startretries=0

[program:manual]
command=/bin/sleep 1000
autostart=false

[program:a_program_with_a_rather_long_name_00]
command=/bin/sleep 1000
autostart=false

[group:grp]
programs=web,worker

[program:web]
command=/bin/sleep 1000
startsecs=0

[program:worker]
command=/bin/sleep 1000
autostart=false

[program:talk]
command=/bin/sh -c 'i=0; while [ $i -lt 300 ]; do echo "line $i of talk"; echo "err $i" >&2; i=$((i+1)); done; exec sleep 1000'
startsecs=0
stdout_logfile=%[1]s/talk.out
stderr_logfile=%[1]s/talk.err
`, dir)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	env = append(os.Environ(), "TZ=UTC")

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	sv := exec.Command("/usr/bin/supervisord", "-n", "-c", conf)
	sv.Env, sv.Stdout, sv.Stderr = env, w, w
	started := time.Now()
	if err := startKept(sv, nil); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		// SIGTERM, so supervisord stops its sleeps; SIGKILL if it hangs.
		sv.Process.Signal(syscall.SIGTERM)
		timer := time.AfterFunc(15*time.Second, func() { sv.Process.Kill() })
		sv.Wait()
		timer.Stop()
		r.Close()
	})

	// Wait, on supervisord's own log, until every autostart program has
	// reached its final state.
	pending := map[string]bool{
		"success: ok entered RUNNING":    true,
		"success: web entered RUNNING":   true,
		"gave up: missing entered FATAL": true,
		"exited: exits (exit status 0":   true,
		"success: talk entered RUNNING":  true,
	}
	r.SetReadDeadline(time.Now().Add(30 * time.Second))
	var svlog strings.Builder
	sc := bufio.NewScanner(r)
	for len(pending) > 0 && sc.Scan() {
		svlog.WriteString(sc.Text() + "\n")
		for k := range pending {
			if strings.Contains(sc.Text(), k) {
				delete(pending, k)
			}
		}
	}
	t.Logf("supervisord reached the expected states in %v", time.Since(started))
	if len(pending) > 0 {
		t.Fatalf("supervisord did not reach the expected states (%v): still waiting for %v; its log:\n%s", sc.Err(), pending, svlog.String())
	}
	go io.Copy(io.Discard, r) // keep supervisord's log from filling the pipe
	// talk's 300 lines are in its logs (ctlTail's test reads them).
	for _, f := range []struct{ name, last string }{{"talk.out", "line 299 of talk\n"}, {"talk.err", "err 299\n"}} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			b, _ := os.ReadFile(filepath.Join(dir, f.name))
			if strings.HasSuffix(string(b), f.last) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s does not end with %q:\n%s", f.name, f.last, b)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	// The processes, exactly as supervisord describes them.
	rpc := exec.Command("/usr/bin/python3", "-c", `import sys, json, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
t = SupervisorTransport(None, None, "unix://" + sys.argv[1])
s = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)
print(json.dumps(s.supervisor.getAllProcessInfo()))
`, sock)
	rpc.Env = env
	out, err := rpc.Output()
	if err != nil {
		t.Fatalf("getAllProcessInfo: %v", err)
	}
	var infos []proc.ProcessStatus
	if err := json.Unmarshal(out, &infos); err != nil {
		t.Fatalf("getAllProcessInfo: %v\n%s", err, out)
	}
	if len(infos) != 8 {
		t.Fatalf("getAllProcessInfo gave %d processes, want 8:\n%s", len(infos), out)
	}
	for _, p := range infos {
		if got := p.Describe(time.Unix(p.Now, 0)); got != p.Description {
			t.Errorf("%s (%s): Describe = %q, supervisord says %q", namespec(&p), p.Statename, got, p.Description)
		}
		if got := p.State.String(); got != p.Statename {
			t.Errorf("%s: state %d is %s, supervisord says %s", namespec(&p), p.State, got, p.Statename)
		}
	}

	// Shuffle the order, as PID 1 may write priority order: status sorts.
	infos[0], infos[len(infos)-1] = infos[len(infos)-1], infos[0]
	path = filepath.Join(dir, "status.json")
	writeStatusFile(t, path, &proc.Status{Pid: os.Getpid(), Logfile: filepath.Join(dir, "supervisord.log"), Processes: infos})
	return conf, env, path
}

// supervisorctl runs Debian's supervisorctl -c conf args and returns its
// stdout and exit code.
func supervisorctl(t *testing.T, conf string, env []string, args ...string) (string, int) {
	t.Helper()
	ctl := exec.Command("/usr/bin/supervisorctl", append([]string{"-c", conf}, args...)...)
	ctl.Env = env
	out, err := ctl.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// TestStatusMatchesSupervisorctl runs Debian's supervisord (supervisordFixture),
// then compares, for a set of name filters, supervisorctl status's
// output and exit code with ours over the same processes (taken from
// supervisord's getAllProcessInfo). Uptimes are left out of the table
// comparison (the two run a moment apart) but checked exactly against
// supervisord's own description for the same instant.
func TestStatusMatchesSupervisorctl(t *testing.T) {
	conf, env, path := supervisordFixture(t)
	uptime := regexp.MustCompile(`uptime \S+`)
	for _, names := range [][]string{
		nil, {"all"}, {"ok"}, {"exits"}, {"missing"}, {"manual"}, {"nope"}, {"ok", "nope"},
		{"nope", "exits"}, {"web"}, {"grp:*"}, {"grp:"}, {"grp:web"}, {"grp:worker", "ok"},
		{"grp:nope"}, {"nog:*"}, {"ok", "ok"}, {"exits", "ok"}, {"ok", "grp:web"},
		{"a_program_with_a_rather_long_name_00", "ok"},
	} {
		t.Run(strings.Join(append([]string{"status"}, names...), " "), func(t *testing.T) {
			want, wantCode := supervisorctl(t, conf, env, append([]string{"status"}, names...)...)
			got, stderr, code := runCmd(cmdStatus, append([]string{"--status-file", path}, names...)...)
			g := uptime.ReplaceAllString(got, "uptime X")
			w := uptime.ReplaceAllString(want, "uptime X")
			if g != w || code != wantCode {
				t.Errorf("gosinit status (exit %d):\n%s%s\nsupervisorctl status (exit %d):\n%s", code, got, stderr, wantCode, want)
			}
		})
	}
}

// TestCtlPidMatchesSupervisorctl: supervisorctl pid (gosinit as
// supervisorctl, ctl.go) against Debian's, over the same processes; but
// the bare "pid", which is each supervisor's own.
func TestCtlPidMatchesSupervisorctl(t *testing.T) {
	conf, env, path := supervisordFixture(t)
	for _, names := range [][]string{{"all"}, {"ok"}, {"exits"}, {"missing"}, {"nope"}, {"ok", "nope"}, {"web"}, {"grp:web"}, {"grp:worker", "ok"}, {"ok", "all"}, {"nope", "all"}} {
		t.Run(strings.Join(append([]string{"pid"}, names...), " "), func(t *testing.T) {
			want, wantCode := supervisorctl(t, conf, env, append([]string{"pid"}, names...)...)
			got, stderr, code := runCmd(func(args []string, stdout, _ io.Writer) error { return ctlPid(path, args, stdout) }, names...)
			if got != want || code != wantCode {
				t.Errorf("gosinit supervisorctl pid (exit %d):\n%s%s\nsupervisorctl pid (exit %d):\n%s", code, got, stderr, wantCode, want)
			}
		})
	}
}

// TestCtlTailMatchesSupervisorctl: supervisorctl tail, maintail and avail
// (gosinit as supervisorctl, logtail.go) against Debian's, on the same
// processes and files: the same output and exit status.
func TestCtlTailMatchesSupervisorctl(t *testing.T) {
	conf, env, path := supervisordFixture(t)
	cfg, err := config.Load(conf, config.Env{Environ: env})
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"tail", "talk"}, {"tail", "-100", "talk"}, {"tail", "talk", "stderr"}, {"tail", "-20", "talk", "STDERR"},
		{"tail", "-100000", "talk"}, {"tail", "-0", "talk"}, {"tail", "ok"}, {"tail", "grp:web"}, {"tail", "grp:web", "stderr"},
		{"tail", "manual"}, {"tail", "nope"}, {"tail", "grp:"}, {"tail", "-x", "talk"}, {"tail", "talk", "bogus"},
		{"tail"}, {"tail", "a", "b", "c", "d"}, {"tail", "-5"}, {"tail", "--5", "talk"}, {"tail", "--100000", "talk"},
		{"tail", "-2147483648", "talk"}, {"tail", "-2147483647", "talk"},
		{"maintail", "-300"}, {"maintail", "-x"}, {"maintail", "x"}, {"maintail", "-1", "-2"},
		{"avail"}, {"avail", "x"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			want, wantCode := supervisorctl(t, conf, env, args...)
			got, stderr, code := runCmd(func(rest []string, stdout, _ io.Writer) error {
				switch args[0] {
				case "tail":
					return ctlTail(path, rest, stdout)
				case "maintail":
					return ctlMaintail(path, rest, stdout)
				}
				return ctlAvail(cfg, nil, path, rest, stdout)
			}, args[1:]...)
			if got != want || code != wantCode {
				t.Errorf("gosinit supervisorctl %s (exit %d):\n%q%s\nsupervisorctl (exit %d):\n%q", strings.Join(args, " "), code, got, stderr, wantCode, want)
			}
		})
	}
}

// TestCtlSignalMatchesSupervisorctl: supervisorctl signal (gosinit as
// supervisorctl) against Debian's on the same processes, with signals
// that leave sleep as it is (WINCH is ignored, CONT changes nothing): the
// same lines and exit status. The processes are supervisord's children,
// so supervisord is the parent ours checks for.
func TestCtlSignalMatchesSupervisorctl(t *testing.T) {
	conf, env, path := supervisordFixture(t)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(conf), "supervisord.pid"))
	if err != nil {
		t.Fatal(err)
	}
	parent, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	st, err := proc.ReadStatus(path)
	if err != nil {
		t.Fatal(err)
	}
	// PID 1 writes its processes by group and name (the fixture shuffled
	// them); supervisord's order, by priority, is the same here (all 999).
	st.Processes, _ = selectProcesses(st.Processes, nil)
	for _, args := range [][]string{
		{"WINCH", "ok"}, {"sigwinch", "ok", "talk"}, {"28", "grp:web"}, {"CONT", "exits"}, {"CONT", "missing"},
		{"CONT", "manual"}, {"WINCH", "grp:*"}, {"WINCH", "grp:"}, {"WINCH", "nope"}, {"WINCH", "nog:*"},
		{"WINCH", "grp:nope"}, {"WINCH", "all"}, {"WINCH", "ok", "all"}, {"FOO", "ok"}, {"FOO", "all"},
		{"FOO", "nope", "ok"}, {"WINCH", "exits", "ok"}, {"WINCH", "exits", "nope"}, {"WINCH", "nope", "exits"},
		{"WINCH", "grp:*", "ok", "missing"}, {"WINCH"}, {},
	} {
		t.Run(strings.Join(append([]string{"signal"}, args...), " "), func(t *testing.T) {
			want, wantCode := supervisorctl(t, conf, env, append([]string{"signal"}, args...)...)
			got, stderr, code := runCmd(func(rest []string, stdout, _ io.Writer) error {
				if len(rest) < 2 {
					return ctlSignal(path, rest, stdout)
				}
				return signalProcesses(st, parent, rest[0], rest[1:], stdout)
			}, args...)
			if got != want || code != wantCode {
				t.Errorf("gosinit supervisorctl signal (exit %d):\n%s%s\nsupervisorctl (exit %d):\n%s", code, got, stderr, wantCode, want)
			}
		})
	}
	// A pid whose process is not the status file's (another parent) is
	// left alone.
	ok := st.Processes[0]
	for _, p := range st.Processes {
		if p.Name == "ok" {
			ok = p
		}
	}
	var out strings.Builder
	if err := signalProcesses(st, os.Getpid(), "WINCH", []string{"ok"}, &out); err == nil || !strings.Contains(out.String(), "is no longer gosinit's child") {
		t.Errorf("signalled %d through a parent that is not its own: %v\n%s", ok.Pid, err, out.String())
	}
	moved := *st
	moved.Processes = slices.Clone(st.Processes)
	for i := range moved.Processes {
		moved.Processes[i].Start -= 3600 // as if the pid had been reused
	}
	out.Reset()
	if err := signalProcesses(&moved, parent, "WINCH", []string{"ok"}, &out); err == nil || !strings.Contains(out.String(), "is another process now") {
		t.Errorf("signalled a process that started an hour after the status file's: %v\n%s", err, out.String())
	}
	// A kernel (or seccomp profile) without pidfds: kill(2), the same
	// checks first.
	pidfdOpen = func(int, int) (int, error) { return -1, unix.ENOSYS }
	defer func() { pidfdOpen = unix.PidfdOpen }()
	out.Reset()
	if err := signalProcesses(st, parent, "WINCH", []string{"ok"}, &out); err != nil || out.String() != "ok: signalled\n" {
		t.Errorf("without pidfds: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := signalProcesses(st, os.Getpid(), "WINCH", []string{"ok"}, &out); err == nil || !strings.Contains(out.String(), "is no longer gosinit's child") {
		t.Errorf("without pidfds, a wrong parent was not refused: %v\n%s", err, out.String())
	}
}

// BenchmarkStatusRead reads and renders a status file of 200 processes, as
// `gosinit status` does (readStatus+render), and runs the whole command
// including the liveness checks on /proc (cmdStatus).
func BenchmarkStatusRead(b *testing.B) {
	setClock(b)
	states := []proc.State{proc.Running, proc.Running, proc.Running, proc.Starting, proc.Backoff, proc.Exited, proc.Fatal, proc.Stopped}
	var ps []proc.ProcessStatus
	for i := range 200 {
		p := proc.ProcessStatus{
			Name: fmt.Sprintf("worker_%03d", i%50), Group: fmt.Sprintf("pool%d", i/50),
			State: states[i%len(states)], Pid: 1000 + i, Start: ago(time.Duration(i) * time.Minute),
			Stop: ago(time.Second), Restarts: i % 3,
			StdoutLogfile: fmt.Sprintf("/var/log/pool%d/worker_%03d.log", i/50, i%50),
			StderrLogfile: fmt.Sprintf("/var/log/pool%d/worker_%03d.err", i/50, i%50),
		}
		if p.State == proc.Fatal || p.State == proc.Backoff {
			p.Spawnerr = "Exited too quickly (process log may have details)"
		}
		p.Statename = p.State.String()
		p.Description = p.Describe(fixedNow)
		ps = append(ps, p)
	}
	path := filepath.Join(b.TempDir(), "status.json")
	writeStatusFile(b, path, &proc.Status{Pid: os.Getpid(), Started: ago(time.Hour), Config: "/etc/supervisord.conf", Processes: ps})
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}

	b.Run("read+render", func(b *testing.B) {
		b.ReportMetric(float64(fi.Size()), "file-bytes")
		var buf bytes.Buffer
		for b.Loop() {
			st, err := proc.ReadStatus(path)
			if err != nil {
				b.Fatal(err)
			}
			sel, _ := selectProcesses(st.Processes, nil)
			buf.Reset()
			renderTable(&buf, sel, timeNow())
		}
	})
	b.Run("cmdStatus", func(b *testing.B) {
		for b.Loop() {
			if err := cmdStatus([]string{"--status-file", path}, io.Discard, io.Discard); err != nil {
				var st *exitStatus
				if !errors.As(err, &st) || st.code != 3 {
					b.Fatal(err)
				}
			}
		}
	})
}

// A process without a command line (a kernel thread) is named by its comm,
// in brackets as ps shows it, without comm's newline.
func TestCheckGosinitKernelThread(t *testing.T) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip(err)
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		stat, serr := os.ReadFile("/proc/" + e.Name() + "/stat")
		comm, cerr := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil || serr != nil || cerr != nil || len(cmdline) > 0 || bytes.Contains(stat, []byte(") Z")) {
			continue
		}
		want := fmt.Sprintf("pid %d is not gosinit (it is [%s])", pid, strings.TrimSuffix(string(comm), "\n"))
		if err := checkGosinit(pid, 0, 0, false); err == nil || err.Error() != want {
			t.Errorf("checkGosinit(%d) = %v, want %q", pid, err, want)
		}
		return
	}
	t.Skip("no kernel thread in this PID namespace")
}

// TestStatusFileTrust: a status file is read only as a regular file, names
// only a pid the kernel can have, and, when another user than root or the
// reader owns it, is believed only in a directory no one else may write,
// and only for that user's processes: otherwise anyone who can write a
// directory root's `gosinit reload` or `supervisorctl signal` looks in
// could have them signal a process of their choosing.
func TestStatusFileTrust(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to make files of another user")
	}
	setClock(t)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	rootGosinit := startProcess(t, sleep, "gosinit", "1000").Process.Pid // root's, named gosinit
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	const nobody = 65534
	file := func(t *testing.T, sub string, dirMode os.FileMode, pid int) string {
		d := filepath.Join(dir, sub)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(d, "status.json")
		writeStatusFile(t, p, &proc.Status{Pid: pid, Processes: pick("web")})
		os.Chown(d, nobody, nobody)
		os.Chown(p, nobody, nobody)
		os.Chmod(d, dirMode)
		return p
	}
	fifo := filepath.Join(dir, "fifo.json")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.json")
	writeStatusFile(t, huge, &proc.Status{Pid: 1<<32 - 1})
	// Root's files, as root's gosinit writes a user= program's log: what
	// is in them may be anyone's words.
	rootFile := func(t *testing.T, sub string, dirMode os.FileMode, dirGid int) string {
		d := filepath.Join(dir, sub)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(d, "status.json")
		writeStatusFile(t, p, &proc.Status{Pid: rootGosinit, Processes: pick("web")})
		os.Chown(d, 0, dirGid)
		os.Chmod(d, dirMode)
		return p
	}
	target := rootFile(t, "root", 0o755, 0)
	link := func(t *testing.T, sub string, linkUid, dirUid int) string {
		d := filepath.Join(dir, sub)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(d, "status.json")
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		os.Lchown(p, linkUid, linkUid)
		os.Chown(d, dirUid, dirUid)
		return p
	}
	const linkMsg = `not trusted: status file .* belongs to uid 0, in a directory others may write \(or through a link of another user's\)`
	for _, tt := range []struct {
		name, path, want string // want: a regexp; "" is exit 0
	}{
		{"a FIFO", fifo, `not a regular file`},
		{"a pid over the kernel's limit (kill(-1) once truncated)", huge, `pid 4294967295 is not a process id`},
		{"another user's file in a directory others may write", file(t, "open", 0o777, rootGosinit), `not trusted: status file .* belongs to uid 65534, in a directory others may write`},
		{"another user's file naming root's process", file(t, "own", 0o755, rootGosinit), fmt.Sprintf(`not trusted: status file .*: pid %d is not a process of uid 65534`, rootGosinit)},
		{"root's file", target, ""},
		{"root's file in a sticky directory all may write", rootFile(t, "sticky", os.ModeSticky|0o777, 0), ""},
		{"root's file in a directory of the reader's group", rootFile(t, "owngroup", 0o775, os.Getgid()), ""},
		{"root's file in a directory another group may write", rootFile(t, "group", 0o775, nobody), linkMsg},
		{"root's file through root's link in root's directory", link(t, "rootlink", 0, 0), ""},
		{"root's file through another user's link", link(t, "userlink", nobody, 0), linkMsg},
		{"root's file through root's link in another user's directory", link(t, "userdir", 0, nobody), linkMsg},
	} {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var stderr string
			var code int
			go func() { _, stderr, code = runCmd(cmdStatus, "--status-file", tt.path); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("status hangs")
			}
			if tt.want == "" {
				if code != 0 {
					t.Errorf("exit %d, stderr %q; want exit 0", code, stderr)
				}
			} else if code != 4 || !regexp.MustCompile(tt.want).MatchString(stderr) {
				t.Errorf("exit %d, stderr %q; want exit 4 and %s", code, stderr, tt.want)
			}
		})
	}
}
