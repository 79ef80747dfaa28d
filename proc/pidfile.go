package proc

import "os"

// writePidfile writes gosinit's pid and a newline to [supervisord]
// pidfile=, as supervisord does once it runs (options.py write_pidfile),
// so that scripts written for supervisord keep working: `kill -USR2 $(cat
// /var/run/supervisord.pid)` after a logrotate, a health check that reads
// it. Only when pidfile= (or -j) is given, or when the configuration has
// an event listener: supervisord's default, supervisord.pid in the
// working directory, is often / in a container, but the listeners images
// use to stop the container run `kill -TERM $(cat supervisord.pid)` from
// that directory. A default pidfile that cannot be written is a warning.
// Like the status file it is replaced through a temp file and a rename,
// so a planted symlink is replaced, never followed. A failure is logged
// and survived, as supervisord logs it and runs on.
func (s *Supervisor) writePidfile() {
	sd := &s.cfg.Supervisord
	if sd.Pidfile == "" || !sd.PidfileExplicit && !s.hasListeners() {
		return
	}
	if err := replaceFile(sd.Pidfile, []byte(itoa(os.Getpid())+"\n")); err != nil {
		if sd.PidfileExplicit {
			s.log.critf("could not write pidfile %s: %v", sd.Pidfile, err)
		} else {
			s.log.warnf("could not write the default pidfile %s (for event listeners): %v", sd.Pidfile, err)
		}
		return
	}
	s.pidfile = sd.Pidfile
}

// removePidfile removes the pidfile gosinit wrote, as supervisord does at
// its exit.
func (s *Supervisor) removePidfile() {
	if s.pidfile == "" {
		return
	}
	if err := os.Remove(s.pidfile); err != nil && !os.IsNotExist(err) {
		s.log.warnf("remove pidfile %s: %v", s.pidfile, err)
	}
	s.pidfile = ""
}

// hasListeners: the configuration has an [eventlistener:x].
func (s *Supervisor) hasListeners() bool {
	for _, g := range s.cfg.Groups {
		if g.Kind == "eventlistener" {
			return true
		}
	}
	return false
}
