package config

import (
	"github.com/gosinit/gosinit/internal/jsonlite"
)

// The JSON form is what `gosinit check --json` prints: supervisor's own
// names and representations, so that it can be compared field by field
// with what supervisord reads (startsecs in whole seconds, stopsignal as
// "TERM", umask as "022" or null, autorestart as "true"/"false"/
// "unexpected", a log file as a path, "AUTO" or null for NONE).
//
// It is written field by field with jsonlite.Writer (no reflect: issue 2's
// binary budget), compact and without HTML escaping: commands are full of
// '<', '>' and '&'. The MarshalJSON methods let encoding/json (the tests)
// print the same.

// MarshalJSON writes {"supervisord", "gosinit", "groups", "eventlisteners", "fcgi_programs", "warnings"}.
func (c *Config) MarshalJSON() ([]byte, error) {
	var w jsonlite.Writer
	c.writeJSON(&w)
	return w.B, nil
}

func (c *Config) writeJSON(w *jsonlite.Writer) {
	w.BeginObject()
	w.Key("supervisord")
	c.Supervisord.writeJSON(w)
	w.Key("gosinit")
	c.Gosinit.writeJSON(w)
	// Event listener pools and fcgi-program groups are listed apart from
	// the program groups (the corpus's compare.py compares "groups" with
	// supervisord's program groups alone).
	for i, kind := range [...]string{"program", "eventlistener", "fcgi-program"} {
		// an array, not a map literal (which was built at every call)
		w.Key([...]string{"groups", "eventlisteners", "fcgi_programs"}[i])
		w.BeginArray()
		for _, g := range c.Groups {
			if g.Kind == kind {
				g.writeJSON(w)
			}
		}
		w.EndArray()
	}
	w.Key("warnings")
	w.BeginArray()
	for i := range c.Warnings {
		c.Warnings[i].writeJSON(w)
	}
	w.EndArray()
	w.EndObject()
}

// MarshalJSON writes the [supervisord] settings as supervisord holds them.
func (s *Supervisord) MarshalJSON() ([]byte, error) {
	var w jsonlite.Writer
	s.writeJSON(&w)
	return w.B, nil
}

func (s *Supervisord) writeJSON(w *jsonlite.Writer) {
	logfile := s.Logfile
	if s.LogfileSyslog {
		logfile = "syslog"
	}
	env := s.Environment
	if env == nil {
		env = map[string]string{}
	}
	w.BeginObject()
	w.Key("logfile")
	w.String(logfile)
	w.Key("logfile_maxbytes")
	w.Int(s.LogfileMaxbytes)
	w.Key("logfile_backups")
	w.Int(int64(s.LogfileBackups))
	w.Key("loglevel")
	w.String(s.Loglevel.String())
	w.Key("pidfile")
	w.String(s.Pidfile)
	w.Key("nodaemon")
	w.Bool(s.Nodaemon)
	w.Key("minfds")
	w.Uint(s.Minfds)
	w.Key("minprocs")
	w.Uint(s.Minprocs)
	w.Key("umask")
	w.String(s.Umask.String())
	w.Key("user")
	optString(w, s.User)
	w.Key("directory")
	optString(w, s.Directory)
	w.Key("environment")
	w.StringMap(env)
	w.Key("identifier")
	w.String(s.Identifier)
	w.Key("childlogdir")
	w.String(s.Childlogdir)
	w.Key("nocleanup")
	w.Bool(s.Nocleanup)
	w.Key("strip_ansi")
	w.Bool(s.StripAnsi)
	w.Key("silent")
	w.Bool(s.Silent)
	w.EndObject()
}

// writeJSON writes the [gosinit] section; empty keys are left out.
func (g *Gosinit) writeJSON(w *jsonlite.Writer) {
	w.BeginObject()
	for _, kv := range [...]struct{ k, v string }{
		{"status_file", g.StatusFile}, {"stdout_prefix", g.StdoutPrefix}, {"stderr_prefix", g.StderrPrefix},
	} {
		if kv.v != "" {
			w.Key(kv.k)
			w.String(kv.v)
		}
	}
	w.EndObject()
}

