package proc

import (
	"os"

	"golang.org/x/sys/unix"
)

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
// so a planted symlink is replaced, never followed; in a directory gosinit
// may not write, a file already there is written in place. A failure is logged
// and survived, as supervisord logs it and runs on.
func (s *Supervisor) writePidfile() {
	sd := &s.cfg.Supervisord
	if sd.Pidfile == "" || !sd.PidfileExplicit && !s.hasListeners() {
		return
	}
	b := []byte(itoa(os.Getpid()) + "\n")
	err := replaceFile(sd.Pidfile, b)
	if err == unix.EACCES {
		// A directory gosinit may not write, and a file made for it there
		// (a non-root image: touch, then chown): written in place, as
		// supervisord always writes it; a symbolic link is not followed.
		if f, ferr := os.OpenFile(sd.Pidfile, os.O_WRONLY|os.O_TRUNC|unix.O_NOFOLLOW, 0); ferr == nil {
			_, err = f.Write(b)
			f.Close()
			s.pidfileInPlace = true
		} else if !os.IsNotExist(ferr) {
			err = ferr
		} // else: no file made for it; the directory's EACCES is the cause

	}
	if err != nil {
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
	// one written in place stays, as supervisord's unlink fails silently
	if err := os.Remove(s.pidfile); err != nil && !os.IsNotExist(err) && !s.pidfileInPlace {
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
