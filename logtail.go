package main

// logtail.go: supervisorctl's tail, maintail and avail, which need no
// control socket: the status file names each process's log files, and the
// configuration names gosinit's own log and every program.

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/internal/textf"
	"github.com/gosinit/gosinit/proc"
)

// supervisorctl's help texts, printed after a usage error.
const (
	helpTail = "tail [-f] <name> [stdout|stderr] (default stdout)\nEx:\n" +
		"tail -f <name>\t\tContinuous tail of named process stdout\n\t\t\tCtrl-C to exit.\n" +
		"tail -100 <name>\tlast 100 *bytes* of process stdout\n" +
		"tail <name> stderr\tlast 1600 *bytes* of process stderr\n"
	helpMaintail = "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n" +
		"maintail -100\tlast 100 *bytes* of supervisord main log file\n" +
		"maintail\tlast 1600 *bytes* of supervisor main log file\n\n"
)

// tailBytes is what tail and maintail print without -N, tailFollowBytes
// what tail -f starts with (supervisord's /logtail handler).
const (
	tailBytes       = 1600
	tailFollowBytes = 1024
)

// ctlTail is supervisorctl tail [-f|-N] NAME [stdout|stderr]: the last N
// (1600) bytes of the process's log file, or with -f the end of it and
// then what is written, until gosinit exits or the user stops it. Errors
// are supervisorctl's: "NAME: ERROR (no such process name)", "(no log
// file)" for NONE and a missing file, exit 1.
func ctlTail(statusFile string, args []string, stdout io.Writer) error {
	usage := "Error: %s\n" + helpTail
	if len(args) < 1 || len(args) > 3 {
		word := "too few arguments"
		if len(args) > 3 {
			word = "too many arguments"
		}
		return ctlFail(stdout, textf.Sprintf(usage, word))
	}
	modifier := ""
	if strings.HasPrefix(args[0], "-") {
		modifier, args = args[0], args[1:]
	}
	var name, channel string
	switch len(args) {
	case 0:
		return ctlFail(stdout, "Error: tail requires process name\n")
	case 1:
		name, channel = args[0], "stdout"
	default:
		name, channel = args[0], strings.ToLower(args[len(args)-1])
		if channel != "stdout" && channel != "stderr" {
			return ctlFail(stdout, "Error: bad channel '"+channel+"'\n")
		}
	}
	n, follow, ok := tailModifier(modifier)
	if !ok {
		return ctlFail(stdout, "Error: bad argument "+modifier+"\n")
	}
	st, err := liveStatus(statusFile)
	if err != nil {
		return err
	}
	group, pname, _ := splitNamespec(name)
	var found *proc.ProcessStatus
	for i := range st.Processes {
		if p := &st.Processes[i]; p.Group == group && p.Name == pname {
			found = &st.Processes[i]
		}
	}
	if found == nil {
		return ctlFail(stdout, name+": ERROR (no such process name)\n")
	}
	logfile := found.StdoutLogfile
	if channel == "stderr" {
		logfile = found.StderrLogfile
	}
	return tailFile(logfile, name, n, follow, st.Pid, st.Owner, stdout)
}

// ctlMaintail is supervisorctl maintail [-f|-N]: gosinit's own log file,
// as the running gosinit names it in its status file ([supervisord]
// logfile= or -l, where it writes; "no log file" when it writes none).
func ctlMaintail(statusFile string, args []string, stdout io.Writer) error {
	if len(args) > 1 {
		return ctlFail(stdout, "Error: too many arguments\n"+helpMaintail)
	}
	modifier := ""
	if len(args) == 1 {
		if !strings.HasPrefix(args[0], "-") {
			return ctlFail(stdout, "Error: bad argument "+args[0]+"\n")
		}
		modifier = args[0]
	}
	n, follow, ok := tailModifier(modifier)
	if !ok {
		return ctlFail(stdout, "Error: bad argument "+modifier+"\n")
	}
	st, err := liveStatus(statusFile)
	if err != nil {
		return err
	}
	return tailFile(st.Logfile, "supervisord", n, follow, st.Pid, st.Owner, stdout)
}

