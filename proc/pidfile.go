package proc

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

var errNotOwnFile = errors.New("not a regular file of gosinit's user with one name")

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
		// supervisord always writes it. Only a regular file of gosinit's
		// own user with one name, truncated once it is known to be one:
		// not a link, not a FIFO (O_NONBLOCK: its open must not block
		// the loop), not a device, not a hard link.
		if f, ferr := os.OpenFile(sd.Pidfile, os.O_WRONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0); ferr == nil {
			var st unix.Stat_t
			fd := uintptr(f.Fd())
			unix.Fstat(int(fd), &st)
			err = errNotOwnFile
			if st.Mode&unix.S_IFMT == unix.S_IFREG && st.Nlink == 1 && st.Uid == uint32(os.Geteuid()) {
				if _, _, e := unix.Syscall(unix.SYS_FTRUNCATE, fd, 0, 0); e != 0 {
					err = e
				} else {
					_, err = f.Write(b)
				}
				s.pidfileInPlace = true
			}
			f.Close()
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
