package proc

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/internal/textf"
)

// spawn starts one process of a program, on the owner goroutine, and
// returns its pid. Errors are supervisord's spawnerr texts; they send the
// process to BACKOFF, never take gosinit down.
//
// The child: its own process group (so a terminal's ^C and a group stop
// signal reach it and its children, not gosinit), stdin an open pipe that
// never delivers data (an fcgi-program's: its group's socket),
// stdout/stderr as outputs decides, no descriptor above 2, default signal
// dispositions and an empty signal mask (every signal gosinit catches is
// reset to default by exec), then directory=, umask=, user= and the
// environment.
func (s *Supervisor) spawn(p *process) (pid int, err error) {
	c := p.cfg
	if len(c.Argv) == 0 {
		return 0, newError("command is empty")
	}
	envPath, hasPath := c.Environment["PATH"]
	path, err := resolveCommand(c.Argv[0], envPath, hasPath)
	if err != nil {
		return 0, err
	}
	attr := &unix.SysProcAttr{Setpgid: true}
	var u *config.User
	if c.User != nil {
		u, err = config.LookupUser(*c.User)
		if err != nil {
			return 0, textf.Errorf("couldn't setuid to %s: %v", *c.User, err)
		}
		if uint32(os.Geteuid()) != u.Uid {
			if os.Geteuid() != 0 {
				return 0, textf.Errorf("couldn't setuid to %d: Can't drop privilege as nonroot user", u.Uid)
			}
			attr.Credential = &syscall.Credential{Uid: u.Uid, Gid: u.Gid, Groups: u.Groups}
		}
	}
	env := s.programEnviron(c, u)
	stdin := s.stdinR
	if c.Socket != nil {
		// A FastCGI server accepts on fd 0.
		if stdin, err = s.fcgiStdin(c); err != nil {
			return 0, err
		}
	}
	if c.Listener {
		// An event listener reads its events on stdin: a pipe of its
		// own, set up before its stdout's copier, which tags what it
		// reads with this spawn.
		// Not r, err :=, which would shadow the result the deferred
		// listenerGone tests: a later failure would leave the stdin open.
		var r *os.File
		if r, err = s.listenerSpawning(p); err != nil {
			return 0, textf.Errorf("couldn't set up stdin: %v", err)
		}
		defer r.Close()
		defer func() {
			if err != nil {
				s.listenerGone(p)
			}
		}()
		stdin = r
	}
	stdout, stderr, closeAfter, err := s.outputs.childFiles(p)
	defer func() {
		for _, f := range closeAfter {
			f.Close()
		}
	}()
	if err != nil {
		if e := tooMany(c.Name, err); e != nil {
			return 0, e
		}
		return 0, textf.Errorf("couldn't set up output: %v", err)
	}
	if c.Directory != nil {
		// The child's chdir failure would come back as an exec error;
		// supervisord names the directory.
		st, err := os.Stat(*c.Directory)
		if err == nil && !st.IsDir() {
			err = unix.ENOTDIR
		} else if err == nil && attr.Credential == nil {
			// stat needs no search permission on the directory itself,
			// chdir does: a non-root gosinit's 0700 directory of root's.
			err = access(*c.Directory, unix.X_OK)
		}
		if err != nil {
			return 0, textf.Errorf("couldn't chdir to %s: %s", *c.Directory, errnoName(err))
		}
	}
	pa := &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{stdin.Fd(), stdout.Fd(), stderr.Fd()},
		Sys:   attr,
	}
	if c.Directory != nil {
		pa.Dir = *c.Directory
	}
	// syscall.ForkExec rather than exec.Cmd: the loop reaps with wait4 and
	// never needs the Process or its pidfd, which cost a pidfd_open, a
	// close and, on the first spawn, a probing clone.
	if c.Umask != nil {
		// No umask in ProcAttr: set gosinit's around the fork. Only the
		// owner goroutine creates processes, so no other spawn races it;
		// umaskMu keeps copiers from creating log files meanwhile.
		umaskMu.Lock()
		old := unix.Umask(int(*c.Umask))
		pid, err = forkExec(path, c.Argv, pa)
		unix.Umask(old)
		umaskMu.Unlock()
	} else {
		pid, err = forkExec(path, c.Argv, pa)
	}
	if err != nil {
		if e := tooMany(c.Name, err); e != nil {
			return 0, e
		}
		return 0, textf.Errorf("couldn't exec %s: %s", c.Argv[0], errnoName(err))
	}
	return pid, nil
}

// tooMany is supervisord's spawnerr for a spawn that found the file table
// (a pipe) or the process table (the fork) full, else nil. It names the
// process: "couldn't exec sh: EAGAIN" said neither which of many failed,
// nor that the exec was not the cause.
func tooMany(name string, err error) error {
	switch {
	case errors.Is(err, unix.EMFILE):
		return textf.Errorf("too many open files to spawn '%s'", name)
	case errors.Is(err, unix.EAGAIN):
		return textf.Errorf("Too many processes in process table to spawn '%s'", name)
	}
	return nil
}

