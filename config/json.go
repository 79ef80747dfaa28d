package config

import (
	"bytes"

	"github.com/gosinit/gosinit/internal/jsonlite"
)

// The JSON form is what `gosinit check --json` prints: supervisor's own
// names and representations, so that it can be compared field by field
// with what supervisord reads (startsecs in whole seconds, stopsignal as
// "TERM", umask as "022" or null, autorestart as "true"/"false"/
// "unexpected", a log file as a path, "AUTO" or null for NONE).

// MarshalJSON writes {"supervisord", "gosinit", "groups", "warnings"}.
func (c *Config) MarshalJSON() ([]byte, error) {
	w := c.Warnings
	if w == nil {
		w = []Diag{}
	}
	g := c.Groups
	if g == nil {
		g = []*Group{}
	}
	return marshal(struct {
		Supervisord *Supervisord `json:"supervisord"`
		Gosinit     Gosinit      `json:"gosinit"`
		Groups      []*Group     `json:"groups"`
		Warnings    []Diag       `json:"warnings"`
	}{&c.Supervisord, c.Gosinit, g, w})
}

// MarshalJSON writes the [supervisord] settings as supervisord holds them.
func (s *Supervisord) MarshalJSON() ([]byte, error) {
	logfile := s.Logfile
	if s.LogfileSyslog {
		logfile = "syslog"
	}
	env := s.Environment
	if env == nil {
		env = map[string]string{}
	}
	return marshal(struct {
		Logfile         string            `json:"logfile"`
		LogfileMaxbytes int64             `json:"logfile_maxbytes"`
		LogfileBackups  int               `json:"logfile_backups"`
		Loglevel        Level             `json:"loglevel"`
		Pidfile         string            `json:"pidfile"`
		Nodaemon        bool              `json:"nodaemon"`
		Minfds          uint64            `json:"minfds"`
		Minprocs        uint64            `json:"minprocs"`
		Umask           Umask             `json:"umask"`
		User            *string           `json:"user"`
		Directory       *string           `json:"directory"`
		Environment     map[string]string `json:"environment"`
		Identifier      string            `json:"identifier"`
		Childlogdir     string            `json:"childlogdir"`
		Nocleanup       bool              `json:"nocleanup"`
		StripAnsi       bool              `json:"strip_ansi"`
		Silent          bool              `json:"silent"`
	}{logfile, s.LogfileMaxbytes, s.LogfileBackups, s.Loglevel, s.Pidfile, s.Nodaemon,
		s.Minfds, s.Minprocs, s.Umask, s.User, s.Directory, env, s.Identifier,
		s.Childlogdir, s.Nocleanup, s.StripAnsi, s.Silent})
}

// logfileJSON is a LogSpec path as supervisor shows it.
func logfileJSON(l LogSpec) *string {
	if l.Auto {
		s := "AUTO"
		return &s
	}
	if l.Path == "" {
		return nil
	}
	s := l.Path
	return &s
}

// MarshalJSON writes one process in supervisor's names.
func (p *Process) MarshalJSON() ([]byte, error) {
	argv := p.Argv
	if argv == nil {
		argv = []string{}
	}
	codes := p.Exitcodes
	if codes == nil {
		codes = []int{}
	}
	env := p.Environment
	if env == nil {
		env = map[string]string{}
	}
	return marshal(struct {
		Name                  string            `json:"name"`
		Group                 string            `json:"group"`
		Program               string            `json:"program"`
		Command               string            `json:"command"`
		Argv                  []string          `json:"argv"`
		Priority              int               `json:"priority"`
		Autostart             bool              `json:"autostart"`
		Autorestart           Autorestart       `json:"autorestart"`
		Startsecs             int64             `json:"startsecs"`
		Startretries          int               `json:"startretries"`
		Exitcodes             []int             `json:"exitcodes"`
		Stopsignal            Signal            `json:"stopsignal"`
		Stopwaitsecs          int64             `json:"stopwaitsecs"`
		Stopasgroup           bool              `json:"stopasgroup"`
		Killasgroup           bool              `json:"killasgroup"`
		User                  *string           `json:"user"`
		Directory             *string           `json:"directory"`
		Umask                 *Umask            `json:"umask"`
		RedirectStderr        bool              `json:"redirect_stderr"`
		StdoutLogfile         *string           `json:"stdout_logfile"`
		StdoutLogfileMaxbytes int64             `json:"stdout_logfile_maxbytes"`
		StdoutLogfileBackups  int               `json:"stdout_logfile_backups"`
		StderrLogfile         *string           `json:"stderr_logfile"`
		StderrLogfileMaxbytes int64             `json:"stderr_logfile_maxbytes"`
		StderrLogfileBackups  int               `json:"stderr_logfile_backups"`
		Environment           map[string]string `json:"environment"`
		Essential             bool              `json:"essential"`
		StdoutPrefix          string            `json:"stdout_prefix,omitempty"`
		StderrPrefix          string            `json:"stderr_prefix,omitempty"`
	}{
		p.Name, p.Group, p.Program, p.Command, argv, p.Priority, p.Autostart, p.Autorestart,
		int64(p.Startsecs.Seconds()), p.Startretries, codes, p.Stopsignal,
		int64(p.Stopwaitsecs.Seconds()), p.Stopasgroup, p.Killasgroup, p.User, p.Directory,
		p.Umask, p.RedirectStderr,
		logfileJSON(p.Stdout), p.Stdout.Maxbytes, p.Stdout.Backups,
		logfileJSON(p.Stderr), p.Stderr.Maxbytes, p.Stderr.Backups,
		env, p.Essential, p.Stdout.Prefix, p.Stderr.Prefix,
	})
}

// marshal is jsonlite.Marshal without HTML escaping: commands are full of
// '<', '>' and '&'.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := jsonlite.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
