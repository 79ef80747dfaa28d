package proc

// [supervisord] user=: gosinit becomes that user, as supervisord does.
//
// supervisord started as root with user= in [supervisord] drops its own
// privileges before it opens its log or starts a program: setgroups to the
// user's groups (primary first), setgid, setuid (options.py
// drop_privileges), and logs "Set uid to user N succeeded". Every program
// then runs as that user, unless its own user= names another, which is a
// spawn error for any supervisor that is not root. Configurations use it
// (a monitoring agent's supervisord.conf runs everything as its own user);
// running those programs as root instead would be a silent privilege
// escalation, so gosinit does the same at the same point: before the
// activity log, the log files and the first spawn.
//
// Two things happen first, while gosinit is still root: the resource
// limits are raised (minfds/minprocs; supervisord raises them after the
// drop, where a hard limit can no longer go up), and a status directory
// that gosinit creates is handed to the user, so `gosinit status` finds
// the file at its usual path.
//
// A gosinit that already runs as that user has nothing to do; user=root
// is the usual way to say "stay root". One that runs as another non-root
// user cannot change users and, like supervisord, refuses to start (exit
// 2) rather than run the programs as someone the configuration did not
// name.
//
// Go's syscall.Setgroups, Setgid and Setuid change every thread of the
// process, not only the calling one, so no thread of PID 1 keeps root.

import (
	"os"
	"syscall"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/internal/textf"
)

// configUser is the user [supervisord] user= names, or nil.
func (s *Supervisor) configUser() (*config.User, error) {
	sv := &s.cfg.Supervisord
	if sv.User == nil {
		return nil, nil
	}
	u, err := config.LookupUser(*sv.User)
	if err != nil {
		return nil, s.userError("%v", err)
	}
	return u, nil
}

// dropPrivileges makes gosinit the user u (see above), first handing it
// the status directory. It reports whether it changed users.
func (s *Supervisor) dropPrivileges(u *config.User) (bool, error) {
	if u == nil || uint32(os.Getuid()) == u.Uid {
		return false, nil
	}
	if os.Getuid() != 0 {
		return false, s.userError("Can't drop privilege as nonroot user (gosinit runs as uid %d)", os.Getuid())
	}
	if s.statusPath != "" {
		handStatusDir(s.statusPath, u)
	}
	groups := make([]int, len(u.Groups))
	for i, g := range u.Groups {
		groups[i] = int(g)
	}
	if err := syscall.Setgroups(groups); err != nil {
		return false, s.userError("Could not set groups of effective user: %v", err)
	}
	if err := syscall.Setgid(int(u.Gid)); err != nil {
		return false, s.userError("Could not set group id of effective user: %v", err)
	}
	if err := syscall.Setuid(int(u.Uid)); err != nil {
		return false, s.userError("Could not set user id of effective user: %v", err)
	}
	return true, nil
}

// userError is a configuration error at [supervisord] user=.
func (s *Supervisor) userError(format string, a ...any) error {
	at := s.cfg.Supervisord.UserPos()
	return config.Errors{{File: at.File, Line: at.Line, Section: "supervisord", Key: "user", Msg: textf.Sprintf(format, a...)}}
}

// handStatusDir creates the status file's directory when it does not
// exist yet and gives it to u, so that gosinit can still write the file
// once it is u. A directory that exists is left as it is: it may be
// anything the status file was pointed into.
func handStatusDir(path string, u *config.User) {
	dir := dirOf(path)
	if _, err := os.Stat(dir); err == nil {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	_ = os.Chown(dir, int(u.Uid), int(u.Gid))
}