// tailModifier reads -f or -N; none is 1600 bytes. As supervisorctl's
// readLog(-N, 0): N > 0 is the last N bytes, N <= 0 (--N, -0) the file from
// offset |N| on.
func tailModifier(m string) (n int64, follow, ok bool) {
	switch {
	case m == "":
		return tailBytes, false, true
	case m == "-f":
		return tailFollowBytes, true, true
	}
	v, err := strconv.ParseInt(m[1:], 10, 64)
	return v, false, err == nil
}

// ctlFail prints supervisorctl's error text (on stdout, as supervisorctl
// does) and exits 1.
// Not inlined: 28 call sites, 0.6 kB of the binary (issue 2).
//
//go:noinline
func ctlFail(stdout io.Writer, text string) error {
	io.WriteString(stdout, text)
	return &exitStatus{code: ctlGeneric}
}

// openLog opens a log file the status file names: a regular file only (a
// FIFO would hang this command, /dev/zero flood it), and, when the status
// file belongs to a user other than root or the caller, one that user
// owns: root must not print /etc/shadow because a status file says so.
func openLog(path string, owner uint32) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG ||
		owner != 0 && owner != uint32(os.Getuid()) && st.Uid != owner {
		f.Close()
		return nil, os.ErrPermission
	}
	return f, nil
}

// tailFile prints the last n bytes of path (and a newline, as
// supervisorctl's output does), or follows it. A log that is not a file
// gosinit writes (NONE, or gosinit's own stdout or stderr, which would be
// this command's) is "no log file".
func tailFile(path, name string, n int64, follow bool, pid int, owner uint32, stdout io.Writer) error {
	switch path {
	case "", "/dev/stdout", "/dev/stderr", "/proc/self/fd/1", "/proc/self/fd/2", "syslog":
		return ctlFail(stdout, name+": ERROR (no log file)\n")
	}
	f, err := openLog(path, owner)
	if errors.Is(err, os.ErrNotExist) {
		return ctlFail(stdout, name+": ERROR (no log file)\n")
	}
	if err != nil {
		return ctlFail(stdout, name+": ERROR (unknown error reading log)\n")
	}
	defer f.Close()
	end, err := f.Seek(0, io.SeekEnd)
	// n > 0: the last n bytes; n <= 0: from offset -n (MinInt64's
	// negation stays negative: past any end).
	start := max(end-n, 0)
	if n <= 0 {
		start = -n
		if start < 0 || start > end {
			start = end
		}
	}
	if err == nil {
		_, err = f.Seek(start, io.SeekStart)
	}
	if err != nil {
		return ctlFail(stdout, name+": ERROR (unknown error reading log)\n")
	}
	if !follow {
		b := make([]byte, end-start+1)
		got := 0
		for got < len(b)-1 {
			m, err := f.Read(b[got : len(b)-1])
			got += m
			if err == io.EOF || m == 0 {
				break
			}
			if err != nil {
				return ctlFail(stdout, name+": ERROR (unknown error reading log)\n")
			}
		}
		b[got] = '\n'
		stdout.Write(b[:got+1])
		return nil
	}
	io.WriteString(stdout, "==> Press Ctrl-C to exit <==\n")
	return followFile(f, path, pid, owner, stdout)
}

