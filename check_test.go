package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckCommand runs `gosinit check` as users do: exit codes, warnings
// on stderr, --strict, --json on stdout, GOSINIT_CONFIG.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	good := write("good.conf", "[supervisord]\nnodaemon=true\n\n[program:web]\ncommand=/bin/sleep 10\n")
	typo := write("typo.conf", "[supervisord]\nnodaemon=true\nlogfile_backup=3\n\n[program:web]\ncommand=/bin/sleep 10\n")
	bad := write("bad.conf", "[supervisord]\n\n[program:web]\ncommand=/bin/sleep 10\nautorestart=maybe\nstartsecs=soon\n")
	comand := write("comand.conf", "[supervisord]\n\n[program:web]\ncomand=/bin/sleep 10\n")
	tests := []struct {
		name       string
		args       []string
		env        []string
		wantCode   int
		wantStderr []string
	}{
		{"good", []string{"check", "-c", good}, nil, 0, nil},
		{"warning", []string{"check", "-c", typo}, nil, 0, []string{"typo.conf:3: [supervisord] logfile_backup:", "did you mean"}},
		{"strict", []string{"check", "--strict", "-c", typo}, nil, 2, []string{"typo.conf:3: [supervisord] logfile_backup:"}},
		{"errors", []string{"check", "-c", bad}, nil, 2, []string{"bad.conf:5: [program:web] autorestart:", "bad.conf:6: [program:web] startsecs:"}},
		{"env", []string{"check"}, []string{"GOSINIT_CONFIG=" + bad}, 2, []string{"autorestart"}},
		{"missing", []string{"check", "-c", filepath.Join(dir, "nope.conf")}, nil, 2, []string{"nope.conf"}},
		{"usage", []string{"check", "--bogus"}, nil, 2, nil},
		{"file argument", []string{"check", bad}, nil, 2, []string{"bad.conf:5: [program:web] autorestart:"}},
		{"file argument then flag", []string{"check", typo, "--strict"}, nil, 2, []string{"typo.conf:3: [supervisord] logfile_backup:"}},
		{"file argument over GOSINIT_CONFIG", []string{"check", good}, []string{"GOSINIT_CONFIG=" + bad}, 0, nil},
		{"two files", []string{"check", good, typo}, nil, 2, []string{`unexpected argument "` + typo + `"`}},
		{"-c and a file", []string{"check", "-c", good, typo}, nil, 2, []string{`unexpected argument "` + typo + `"`}},
		// gosinit -c refuses what check refuses, with the same exit
		// code and the warnings that explain the errors.
		{"run: missing", []string{"-c", filepath.Join(dir, "nope.conf")}, nil, 2, []string{"nope.conf"}},
		{"run: errors", []string{"-c", comand}, nil, 2, []string{"warning: " + comand + ":4: [program:web] comand: unknown key", "did you mean command?", comand + ":3: [program:web] command: missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(gosinitBin, tt.args...)
			cmd.Env = append(os.Environ(), tt.env...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
		})
	}
	out, err := exec.Command(gosinitBin, "check", "--json", "-c", good).Output()
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Groups []struct {
			Name      string
			Processes []struct {
				Argv       []string
				Stopsignal string
			}
		}
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if len(v.Groups) != 1 || v.Groups[0].Processes[0].Stopsignal != "TERM" || strings.Join(v.Groups[0].Processes[0].Argv, " ") != "/bin/sleep 10" {
		t.Errorf("--json model: %+v", v)
	}
}
