package proc

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosinit/gosinit/config"
)

const python = "/usr/bin/python3"

// rereadBase is the configuration every case of TestReloadDiffMatchesSupervisord
// edits: a group of two programs, a program of its own with numprocs, and
// one with AUTO logs.
const rereadBase = `[supervisord]
logfile=/dev/null
environment=SHARED="1"

[program:web]
command=/bin/sleep 1000
priority=10
environment=PORT="80"
user=app
exitcodes=0,2

[program:worker]
command=/bin/sleep 1001
process_name=%(program_name)s_%(process_num)d
numprocs=2

[program:cron]
command=/bin/sleep 1002
stdout_logfile=AUTO

[program:a]
command=/bin/sleep 1003

[program:b]
command=/bin/sleep 1004

[group:pair]
programs=a,b
priority=5
`

// TestReloadDiffMatchesSupervisord holds diffGroups, which decides what a
// SIGHUP stops, restarts and starts, to what Debian's supervisord decides
// for `supervisorctl reread` + `update` on the same pair of files
// (testdata/reread_oracle.py runs its diff_to_active).
func TestReloadDiffMatchesSupervisord(t *testing.T) {
	if _, err := os.Stat(python); err != nil {
		t.Skip("no " + python)
	}
	if err := exec.Command(python, "-c", "import supervisor").Run(); err != nil {
		t.Skip("Debian's supervisor is not installed (apt-get install supervisor)")
	}
	edit := func(old, new string) string {
		if !strings.Contains(rereadBase, old) {
			t.Fatalf("the base has no %q", old)
		}
		return strings.Replace(rereadBase, old, new, 1)
	}
	for _, tc := range []struct {
		name string
		next string
		// gosinitOnly: groups gosinit restarts and supervisord does
		// not, on purpose: gosinit's own keys; user= compared as
		// written (supervisord compares the uid it resolves; gosinit
		// resolves users only at spawn); and a log file that was or
		// becomes AUTO (supervisord skips any setting that is AUTO on
		// either side, so the program keeps its old log until it is
		// restarted for another reason; gosinit applies the change).
		gosinitOnly []string
	}{
		{"nothing", rereadBase, nil},
		{"comments and blank lines above", "; moved\n\n;down\n" + rereadBase, nil},
		{"sections reordered", edit("[program:cron]\ncommand=/bin/sleep 1002\nstdout_logfile=AUTO\n", "") + "[program:cron]\ncommand=/bin/sleep 1002\nstdout_logfile=AUTO\n", nil},
		{"command", edit("sleep 1000", "sleep 2000"), nil},
		{"same command, other spacing", edit("command=/bin/sleep 1000", "command=/bin/sleep  1000"), nil},
		{"program priority", edit("priority=10", "priority=11"), nil},
		{"group priority", edit("priority=5", "priority=6"), nil},
		{"group order of programs", edit("programs=a,b", "programs=b,a"), nil},
		{"program leaves the group", edit("programs=a,b", "programs=a"), nil},
		{"program environment", edit(`PORT="80"`, `PORT="81"`), nil},
		{"supervisord environment", edit(`SHARED="1"`, `SHARED="2"`), nil},
		{"user by another name, same uid", edit("user=app", "user=1000"), []string{"web"}},
		{"exitcodes reordered", edit("exitcodes=0,2", "exitcodes=2,0"), nil},
		{"numprocs", edit("numprocs=2", "numprocs=3"), nil},
		{"numprocs_start used in no name", edit("command=/bin/sleep 1002", "command=/bin/sleep 1002\nnumprocs_start=5"), nil},
		{"process_name", edit("%(program_name)s_%(process_num)d", "%(program_name)s-%(process_num)d"), nil},
		{"AUTO log to a file", edit("stdout_logfile=AUTO", "stdout_logfile=/tmp/cron.log"), []string{"cron"}},
		{"log maxbytes", edit("stdout_logfile=AUTO", "stdout_logfile=AUTO\nstdout_logfile_maxbytes=1MB"), nil},
		{"stopsignal by another name", edit("command=/bin/sleep 1003", "command=/bin/sleep 1003\nstopsignal=TERM"), nil},
		{"stopsignal", edit("command=/bin/sleep 1003", "command=/bin/sleep 1003\nstopsignal=INT"), nil},
		{"startsecs default written out", edit("command=/bin/sleep 1004", "command=/bin/sleep 1004\nstartsecs=1"), nil},
		{"autostart", edit("command=/bin/sleep 1004", "command=/bin/sleep 1004\nautostart=false"), nil},
		{"program removed", edit("[program:cron]\ncommand=/bin/sleep 1002\nstdout_logfile=AUTO\n", ""), nil},
		{"program added", rereadBase + "[program:new]\ncommand=/bin/sleep 5\n", nil},
		{"essential (gosinit's key)", edit("command=/bin/sleep 1002", "command=/bin/sleep 1002\nessential=true"), []string{"cron"}},
		{"stdout_prefix (gosinit's key)", edit("command=/bin/sleep 1002", "command=/bin/sleep 1002\nstdout_prefix=x "), []string{"cron"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			cur, next := filepath.Join(dir, "cur.conf"), filepath.Join(dir, "next.conf")
			os.WriteFile(cur, []byte(rereadBase), 0o644)
			os.WriteFile(next, []byte(tc.next), 0o644)

			out, err := exec.Command(python, "testdata/reread_oracle.py", "gosinit-oracle", cur, next).Output()
			if err != nil {
				t.Fatalf("oracle: %v", err)
			}
			var want struct {
				Added, Changed, Removed []string
				Error                   string
			}
			if err := json.Unmarshal(out, &want); err != nil || want.Error != "" {
				t.Fatalf("oracle: %s %v", out, err)
			}
			want.Changed = append(want.Changed, tc.gosinitOnly...)

			env := config.Env{Environ: []string{"PATH=/usr/bin:/bin"}, Hostname: "gosinit-oracle"}
			a, err := config.Load(cur, env)
			if err != nil {
				t.Fatal(err)
			}
			b, err := config.Load(next, env)
			if err != nil {
				t.Fatal(err)
			}
			removed, changed, added := diffGroups(a.Groups, b.Groups)
			names := func(gs []*config.Group) string {
				var n []string
				for _, g := range gs {
					n = append(n, g.Name)
				}
				return strings.Join(n, " ")
			}
			for _, c := range []struct{ what, got, want string }{
				{"removed", names(removed), strings.Join(want.Removed, " ")},
				{"changed", names(changed), strings.Join(want.Changed, " ")},
				{"added", names(added), strings.Join(want.Added, " ")},
			} {
				if c.got != c.want {
					t.Errorf("%s: gosinit [%s], supervisord [%s]", c.what, c.got, c.want)
				}
			}
		})
	}
}
