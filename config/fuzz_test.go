package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzINI feeds arbitrary bytes to the INI front end and the whole model
// builder (includes are not followed). Loading must not panic or hang,
// and every error must name a line. The seed corpus is in
// testdata/fuzz/FuzzINI, plus every testdata/*.conf.
//
//	go test -run '^$' -fuzz FuzzINI -fuzztime 30s ./config
func FuzzINI(f *testing.F) {
	confs, _ := filepath.Glob("testdata/*.conf")
	for _, c := range confs {
		if data, err := os.ReadFile(c); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		type result struct {
			cfg *Config
			err error
		}
		done := make(chan result, 1)
		go func() {
			l := newLoader("/fuzz/supervisord.conf", testEnv())
			l.noInclude = true
			cfg, err := l.load(data)
			done <- result{cfg, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("load did not finish within 5s on %q", data)
		}
		if r.err != nil {
			var errs Errors
			if !errors.As(r.err, &errs) || len(errs) == 0 {
				t.Fatalf("got %v (%T), want config errors", r.err, r.err)
			}
			for _, d := range errs {
				if d.File == "" || d.Line < 1 {
					t.Fatalf("error %q names no line (input %q)", &d, data)
				}
			}
			return
		}
		if _, err := json.Marshal(r.cfg); err != nil {
			t.Fatalf("json: %v", err)
		}
		for _, p := range r.cfg.Processes() {
			if p.Argv == nil || p.Environment == nil || p.Exitcodes == nil {
				t.Fatalf("process %q has a nil field", p.Name)
			}
		}
	})
}

// BenchmarkLoad1000 loads a config of 1,000 programs (issue 3: well under
// 50 ms).
func BenchmarkLoad1000(b *testing.B) {
	file := filepath.Join(b.TempDir(), "supervisord.conf")
	if err := os.WriteFile(file, bigConfig(1000), 0o644); err != nil {
		b.Fatal(err)
	}
	env := testEnv()
	for b.Loop() {
		cfg, err := Load(file, env)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(cfg.Processes()); n != 1000 {
			b.Fatalf("%d processes", n)
		}
	}
}

func bigConfig(n int) []byte {
	var out []byte
	out = append(out, "[supervisord]\nnodaemon=true\nlogfile=/dev/null\nenvironment=APP=big,REGION=\"eu-west-1\"\n\n"...)
	for i := range n {
		out = append(out, []byte(
			"[program:svc"+itoa(i)+"]\n"+
				"command=/usr/local/bin/svc --id %(program_name)s --port "+itoa(10000+i)+" --env %(ENV_APP_ENV)s\n"+
				"directory=/srv/%(program_name)s\n"+
				"priority="+itoa(i%50)+"\n"+
				"autorestart=true\n"+
				"startsecs=2\n"+
				"stopsignal=INT\n"+
				"stdout_logfile=/var/log/%(program_name)s.log\n"+
				"stdout_logfile_maxbytes=10MB\n"+
				"redirect_stderr=true\n"+
				"environment=PORT=\""+itoa(10000+i)+"\",NAME=\"%(program_name)s\"\n\n")...)
	}
	return out
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
