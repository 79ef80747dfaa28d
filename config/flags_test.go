package config

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// overridesFor turns supervisord's command-line flags into Overrides, as
// gosinit's main does with the same table.
func overridesFor(t *testing.T, args []string) []Override {
	t.Helper()
	var out []Override
	for i := 0; i < len(args); i++ {
		name := strings.TrimLeft(args[i], "-")
		var flag *SupervisordFlag
		for j := range SupervisordFlags {
			for _, n := range SupervisordFlags[j].Names {
				if n == name {
					flag = &SupervisordFlags[j]
				}
			}
		}
		if flag == nil {
			t.Fatalf("%s is not one of SupervisordFlags", args[i])
		}
		given, value := args[i], "true"
		if !flag.IsBool {
			i++
			value = args[i]
		}
		out = append(out, Override{Key: flag.Key, Value: value, Flag: given})
	}
	return out
}

// TestDifferentialFlags: supervisord's command-line flags, given to
// Debian's supervisord and to gosinit with the same file, give the same
// [supervisord] settings, or are rejected by both.
func TestDifferentialFlags(t *testing.T) {
	if err := exec.Command(python, "-c", "import supervisor.options").Run(); err != nil {
		t.Skipf("differential test skipped: %s cannot import the supervisor module (apt-get install supervisor): %v", python, err)
	}
	file := filepath.Join(t.TempDir(), "supervisord.conf")
	conf := `[supervisord]
nodaemon=false
logfile=/tmp/from-file.log
logfile_maxbytes=5MB
logfile_backups=4
pidfile=/tmp/from-file.pid
identifier=from-file
childlogdir=/var/tmp
minfds=4096
minprocs=100
umask=002
silent=false
nocleanup=false
strip_ansi=false

[program:web]
command=/bin/sleep 10
`
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"none", nil},
		{"short", []string{"-n", "-s", "-u", "nobody", "-m", "027", "-d", "/tmp", "-l", "/tmp/from-cli.log",
			"-y", "1KB", "-z", "3", "-j", "/tmp/from-cli.pid", "-i", "cli%id", "-q", "/tmp", "-k", "-a", "2048", "-t", "--minprocs", "300"}},
		{"long", []string{"--nodaemon", "--silent", "--logfile_maxbytes", "2MB", "--logfile_backups", "0",
			"--identifier", "x", "--strip_ansi", "--nocleanup", "--minfds", "100", "--umask", "7"}},
		{"bad maxbytes", []string{"-y", "bogus"}},
		{"bad backups", []string{"-z", "many"}},
		{"bad umask", []string{"-m", "99"}},
		{"bad minfds", []string{"-a", "lots"}},
	}
	env := testEnv()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := runOracle(t, env, file, tt.args...)
			e := env
			e.Overrides = overridesFor(t, tt.args)
			cfg, err := Load(file, e)
			if oerr, ok := want["error"].(string); ok {
				var errs Errors
				if !errors.As(err, &errs) {
					t.Fatalf("supervisord rejects it (%s); gosinit: %v", oerr, err)
				}
				if want := "command line (" + tt.args[0] + ")"; errs[0].File != want {
					t.Errorf("error %q does not name the flag: want %q", &errs[0], want)
				}
				return
			}
			if err != nil {
				t.Fatalf("supervisord accepts it, gosinit: %v", err)
			}
			sameAsOracle(t, want, cfg)
		})
	}
}

// TestOverridesTOML: the command line's settings apply to a TOML file as
// to its INI twin.
func TestOverridesTOML(t *testing.T) {
	dir := t.TempDir()
	ini := filepath.Join(dir, "s.conf")
	toml := filepath.Join(dir, "s.toml")
	if err := os.WriteFile(ini, []byte("[supervisord]\nlogfile=/dev/null\nidentifier=fromfile\n\n[program:idle]\ncommand=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(toml, []byte("[supervisord]\nlogfile = \"/dev/null\"\nidentifier = \"fromfile\"\n\n[program.idle]\ncommand = \"/bin/sleep 1000\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := testEnv()
	env.Overrides = overridesFor(t, []string{"-n", "-i", "cli%x", "-y", "1KB", "-l", "/tmp/cli.log"})
	var got [2]Supervisord
	for i, f := range []string{ini, toml} {
		cfg, err := Load(f, env)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got[i] = cfg.Supervisord
	}
	if got[1].Identifier != "cli%x" || got[1].LogfileMaxbytes != 1024 || got[1].Logfile != "/tmp/cli.log" || !got[1].Nodaemon {
		t.Errorf("TOML with overrides: %+v", got[1])
	}
	if a, b := string(mustJSON(t, got[0])), string(mustJSON(t, got[1])); a != b {
		t.Errorf("INI and TOML differ under the same overrides:\n%s\n%s", a, b)
	}
}