// followFile copies what is written to path from f's offset on, as tail
// -F does: across a rotation (the file renamed aside and a new one made,
// or truncated in place) it goes on with the new file. It waits on
// inotify, not on a timer, and returns when gosinit (pid) exits. Ctrl-C
// ends the command as its default action: supervisorctl prints a newline
// first and exits 0.
func followFile(f *os.File, path string, pid int, owner uint32, stdout io.Writer) error {
	in, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return textf.Errorf("inotify: %w", err)
	}
	defer unix.Close(in)
	dir, base := filepath.Dir(path), filepath.Base(path)
	const mask = unix.IN_MODIFY | unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR
	if _, err := unix.InotifyAddWatch(in, dir, mask); err != nil {
		return textf.Errorf("watch %s: %w", dir, err)
	}
	// A log path that is a symlink is written in its target's directory:
	// watch that one too (any event there just wakes the copy; watching
	// the same directory twice is one watch).
	if real, err := filepath.EvalSymlinks(path); err == nil {
		unix.InotifyAddWatch(in, filepath.Dir(real), mask)
	}
	pidfd := -1
	if pid > 0 {
		if fd, err := unix.PidfdOpen(pid, 0); err == nil {
			pidfd = fd
			defer unix.Close(pidfd)
		}
	}
	buf := make([]byte, 64*1024)
	copyNew := func() {
		for {
			n, err := f.Read(buf)
			if n > 0 {
				stdout.Write(buf[:n])
			}
			if err != nil || n == 0 {
				return
			}
		}
	}
	fds := []unix.PollFd{{Fd: int32(in), Events: unix.POLLIN}, {Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		copyNew()
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			return textf.Errorf("poll: %w", err)
		}
		if fds[1].Revents != 0 {
			copyNew()
			return nil
		}
		changed, err := drainInotify(in, buf, base)
		if err != nil {
			return textf.Errorf("watch %s: %w", dir, err)
		}
		if !changed {
			continue // another file of the directory
		}
		// Rotated: the name is another file now. Finish the old one,
		// then go on from the start of the new one. Truncated in place
		// (backups=0): start again at 0.
		open, err := f.Stat()
		if err != nil {
			continue
		}
		if named, err := os.Stat(path); err == nil && !os.SameFile(open, named) {
			copyNew()
			if nf, err := openLog(path, owner); err == nil {
				f.Close()
				f = nf
			}
			continue
		}
		if off, err := f.Seek(0, io.SeekCurrent); err == nil && off > open.Size() {
			f.Seek(0, io.SeekStart)
		}
	}
}

// ctlAvail is supervisorctl avail: every process of the configuration
// file as it is now, sorted by name, "in use" when gosinit runs its group,
// "auto" or "manual" (autostart), and the group's and process's
// priorities.
func ctlAvail(cfg *config.Config, loadErr error, statusFile string, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return ctlFail(stdout, "Error: avail accepts no arguments\navail\t\t\tDisplay all configured processes\n")
	}
	if cfg == nil {
		if loadErr != nil {
			return loadErr
		}
		return &exitStatus{code: ctlGeneric, msg: "supervisorctl avail: no configuration file (give -c FILE)"}
	}
	if statusFile == "" {
		statusFile = cfg.Gosinit.StatusFile
	}
	st, err := liveStatus(statusFile)
	if err != nil {
		return err
	}
	running := map[string]bool{}
	for i := range st.Processes {
		running[st.Processes[i].Group] = true
	}
	type row struct {
		_          [0]func() // incomparable: no generated equality function (text)
		name, line string
	}
	var rows []*row
	for _, g := range cfg.Groups {
		for _, p := range g.Processes {
			spec := p.Name
			if g.Name != p.Name {
				spec = g.Name + ":" + p.Name
			}
			inuse, auto := "avail", "manual"
			if running[g.Name] {
				inuse = "in use"
			}
			if p.Autostart {
				auto = "auto"
			}
			rows = append(rows, &row{name: p.Name, line: textf.Sprintf("%-32s %-9s %-9s %d:%d\n", spec, inuse, auto, g.Priority, p.Priority)})
		}
	}
	// Python's stable sort by process name.
	slices.SortStableFunc(rows, func(a, b *row) int { return strings.Compare(a.name, b.name) })
	var b []byte // not a strings.Builder: its inlined writes cost text
	for _, r := range rows {
		b = append(b, r.line...)
	}
	stdout.Write(b)
	return nil
}