func (g *Group) writeJSON(w *jsonlite.Writer) {
	w.BeginObject()
	w.Key("name")
	w.String(g.Name)
	w.Key("kind")
	w.String(g.Kind)
	w.Key("priority")
	w.Int(int64(g.Priority))
	if g.Kind == "eventlistener" {
		w.Key("events")
		w.Strings(g.Events)
		w.Key("buffer_size")
		w.Int(int64(g.BufferSize))
		w.Key("result_handler")
		w.String(g.ResultHandler)
	}
	if sk := g.Socket; sk != nil {
		w.Key("socket")
		w.String(sk.URL)
		w.Key("socket_backlog")
		if sk.Backlog == 0 {
			w.Null()
		} else {
			w.Int(int64(sk.Backlog))
		}
		if sk.Path != "" {
			w.Key("socket_owner")
			if sk.Owner == "" {
				w.Null()
			} else {
				w.String(sk.Owner)
			}
			w.Key("socket_mode")
			w.String(Umask(sk.Mode).String())
		}
	}
	w.Key("processes")
	if g.Processes == nil {
		w.Null()
	} else {
		w.BeginArray()
		for _, p := range g.Processes {
			p.writeJSON(w)
		}
		w.EndArray()
	}
	w.EndObject()
}

func (d *Diag) writeJSON(w *jsonlite.Writer) {
	w.BeginObject()
	w.Key("file")
	w.String(d.File)
	w.Key("line")
	w.Int(int64(d.Line))
	if d.Section != "" {
		w.Key("section")
		w.String(d.Section)
	}
	if d.Key != "" {
		w.Key("key")
		w.String(d.Key)
	}
	w.Key("message")
	w.String(d.Msg)
	w.EndObject()
}

func optString(w *jsonlite.Writer, s *string) {
	if s == nil {
		w.Null()
		return
	}
	w.String(*s)
}

// logSpecJSON writes a stream's three members: its path as supervisor
// shows it, maxbytes and backups. Keys as literals, not built from the
// stream's name, and l by pointer: each copy and concatenation cost text.
func logSpecJSON(w *jsonlite.Writer, l *LogSpec, key, maxbytesKey, backupsKey string) {
	w.Key(key)
	switch {
	case l.Auto:
		w.String("AUTO")
	case l.Path == "":
		w.Null()
	default:
		w.String(l.Path)
	}
	w.Key(maxbytesKey)
	w.Int(l.Maxbytes)
	w.Key(backupsKey)
	w.Int(int64(l.Backups))
}

// MarshalJSON writes one process in supervisor's names.
func (p *Process) MarshalJSON() ([]byte, error) {
	var w jsonlite.Writer
	p.writeJSON(&w)
	return w.B, nil
}

func (p *Process) writeJSON(w *jsonlite.Writer) {
	argv := p.Argv
	if argv == nil {
		argv = []string{}
	}
	env := p.Environment
	if env == nil {
		env = map[string]string{}
	}
	w.BeginObject()
	w.Key("name")
	w.String(p.Name)
	w.Key("group")
	w.String(p.Group)
	w.Key("program")
	w.String(p.Program)
	w.Key("command")
	w.String(p.Command)
	w.Key("argv")
	w.Strings(argv)
	w.Key("priority")
	w.Int(int64(p.Priority))
	w.Key("autostart")
	w.Bool(p.Autostart)
	w.Key("autorestart")
	w.String(p.Autorestart.String())
	w.Key("startsecs")
	w.Int(int64(p.Startsecs.Seconds()))
	w.Key("startretries")
	w.Int(int64(p.Startretries))
	w.Key("exitcodes")
	w.BeginArray()
	for _, c := range p.Exitcodes {
		w.Int(int64(c))
	}
	w.EndArray()
	w.Key("stopsignal")
	w.String(p.Stopsignal.String())
	w.Key("stopwaitsecs")
	w.Int(int64(p.Stopwaitsecs.Seconds()))
	w.Key("stopasgroup")
	w.Bool(p.Stopasgroup)
	w.Key("killasgroup")
	w.Bool(p.Killasgroup)
	w.Key("user")
	optString(w, p.User)
	w.Key("directory")
	optString(w, p.Directory)
	w.Key("umask")
	if p.Umask == nil {
		w.Null()
	} else {
		w.String(p.Umask.String())
	}
	w.Key("redirect_stderr")
	w.Bool(p.RedirectStderr)
	logSpecJSON(w, &p.Stdout, "stdout_logfile", "stdout_logfile_maxbytes", "stdout_logfile_backups")
	logSpecJSON(w, &p.Stderr, "stderr_logfile", "stderr_logfile_maxbytes", "stderr_logfile_backups")
	w.Key("environment")
	w.StringMap(env)
	w.Key("essential")
	w.Bool(p.Essential)
	if p.Stdout.Prefix != "" {
		w.Key("stdout_prefix")
		w.String(p.Stdout.Prefix)
	}
	if p.Stderr.Prefix != "" {
		w.Key("stderr_prefix")
		w.String(p.Stderr.Prefix)
	}
	// supervisord's *_syslog, shown only when set.
	if p.Stdout.Syslog {
		w.Key("stdout_syslog")
		w.Bool(true)
	}
	if p.Stderr.Syslog {
		w.Key("stderr_syslog")
		w.Bool(true)
	}
	w.EndObject()
}
