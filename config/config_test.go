package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testEnv is the fixed environment every test loads with; the differential
// test hands the same one to supervisor.
func testEnv() Env {
	return Env{
		Environ: []string{
			"PATH=/usr/local/bin:/usr/bin:/bin",
			"HOME=/root",
			"USER=root",
			"LANG=C.UTF-8",
			"APP_ENV=production",
			"WORKERS=4",
			"LEVEL=base",
			"TEST_QUOTED=a \"quoted\", value",
			"TEST_PCT=100% sure",
		},
		Hostname: "gosinit-test",
	}
}

// testdataConfigs lists testdata/*.conf and testdata/*.toml.
func testdataConfigs(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"testdata/*.conf", "testdata/*.toml"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) < 30 {
		t.Fatalf("only %d configs in testdata", len(files))
	}
	return files
}

// render is what a golden file holds: the JSON, or the exact error text.
func render(t *testing.T, cfg *Config, err error) string {
	t.Helper()
	var errs Errors
	if errors.As(err, &errs) {
		return normalize(t, errs.Error()+"\n")
	}
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return normalize(t, string(mustJSON(t, cfg)))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatalf("json: %v", err)
	}
	return b.Bytes()
}

// normalize writes the working directory as @CWD@, so that golden files
// do not depend on where the repository is checked out.
func normalize(t *testing.T, s string) string {
	t.Helper()
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(s, cwd, "@CWD@")
}

func TestGolden(t *testing.T) {
	for _, file := range testdataConfigs(t) {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			cfg, err := Load(file, testEnv())
			got := render(t, cfg, err)
			golden := strings.TrimSuffix(file, filepath.Ext(file)) + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s:\n%s", name, golden, lineDiff(string(want), got))
			}
		})
	}
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, a, c)
			if shown++; shown == 5 {
				break
			}
		}
	}
	return b.String()
}

// A file NAME_toml.toml is the TOML twin of NAME.conf: both must give the
// same model (warnings aside: they name different lines).
func TestTwins(t *testing.T) {
	twins, _ := filepath.Glob("testdata/*_toml.toml")
	if len(twins) < 5 {
		t.Fatalf("only %d TOML twins", len(twins))
	}
	for _, tw := range twins {
		ini := strings.TrimSuffix(tw, "_toml.toml") + ".conf"
		t.Run(filepath.Base(tw), func(t *testing.T) {
			a, err := Load(ini, testEnv())
			if err != nil {
				t.Fatalf("%s: %v", ini, err)
			}
			b, err := Load(tw, testEnv())
			if err != nil {
				t.Fatalf("%s: %v", tw, err)
			}
			a.Warnings, b.Warnings = nil, nil
			if ga, gb := string(mustJSON(t, a)), string(mustJSON(t, b)); ga != gb {
				t.Errorf("%s and %s differ:\n%s", ini, tw, lineDiff(ga, gb))
			}
			if !reflect.DeepEqual(stripPos(a.Processes()), stripPos(b.Processes())) {
				t.Errorf("%s and %s: processes differ beyond their JSON", ini, tw)
			}
		})
	}
}

// stripPos copies processes without their positions, for comparing models.
func stripPos(ps []*Process) []Process {
	out := make([]Process, len(ps))
	for i, p := range ps {
		out[i] = *p
		out[i].Pos, out[i].userPos, out[i].stdoutPos, out[i].stderrPos = Pos{}, Pos{}, Pos{}, Pos{}
		if sk := p.Socket; sk != nil {
			cp := *sk
			cp.urlPos, cp.ownerPos = Pos{}, Pos{}
			out[i].Socket = &cp
		}
	}
	return out
}

// Every error names a file and a line.
func TestErrorsNameALine(t *testing.T) {
	for _, file := range testdataConfigs(t) {
		if !strings.HasPrefix(filepath.Base(file), "err_") {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			_, err := Load(file, testEnv())
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("got %v, want config errors", err)
			}
			for i, d := range errs {
				if d.File == "" || d.Line < 1 {
					t.Errorf("error %q names no line", &d)
				}
				if i > 0 && d.File == errs[i-1].File && d.Line < errs[i-1].Line {
					t.Errorf("errors not sorted by line: %q after %q", &d, &errs[i-1])
				}
			}
		})
	}
}