// forkExec is syscall.ForkExec with an empty signal mask in the child.
// Go's child takes the mask of the forking thread, which keeps whatever
// gosinit's own parent blocked (tini and dumb-init clear it too): the
// fork happens on this thread, with nothing blocked.
func forkExec(path string, argv []string, pa *syscall.ProcAttr) (int, error) {
	runtime.LockOSThread()
	var none [1]uint64
	unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&none)), 0, 8, 0, 0)
	if pin.on { // the child gets every CPU gosinit was given
		unix.SchedSetaffinity(0, &pin.fork)
	}
	pid, err := syscall.ForkExec(path, argv, pa)
	if pin.on {
		unix.SchedSetaffinity(0, &pin.one)
	}
	runtime.UnlockOSThread()
	return pid, err
}

func errnoName(err error) string {
	// errors.AsType[unix.Errno] costs a generic instantiation; the errors
	// here are an errno, or one wrapped once (*fs.PathError).
	e := err
	if u, ok := err.(interface{ Unwrap() error }); ok {
		e = u.Unwrap()
	}
	if en, ok := e.(unix.Errno); ok {
		if n := errnoText(en); n != "" {
			return n
		}
	}
	return err.Error()
}

// resolveCommand finds argv[0] as supervisord does: a name without a slash
// is searched in the program's PATH (its environment= PATH, even empty,
// else gosinit's, else /bin:/usr/bin:/usr/local/bin), the first existing
// file wins, and it must be a regular, executable file.
func resolveCommand(name, envPath string, hasPath bool) (string, error) {
	found := ""
	if strings.Contains(name, "/") {
		if _, err := os.Stat(name); err == nil {
			found = name
		}
	} else {
		pathList := envPath // environment= PATH, even empty: the cwd
		if !hasPath {
			pathList = os.Getenv("PATH")
			if pathList == "" {
				pathList = "/bin:/usr/bin:/usr/local/bin"
			}
		}
		for _, dir := range strings.Split(pathList, ":") {
			cand := filepath.Join(dir, name)
			if _, err := os.Stat(cand); err == nil {
				found = cand
				break
			}
		}
	}
	if found == "" {
		return "", textf.Errorf("can't find command '%s'", name)
	}
	st, err := os.Stat(found)
	if err != nil {
		return "", textf.Errorf("can't find command '%s'", name)
	}
	if st.IsDir() {
		return "", textf.Errorf("command at '%s' is a directory", found)
	}
	if st.Mode()&0o111 == 0 {
		return "", textf.Errorf("command at '%s' is not executable", found)
	}
	if access(found, unix.X_OK) != nil {
		return "", textf.Errorf("no permission to run command '%s'", found)
	}
	// As found, not made absolute: a relative path runs from directory=,
	// as supervisord runs it (it checks from its own directory, too).
	return found, nil
}

// childEnviron is gosinit's environment as children inherit it: without
// systemd's NOTIFY_SOCKET, which is gosinit's alone.
func childEnviron(environ []string) []string { return stripNotifyEnv(environ) }

// programEnviron: gosinit's environment, then SUPERVISOR_ENABLED,
// SUPERVISOR_PROCESS_NAME, SUPERVISOR_GROUP_NAME, then (with user=) HOME,
// USER and LOGNAME from the password database, then the program's
// environment= merged over [supervisord] environment= (config did the
// merge), each later one overriding, as supervisord builds it. HOME, USER
// and LOGNAME are where gosinit differs: supervisord leaves gosinit's own.
func (s *Supervisor) programEnviron(c *config.Process, u *config.User) []string {
	env := append([]string(nil), s.baseEnv...)
	env = setEnv(env, "SUPERVISOR_ENABLED", "1")
	env = setEnv(env, "SUPERVISOR_PROCESS_NAME", c.Name)
	env = setEnv(env, "SUPERVISOR_GROUP_NAME", c.Group)
	if u != nil {
		env = setEnv(env, "HOME", u.Home)
		env = setEnv(env, "USER", u.Name)
		env = setEnv(env, "LOGNAME", u.Name)
	}
	for k, v := range c.Environment {
		env = setEnv(env, k, v)
	}
	return env
}

// setEnv sets k=v in env, in place of an earlier k. Not inlined: 7 call
// sites, 4 kB of the binary (issue 2).
//
//go:noinline
func setEnv(env []string, k, v string) []string {
	for i, kv := range env {
		if strings.HasPrefix(kv, k+"=") {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

// access is unix.Access(path, mode): faccessat(AT_FDCWD, path, mode), the
// one system call unix.Faccessat makes when its flags are 0. Calling it
// directly leaves out unix's emulation of the flags (faccessat2, the
// caller's groups, fstatat), 5 kB of binary (issue 2).
func access(path string, mode uint32) error {
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return err
	}
	dirfd := unix.AT_FDCWD
	if _, _, e := unix.Syscall(unix.SYS_FACCESSAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)), uintptr(mode)); e != 0 {
		return e
	}
	return nil
}