// TestLoadMissingFile: a file that cannot be read is one of Errors, so
// that gosinit -c, check, reload and reread all exit 2 (supervisord's
// "could not find config file" is exit 2 as well), naming the file once.
func TestLoadMissingFile(t *testing.T) {
	for _, tt := range []struct{ path, want string }{
		{"testdata/does-not-exist.conf", "testdata/does-not-exist.conf: cannot read: no such file or directory"},
		{"testdata", "testdata: cannot read: is a directory"},
	} {
		cfg, err := Load(tt.path, testEnv())
		_, ok := err.(Errors)
		if cfg != nil || !ok || err.Error() != tt.want {
			t.Errorf("Load(%q) = %v, %T %q; want nil, Errors %q", tt.path, cfg, err, err, tt.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	_, err := Load("testdata/err_autorestart.conf", testEnv())
	got := normalize(t, fmt.Sprint(err))
	want := `@CWD@/testdata/err_autorestart.conf:6: [program:a] autorestart: "maybe" is not one of true, false, unexpected`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// The seed configuration this project started from loads unchanged, with
// a warning for each oddity.
func TestSeedSupervisordConf(t *testing.T) {
	cfg, err := Load("testdata/seed/supervisord.conf", testEnv())
	if err != nil {
		t.Fatal(err)
	}
	file, _ := filepath.Abs("testdata/seed/supervisord.conf")
	wantWarnings := []Diag{
		{File: file, Line: 14, Section: "supervisord", Key: "logfile_backup", Msg: "unknown key: supervisord ignores it; did you mean logfile_backups?"},
		{File: file, Line: 16, Section: "supervisord", Key: "pidfile", Msg: "duplicate key (also set at line 12): the last value wins"},
		{File: file, Line: 17, Section: "supervisord", Key: "nodaemon", Msg: "gosinit never daemonizes; nodaemon=false is ignored"},
		{File: file, Line: 31, Section: "include", Key: "files", Msg: `no file matches "/etc/supervisor.conf.d/*.conf"`},
	}
	if !reflect.DeepEqual(cfg.Warnings, wantWarnings) {
		t.Errorf("warnings:\ngot  %q\nwant %q", Errors(cfg.Warnings), Errors(wantWarnings))
	}
	var infoSections []string
	for _, d := range cfg.Infos {
		infoSections = append(infoSections, d.Section)
	}
	if want := []string{"unix_http_server", "inet_http_server", "rpcinterface:supervisor", "supervisorctl"}; !reflect.DeepEqual(infoSections, want) {
		t.Errorf("infos for %q, want %q", infoSections, want)
	}
	sv := cfg.Supervisord
	if sv.Minfds != 65535 || sv.Minprocs != 65535 || sv.Logfile != "/tmp/log/supervisor/supervisord.log" ||
		sv.Pidfile != "/var/run/supervisord.pid" || sv.LogfileMaxbytes != 50<<20 || sv.Loglevel != LevelInfo ||
		sv.Nodaemon || !sv.LogfileExplicit || len(cfg.Groups) != 0 {
		t.Errorf("unexpected [supervisord]: %+v, %d groups", sv, len(cfg.Groups))
	}
}

// seedTestWrapper writes a main file that includes the seed's test.conf,
// as the seed's supervisord.conf would from /etc/supervisor.conf.d.
func seedTestWrapper(t *testing.T) string {
	t.Helper()
	inc, err := filepath.Abs("testdata/seed/test.conf")
	if err != nil {
		t.Fatal(err)
	}
	main := filepath.Join(t.TempDir(), "supervisord.conf")
	if err := os.WriteFile(main, []byte("[supervisord]\nnodaemon=true\n\n[include]\nfiles = "+inc+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return main
}

func TestSeedTestConf(t *testing.T) {
	cfg, err := Load(seedTestWrapper(t), testEnv())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %q", Errors(cfg.Warnings))
	}
	ps := cfg.Processes()
	if len(ps) != 1 {
		t.Fatalf("got %d processes, want 1", len(ps))
	}
	root, dir := "root", "/data/code/test_app"
	want := Process{
		Name: "test", Group: "test", Program: "test",
		Command:      "/root/.nvm/versions/node/v16.17.0/bin/node /data/code/test_app/boot.mjs",
		Argv:         []string{"/root/.nvm/versions/node/v16.17.0/bin/node", "/data/code/test_app/boot.mjs"},
		Priority:     80,
		Autostart:    true,
		Autorestart:  AutorestartTrue,
		Startsecs:    5 * time.Second,
		Startretries: 5,
		Exitcodes:    []int{0},
		Stopsignal:   15,
		Stopwaitsecs: 10 * time.Second,
		Stopasgroup:  true, Killasgroup: true,
		User: &root, Directory: &dir,
		RedirectStderr: true,
		Stdout:         LogSpec{Path: "/data/logs/sup_test.log", Maxbytes: 0, Backups: 0},
		Stderr:         LogSpec{Maxbytes: 50 << 20, Backups: 10},
		Environment:    map[string]string{},
	}
	if got := stripPos([]*Process{ps[0]})[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if ps[0].Pos.Line != 1 || !strings.HasSuffix(ps[0].Pos.File, "seed/test.conf") {
		t.Errorf("Pos = %v, want test.conf:1", ps[0].Pos)
	}
}

// programKeysConf un-comments the seed's program-keys.conf demo.
func programKeysConf(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("testdata/seed/program-keys.conf")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("[supervisord]\nnodaemon=true\n")
	for _, line := range strings.Split(string(data), "\n") {
		b.WriteString(strings.TrimPrefix(line, ";") + "\n")
	}
	file := filepath.Join(t.TempDir(), "program-keys.conf")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestSeedProgramKeys(t *testing.T) {
	cfg, err := Load(programKeysConf(t), testEnv())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %q", Errors(cfg.Warnings))
	}
	ps := cfg.Processes()
	if len(ps) != 1 {
		t.Fatalf("got %d processes", len(ps))
	}
	p := ps[0]
	if p.Name != "cat" || p.Command != "/bin/cat" || *p.Directory != "/tmp" || *p.Umask != 0o22 ||
		p.Startsecs != 10*time.Second || *p.User != "chrism" || p.Stdout.Path != "/a/path" ||
		p.Stdout.Maxbytes != 1<<20 || p.Stderr.Path != "/a/path" || p.Autorestart != AutorestartUnexpected {
		t.Errorf("unexpected process: %+v", p)
	}
}

func TestCheckHost(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "host.conf")
	text := `[supervisord]
nodaemon=true
logfile=/nonexistent-gosinit/log/supervisord.log
childlogdir=/nonexistent-gosinit/children
user=root

[program:bad]
command=/bin/true
user=no-such-user-gosinit
stdout_logfile=/nonexistent-gosinit/out.log
stderr_logfile=AUTO

[program:good]
command=/bin/true
user=0
stdout_logfile=` + dir + `/good.log
stderr_logfile=/dev/stderr

[program:first]
command=/bin/true
priority=1
stdout_logfile=/nonexistent-gosinit/first.log

[fcgi-program:php]
command=/bin/true
socket=unix:///nonexistent-gosinit/php.sock
socket_owner=root:no-such-group-gosinit
stdout_logfile=/dev/stdout

[fcgi-program:ok]
command=/bin/true
socket=unix://` + dir + `/ok.sock
socket_owner=0:0
stdout_logfile=/dev/stdout
`
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(file, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	// In the file's order, though [program:first] starts first.
	var got []string
	for _, d := range cfg.CheckHost() {
		got = append(got, fmt.Sprintf("%d [%s] %s", d.Line, d.Section, d.Key))
	}
	want := []string{
		"3 [supervisord] logfile",
		"4 [supervisord] childlogdir",
		"9 [program:bad] user",
		"10 [program:bad] stdout_logfile",
		"22 [program:first] stdout_logfile",
		"26 [fcgi-program:php] socket",
		"27 [fcgi-program:php] socket_owner",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestLookupUser(t *testing.T) {
	for _, name := range []string{"root", "0"} {
		t.Run(name, func(t *testing.T) {
			u, err := LookupUser(name)
			if err != nil {
				t.Fatal(err)
			}
			if u.Name != "root" || u.Uid != 0 || u.Gid != 0 || len(u.Groups) == 0 || u.Groups[0] != 0 || u.Home == "" {
				t.Errorf("got %+v", u)
			}
		})
	}
	if _, err := LookupUser("no-such-user-gosinit"); err == nil {
		t.Error("unknown user: no error")
	}
	if _, err := LookupUser("4000000000"); err == nil {
		t.Error("unknown uid: no error")
	}
}

// lookupUser on a made-up database: comments, short lines, members lists,
// a uid listed twice (the first wins), a user in no group file.
func TestLookupUserFiles(t *testing.T) {
	dir := t.TempDir()
	passwd := filepath.Join(dir, "passwd")
	group := filepath.Join(dir, "group")
	os.WriteFile(passwd, []byte("# comment\nroot:x:0:0:root:/root:/bin/sh\n\nshort:x:5\napp:x:1000:1000:App,,,:/home/app:/bin/sh\ntwin:x:1000:7::/twin:/bin/sh\nbad:x:abc:1::/:/bin/sh\n"), 0o644)
	os.WriteFile(group, []byte("root:x:0:\napp:x:1000:\nwww:x:33:app,other\nlog:x:4:other, app\nnogid:x:zz:app\ndup:x:1000:app\n  \nextra:x:50:root,app\n"), 0o644)
	for _, tc := range []struct {
		name string
		want *User
		err  string
	}{
		{"app", &User{Name: "app", Uid: 1000, Gid: 1000, Groups: []uint32{1000, 33, 50}, Home: "/home/app"}, ""},
		{"1000", &User{Name: "app", Uid: 1000, Gid: 1000, Groups: []uint32{1000, 33, 50}, Home: "/home/app"}, ""},
		{"0", &User{Name: "root", Uid: 0, Gid: 0, Groups: []uint32{0, 50}, Home: "/root"}, ""},
		{"twin", &User{Name: "twin", Uid: 1000, Gid: 7, Groups: []uint32{7}, Home: "/twin"}, ""},
		{"short", nil, `unknown user "short"`},
		{"bad", nil, `unknown user "bad"`},
		{"4000", nil, "unknown user id 4000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := lookupUser(tc.name, passwd, group)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	if u, err := lookupUser("app", passwd, filepath.Join(dir, "none")); err != nil || !reflect.DeepEqual(u.Groups, []uint32{1000}) {
		t.Errorf("no group file: %+v, %v", u, err)
	}
}

// Every user of this machine's /etc/passwd resolves as os/user resolves it.
func TestLookupUserMatchesOSUser(t *testing.T) {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Skip("no /etc/passwd")
	}
	n := 0
	for _, f := range dbLines(b, 7) {
		want, err := user.Lookup(f[0])
		if err != nil {
			continue
		}
		got, err := LookupUser(f[0])
		if err != nil {
			t.Errorf("%s: %v", f[0], err)
			continue
		}
		ids, _ := want.GroupIds()
		var wantGroups []string
		for _, g := range got.Groups {
			wantGroups = append(wantGroups, strconv.FormatUint(uint64(g), 10))
		}
		slices.Sort(ids)
		slices.Sort(wantGroups)
		ids = slices.Compact(ids)
		if want.Uid != strconv.FormatUint(uint64(got.Uid), 10) || want.Gid != strconv.FormatUint(uint64(got.Gid), 10) ||
			want.HomeDir != got.Home || !slices.Equal(ids, wantGroups) {
			t.Errorf("%s: got %+v, os/user %+v groups %v", f[0], got, want, ids)
		}
		n++
	}
	if n == 0 {
		t.Error("no user compared")
	}
}

func TestFind(t *testing.T) {
	t.Run("GOSINIT_CONFIG", func(t *testing.T) {
		got, err := Find([]string{"A=b", "GOSINIT_CONFIG=/x/y.toml"})
		if err != nil || got != "/x/y.toml" {
			t.Errorf("got %q, %v", got, err)
		}
	})
	t.Run("cwd", func(t *testing.T) {
		t.Chdir(t.TempDir())
		if err := os.WriteFile("supervisord.conf", []byte("[supervisord]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Find(nil)
		if err != nil || got != "supervisord.conf" {
			t.Errorf("got %q, %v", got, err)
		}
	})
	t.Run("none", func(t *testing.T) {
		t.Chdir(t.TempDir())
		for _, p := range []string{"/etc/supervisord.conf", "/etc/supervisor/supervisord.conf"} {
			if _, err := os.Stat(p); err == nil {
				t.Skipf("%s exists on this machine", p)
			}
		}
		_, err := Find(nil)
		if err == nil || !strings.Contains(err.Error(), "/etc/supervisor/supervisord.conf") {
			t.Errorf("got %v, want an error naming the paths tried", err)
		}
	})
}

func TestProcessesOrder(t *testing.T) {
	cfg, err := Load("testdata/priorities_order.conf", testEnv())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range cfg.Processes() {
		got = append(got, p.Name)
	}
	want := []string{"first", "alpha", "zeta", "late",
		"pool_0", "pool_1", "pool_10", "pool_11", "pool_2", "pool_3", "pool_4", "pool_5", "pool_6", "pool_7", "pool_8", "pool_9"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestIncludeInfos(t *testing.T) {
	cfg, err := Load("testdata/include_tree.conf", testEnv())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range cfg.Infos {
		got = append(got, filepath.Base(strings.Trim(strings.TrimPrefix(d.Msg, "included file "), `"`)))
	}
	want := []string{"10-web.conf", "20-worker.conf", "cron.ini"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("included %q, want %q", got, want)
	}
}

// ---------------------------------------------------------------- differential

const python = "/usr/bin/python3"

// oracleCase is one config for the differential test.
type oracleCase struct{ name, file string }

// Deliberate differences: supervisord rejects these and gosinit loads them.
var lenient = map[string]string{
	"conf_d_snippet.conf":               "no [supervisord] section: gosinit uses the defaults",
	"eventlistener_result_handler.conf": "result_handler=foo:bar cannot be imported: gosinit cannot run Python code and warns",
}

// Deliberate differences: supervisord loads these and gosinit rejects them.
var stricter = map[string]string{
	"err_bare_percent.conf":      "a bare %s, which supervisord fills with its expansion table",
	"err_pct_env_logfile.conf":   "a % in $TEST_PCT makes the second expansion of stdout_logfile a bare % s",
	"err_unbalanced_quote.conf":  "supervisord fails only when it spawns the command",
	"err_include_nofiles.conf":   "",
	"err_env_percent_once.conf":  "",
	"err_no_section_header.conf": "",
}

func TestDifferential(t *testing.T) {
	if err := exec.Command(python, "-c", "import supervisor.options").Run(); err != nil {
		t.Skipf("differential test skipped: %s cannot import the supervisor module (apt-get install supervisor): %v", python, err)
	}
	var cases []oracleCase
	for _, f := range testdataConfigs(t) {
		if strings.HasSuffix(f, ".conf") {
			cases = append(cases, oracleCase{filepath.Base(f), f})
		}
	}
	cases = append(cases,
		oracleCase{"seed/supervisord.conf", "testdata/seed/supervisord.conf"},
		oracleCase{"seed/test.conf (included)", seedTestWrapper(t)},
		oracleCase{"seed/program-keys.conf (un-commented)", programKeysConf(t)},
	)
	env := testEnv()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := runOracle(t, env, c.file)
			cfg, err := Load(c.file, env)
			var errs Errors
			if err != nil && !errors.As(err, &errs) {
				t.Fatal(err)
			}
			if oerr, ok := want["error"].(string); ok {
				if why, ok := lenient[c.name]; ok {
					if err != nil {
						t.Errorf("gosinit should accept it (%s): %v", why, err)
					}
					return
				}
				if err == nil {
					t.Errorf("supervisor rejects it (%s), gosinit accepts it", oerr)
				}
				return
			}
			if _, ok := stricter[c.name]; ok {
				if err == nil {
					t.Errorf("gosinit should reject it (%s)", stricter[c.name])
				}
				return
			}
			if err != nil {
				t.Fatalf("supervisor accepts it, gosinit: %v", err)
			}
			sameAsOracle(t, want, cfg)
		})
	}
}

// runOracle is Debian's supervisord's reading of file, given supervisord's
// command-line flags args, as testdata/supervisor_oracle.py prints it.
func runOracle(t *testing.T, env Env, file string, args ...string) map[string]any {
	t.Helper()
	cmd := exec.Command(python, append([]string{"testdata/supervisor_oracle.py", env.Hostname, file}, args...)...)
	cmd.Env = env.Environ
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	var want map[string]any
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("oracle output: %v", err)
	}
	return want
}

// sameAsOracle reports every field where cfg differs from the oracle's
// reading want.
func sameAsOracle(t *testing.T, want map[string]any, cfg *Config) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal(mustJSON(t, cfg), &got); err != nil {
		t.Fatal(err)
	}
	for _, d := range compareOracle(want, got) {
		t.Error(d)
	}
}

// compareOracle compares every field the oracle printed with ours.
func compareOracle(want, got map[string]any) []string {
	var diffs []string
	field := func(path string, w, g any) {
		if !reflect.DeepEqual(w, g) {
			diffs = append(diffs, fmt.Sprintf("%s: supervisor %v, gosinit %v", path, w, g))
		}
	}
	wsv, gsv := want["supervisord"].(map[string]any), got["supervisord"].(map[string]any)
	for k, w := range wsv {
		field("supervisord."+k, w, gsv[k])
	}
	// Program groups, listener pools and fcgi-program groups alike: name,
	// priority and every process field; for a pool also buffer_size,
	// result_handler and the set of events (supervisor keeps a set: the
	// oracle sorts it); for an fcgi-program its socket's URL, backlog and
	// mode.
	for _, kind := range [...]string{"groups", "eventlisteners", "fcgi_programs"} {
		wg, _ := want[kind].([]any)
		gg, ok := got[kind].([]any)
		if !ok {
			diffs = append(diffs, fmt.Sprintf("gosinit prints no %s list", kind))
			continue
		}
		if len(wg) != len(gg) {
			diffs = append(diffs, fmt.Sprintf("supervisor has %d %s, gosinit %d", len(wg), kind, len(gg)))
			continue
		}
		for i := range wg {
			a, b := wg[i].(map[string]any), gg[i].(map[string]any)
			field(fmt.Sprintf("%s[%d].name", kind, i), a["name"], b["name"])
			field(fmt.Sprintf("%s[%d].priority", kind, i), a["priority"], b["priority"])
			if kind == "eventlisteners" {
				events, _ := b["events"].([]any)
				events = slices.Clone(events)
				slices.SortFunc(events, func(x, y any) int { return strings.Compare(fmt.Sprint(x), fmt.Sprint(y)) })
				field(fmt.Sprintf("%s[%d].events", kind, i), a["events"], events)
				field(fmt.Sprintf("%s[%d].buffer_size", kind, i), a["buffer_size"], b["buffer_size"])
				field(fmt.Sprintf("%s[%d].result_handler", kind, i), a["result_handler"], b["result_handler"])
			}
			if kind == "fcgi_programs" {
				for _, k := range [...]string{"socket", "socket_backlog", "socket_mode"} {
					field(fmt.Sprintf("%s[%d].%s", kind, i, k), a[k], b[k])
				}
			}
			ap, bp := a["processes"].([]any), b["processes"].([]any)
			if len(ap) != len(bp) {
				diffs = append(diffs, fmt.Sprintf("group %v: supervisor has %d processes, gosinit %d", a["name"], len(ap), len(bp)))
				continue
			}
			for j := range ap {
				pa, pb := ap[j].(map[string]any), bp[j].(map[string]any)
				for k, w := range pa {
					field(fmt.Sprintf("%v.%v.%s", a["name"], pa["name"], k), w, pb[k])
				}
			}
		}
	}
	return diffs
}

// TestNoSupervisordSectionInfo: the "no [supervisord] section" note is for
// files without one (conf.d snippets), never for a TOML file whose syntax
// error left nothing read: err_toml_syntax.toml has the section.
func TestNoSupervisordSectionInfo(t *testing.T) {
	for file, want := range map[string]bool{"testdata/conf_d_snippet.conf": true, "testdata/err_toml_syntax.toml": false} {
		cfg, _ := Load(file, testEnv())
		got := false
		for _, d := range cfg.Infos {
			got = got || strings.HasPrefix(d.Msg, "no [supervisord] section")
		}
		if got != want {
			t.Errorf("%s: the no-[supervisord] note is there: %v, want %v (infos %q)", file, got, want, Errors(cfg.Infos))
		}
	}
}
