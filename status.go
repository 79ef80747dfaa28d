package main

// status.go is the client side of the status file: `gosinit status` and
// `gosinit reload`. Neither talks to PID 1 over a socket (there is none):
// status only reads the file PID 1 replaces atomically after every state
// change, and reload sends SIGHUP and watches the file, with inotify, until
// PID 1 publishes the result of that reload under a new generation.
//
// status answers exactly as supervisorctl status does (same table, same
// name filters, same LSB exit codes 0, 3 and 4), so that scripts, health
// checks and people that know supervisorctl keep working. It must run as any
// user and take milliseconds: it opens the file, checks with kill(pid, 0)
// and /proc that the pid in it is a live gosinit, and prints. Nothing is
// written anywhere.

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/internal/jsonlite"
	"github.com/gosinit/gosinit/internal/textf"
	"github.com/gosinit/gosinit/proc"
)

// Exit codes of `gosinit status`: the LSB status convention supervisorctl
// follows.
const (
	statusNotRunning = 3 // a listed process is STOPPED, EXITED, FATAL or UNKNOWN
	statusUnknown    = 4 // an unknown name, or no gosinit is running
)

// Exit codes of `gosinit reload` besides 0.
const (
	reloadFailed   = 1 // no gosinit, SIGHUP refused, timeout, gosinit died
	reloadRejected = 2 // the new config did not load: nothing changed
)

var (
	// timeNow is the clock for the description column; tests fix it.
	timeNow = time.Now
	// defaultStatusFile is proc.DefaultStatusFile; tests point it elsewhere.
	defaultStatusFile = proc.DefaultStatusFile
)

const statusUsage = `usage: gosinit status [--json] [--status-file PATH] [NAME|GROUP:*|GROUP:NAME ...]

Prints the processes of the running gosinit as supervisorctl status does.
Exit status: 0 every listed process is RUNNING, STARTING, BACKOFF or STOPPING;
3 one is STOPPED, EXITED, FATAL or UNKNOWN; 4 an unknown name, or no gosinit
is running. Health checks: HEALTHCHECK CMD gosinit status

flags:
  -json
    	print the process entries as a JSON array
  -status-file PATH
    	the status file (default $GOSINIT_STATUS_FILE, ` + proc.DefaultStatusFile + `, then a per-user path)
`

const reloadUsage = `usage: gosinit reload [--status-file PATH] [--timeout DUR]

Sends SIGHUP to the running gosinit, waits for it to re-read its config and
prints what changed, in supervisorctl update's words. Exit status: 0 done;
2 the new config was rejected (nothing changed); 1 any other failure.

flags:
  -status-file PATH
    	the status file (default $GOSINIT_STATUS_FILE, ` + proc.DefaultStatusFile + `, then a per-user path)
  -timeout DUR
    	how long to wait for the reload (default: until it is done, as
    	supervisorctl update waits; each stop is bounded by its stopwaitsecs)
`

// cmdStatus is `gosinit status [--json] [--status-file PATH] [NAME|GROUP:*|GROUP:NAME ...]`.
func cmdStatus(args []string, stdout, stderr io.Writer) error {
	fset := newFlags(stderr, func() { io.WriteString(stderr, statusUsage) })
	var asJSON bool
	var file string
	fset.BoolVar(&asJSON, "json")
	fset.StringVar(&file, "status-file")
	names, err := parseArgs(fset, args)
	if err != nil {
		return err
	}

	st, err := readLive(statusFilePath(file))
	if err != nil { // exit 4, as supervisorctl status
		return &exitStatus{code: statusUnknown, msg: err.Error()}
	}

	sel, unknown := selectProcesses(st.Processes, names)
	now := timeNow()
	var buf bytes.Buffer
	if asJSON {
		// Keep stdout a valid JSON document: the name errors go to stderr.
		for _, m := range unknown {
			io.WriteString(stderr, m+"\n")
		}
		writeJSON(&buf, sel, now)
	} else {
		// supervisorctl prints the name errors first, on stdout.
		for _, m := range unknown {
			buf.WriteString(m)
			buf.WriteByte('\n')
		}
		renderTable(&buf, sel, now)
	}
	if _, err := stdout.Write(buf.Bytes()); err != nil {
		return textf.Errorf("status: %w", err)
	}
	if code := statusCode(sel, len(unknown) > 0); code != 0 {
		return &exitStatus{code: code}
	}
	return nil
}

// parseArgs parses flags that may come before, between or after the
// positional arguments (`gosinit status web --json`), which the flag
// package alone does not allow. Everything after "--" is positional.
func parseArgs(fset *flagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fset.Parse(args); err != nil {
			if errors.Is(err, errHelp) {
				return nil, errHelp
			}
			return nil, errUsage // the flag package has printed why
		}
		rest := fset.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// statusFilePath picks the status file: --status-file, else
// $GOSINIT_STATUS_FILE, else proc.DefaultStatusFile when it exists (and
// its gosinit is not gone while a per-user file exists), else
// proc.FallbackStatusFile(), the per-user path a non-root gosinit writes.
// When it falls back, other is the default path it did not find, for the
// error message.
func statusFilePath(flagPath string) (path, other string) {
	if flagPath != "" {
		return flagPath, ""
	}
	if p := os.Getenv("GOSINIT_STATUS_FILE"); p != "" {
		return p, ""
	}
	stale := false
	if _, err := os.Stat(defaultStatusFile); !errors.Is(err, fs.ErrNotExist) {
		// A root gosinit's file outlives it in a host's /run: when its
		// pid is gone, a per-user file of a gosinit running now wins.
		st, err := proc.ReadStatus(defaultStatusFile)
		if err != nil || unix.Kill(st.Pid, 0) != unix.ESRCH {
			return defaultStatusFile, ""
		}
		stale = true
	}
	fb := proc.FallbackStatusFile()
	// Not ours: perhaps PID 1's, a gosinit of another user (docker exec
	// -u 0 into a --user 1000 container); readLive checks whose it is.
	if _, err := os.Stat(fb); errors.Is(err, fs.ErrNotExist) {
		var st unix.Stat_t
		if unix.Stat("/proc/1", &st) == nil && int(st.Uid) != os.Getuid() {
			// When PID 1 is not gosinit, anyone may have made its
			// user's directory: only one of that user's, not a link.
			uid := st.Uid
			d := filepath.Join(os.TempDir(), "gosinit-"+itoa(int(uid)))
			if unix.Lstat(d, &st) == nil && st.Uid == uid && st.Mode&unix.S_IFMT == unix.S_IFDIR && fileExists(d+"/status.json") {
				return d + "/status.json", defaultStatusFile
			}
		}
		if stale {
			return defaultStatusFile, ""
		}
	}
	return fb, defaultStatusFile
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// trusted says whether the status file st read from path may be believed.
// Whoever may write the directory a name is in may swap what it names, so
// the file, the directory its path names and the directory it resolves to
// must each be root's, the reader's or the file owner's, and writable by
// no one else: not by others, not by a group but the reader's own
// (OpenShift's chgrp 0, chmod g=u), and, for a file of root's or the
// reader's, in a sticky directory such as /tmp, where no one may replace
// another's file; the path, when it is a link, must be made by one of
// them (links further on are not checked: a forged file reached so can
// show a status, but signalling needs more, see checkGosinit). Root
// writes files with others' content (a program's log, when it runs as
// user=): a link to one, planted in the reader's /tmp path, is refused so.
// A file of another user O must be in a directory no one else may write,
// and is then believed only for O's processes (ownedBy); the reader's own
// per-user path in /tmp, predictable, must be its own. Without all this,
// anyone who can write a directory the reader looks in could make root's
// `reload` or `supervisorctl signal` signal a process of their choosing.
func trusted(path string, st *proc.Status) error {
	me := uint32(os.Getuid())
	other := st.Owner != 0 && st.Owner != me
	if other && path == filepath.Join(os.TempDir(), "gosinit-"+itoa(int(me)), "status.json") {
		return textf.Errorf("status file %s belongs to uid %d, not to you", path, st.Owner)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	// EvalSymlinks resolved every link: Lstat of its directory is Stat.
	for _, p := range [3]string{path, filepath.Dir(path), filepath.Dir(real)} {
		var e unix.Stat_t
		if err := unix.Lstat(p, &e); err != nil {
			return err
		}
		w := e.Mode&unix.S_IFMT != unix.S_IFLNK && e.Mode&0o022 != 0 && (other || e.Mode&unix.S_ISVTX == 0) &&
			(e.Mode&0o002 != 0 || e.Gid != uint32(os.Getgid()))
		if e.Uid != 0 && e.Uid != me && e.Uid != st.Owner || w {
			return textf.Errorf("status file %s belongs to uid %d, in a directory others may write (or through a link of another user's)", path, st.Owner)
		}
	}
	return nil
}

// readLive reads the status file and checks that the gosinit that wrote it
// is still running. Its errors say which of the checks failed.
func readLive(path, other string) (*proc.Status, error) {
	st, err := proc.ReadStatus(path)
	if errors.Is(err, fs.ErrNotExist) {
		if other != "" {
			// Another user's gosinit, not PID 1, writes a per-user
			// path of its own, which the reader cannot guess.
			return nil, textf.Errorf("no gosinit is running: status file %s does not exist (nor %s; a gosinit of another user: name its status file with --status-file or GOSINIT_STATUS_FILE)", other, path)
		}
		return nil, textf.Errorf("no gosinit is running: status file %s does not exist", path)
	}
	if err != nil {
		return nil, textf.Errorf("read status: %w", err)
	}
	if err := trusted(path, st); err != nil {
		return nil, textf.Errorf("not trusted: %w", err)
	}
	if st.Pid <= 0 || st.Pid > 1<<22 { // the kernel's PID_MAX_LIMIT
		return nil, textf.Errorf("status file %s: pid %d is not a process id", path, st.Pid)
	}
	if err := ownedBy(st.Pid, st.Owner); err != nil {
		return nil, textf.Errorf("not trusted: status file %s: %w", path, err)
	}
	if err := checkGosinit(st.Pid, st.Started, st.Owner, false); err != nil {
		return nil, textf.Errorf("no gosinit is running: %w (status file %s)", err, path)
	}
	return st, nil
}

// ownedBy: a status file of another user than root or the reader may
// only name that user's processes (/proc/PID belongs to a process's user).
func ownedBy(pid int, owner uint32) error {
	if owner == 0 || owner == uint32(os.Getuid()) {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Stat("/proc/"+itoa(pid), &st); err != nil || st.Uid != owner {
		return textf.Errorf("pid %d is not a process of uid %d, who wrote it", pid, owner)
	}
	return nil
}

// signalGosinit sends sig to st's gosinit once readLive's checks of the
// process hold again: through pidfd, opened before them, which is the
// process they checked or, if it has exited since, nobody; without one
// (-1), by pid, which may have been reused in the moment between.
func signalGosinit(pidfd int, st *proc.Status, sig unix.Signal) error {
	if err := ownedBy(st.Pid, st.Owner); err != nil {
		return err
	}
	if err := checkGosinit(st.Pid, st.Started, st.Owner, true); err != nil {
		return err
	}
	if pidfd < 0 {
		return unix.Kill(st.Pid, sig)
	}
	return unix.PidfdSendSignal(pidfd, sig, nil, 0)
}

// liveStatus reads the status file of the running gosinit, or returns
// the error that none runs: exit 7, as supervisorctl's pid, tail, maintail
// and signal exit when supervisord is not running (status: 4, its own).
func liveStatus(statusFile string) (*proc.Status, error) {
	st, err := readLive(statusFilePath(statusFile))
	if err != nil {
		return nil, &exitStatus{code: ctlNotRunning, msg: err.Error()}
	}
	return st, nil
}

// checkGosinit checks that pid is alive and looks like gosinit. kill(pid, 0)
// answering EPERM means alive (a non-root user asking about a root PID 1).
// "Looks like gosinit": argv[0] or the executable is named gosinit or as
// this program is, or the executable is this program or a copy of it
// (COPY gosinit /usr/bin/supervisord, and again as supervisorctl), or,
// when the reader may not read /proc/PID/exe (another user's process, or
// one that is not dumpable: it may read its cmdline), the process is
// owner's and started when the status file says gosinit did. toSignal:
// the reader will signal it, and the start time will not do for a file of
// root's (which may hold a user= program's words: root's log of it), nor
// kill(pid, 0) alone for a reader without /proc.
func checkGosinit(pid int, started int64, owner uint32, toSignal bool) error {
	err := unix.Kill(pid, 0)
	if err != nil && err != unix.EPERM {
		return textf.Errorf("pid %d is gone", pid)
	}
	eperm := err == unix.EPERM
	procDir := "/proc/" + itoa(pid)
	cmdline, err := os.ReadFile(procDir + "/cmdline")
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat("/proc/self"); err != nil || eperm {
			// No /proc mounted, or one mounted with hidepid that hides
			// other users' processes: kill(pid, 0) is all we can know.
			if toSignal && !eperm {
				return textf.Errorf("pid %d cannot be checked without /proc", pid)
			}
			return nil
		}
		return textf.Errorf("pid %d is gone", pid)
	}
	if err != nil {
		return textf.Errorf("pid %d: %w", pid, err)
	}
	argv0 := cmdline // up to the first NUL (bytes.Cut would link bytes.Index)
	if i := bytes.IndexByte(cmdline, 0); i >= 0 {
		argv0 = cmdline[:i]
	}
	if len(argv0) == 0 {
		// A zombie or a kernel thread: no command line.
		if stat, err := os.ReadFile(procDir + "/stat"); err == nil {
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && bytes.HasPrefix(stat[i:], []byte(") Z")) {
				return textf.Errorf("pid %d is gone (a zombie)", pid)
			}
		}
		comm, _ := os.ReadFile(procDir + "/comm")
		return textf.Errorf("pid %d is not gosinit (it is [%s])", pid, strings.TrimSpace(string(comm)))
	}
	name := filepath.Base(string(argv0))
	if name == "gosinit" {
		return nil
	}
	if self, err := os.Executable(); err == nil && name == filepath.Base(self) {
		return nil // gosinit installed under another name, e.g. /init
	}
	exe, err := os.Readlink(procDir + "/exe")
	if err == nil {
		if filepath.Base(strings.TrimSuffix(exe, " (deleted)")) == "gosinit" {
			return nil
		}
		a, err := os.ReadFile(procDir + "/exe")
		b, _ := os.ReadFile("/proc/self/exe")
		if err == nil && string(a) == string(b) {
			return nil // this program, or a copy of it
		}
	} else if _, start, ok := procStart(pid); ok && started > 0 && sameSecond(start, started) {
		// An executable we may not see (another user's process, or one
		// not dumpable): its start time will do when it is the status
		// file's owner's, the one who could signal it anyway; but not to
		// signal on a root-owned file, which may hold another's words (a
		// user= program's log) naming any process with its start time.
		var ps unix.Stat_t
		if unix.Stat(procDir, &ps) == nil && ps.Uid == owner && !(toSignal && owner == 0) {
			return nil
		}
	}
	return textf.Errorf("pid %d is not gosinit (it is %s)", pid, argv0)
}

// selectProcesses returns the processes the names select, as supervisorctl
// status does (supervisorctl.py do_status): all of them, sorted by group then
// name, when there are no names or one is "all"; else, for each name in
// turn, the matching processes in that order. A name is GROUP:NAME,
// GROUP:* or GROUP: (the whole group), or NAME, which means NAME:NAME (so a
// bare name only finds a process whose group has its name). unknown holds
// supervisorctl's message for each name that matched nothing.
func selectProcesses(all []proc.ProcessStatus, names []string) (sel []proc.ProcessStatus, unknown []string) {
	// through pointers: see config's (*loader).sorted
	ps := make([]*proc.ProcessStatus, len(all))
	for i := range all {
		ps[i] = &all[i]
	}
	slices.SortStableFunc(ps, func(a, b *proc.ProcessStatus) int {
		return cmp.Or(strings.Compare(a.Group, b.Group), strings.Compare(a.Name, b.Name))
	})
	sorted := slices.Clone(all) // nil stays nil
	for i, p := range ps {
		sorted[i] = *p
	}
	if len(names) == 0 || slices.Contains(names, "all") {
		return sorted, nil
	}
	sel = []proc.ProcessStatus{}
	for _, spec := range names {
		group, name, whole := splitNamespec(spec)
		found := false
		for i := range sorted {
			if p := &sorted[i]; p.Group == group && (whole || p.Name == name) {
				sel = append(sel, *p)
				found = true
			}
		}
		switch {
		case found:
		case whole:
			unknown = append(unknown, group+": ERROR (no such group)")
		default:
			unknown = append(unknown, spec+": ERROR (no such process)")
		}
	}
	return sel, unknown
}

// splitNamespec is supervisor's split_namespec: "g:n" is process n of group
// g, "g:*" and "g:" the whole group g, "n" process n of group n.
func splitNamespec(spec string) (group, name string, whole bool) {
	group, name, ok := strings.Cut(spec, ":")
	if !ok {
		return spec, spec, false
	}
	return group, name, name == "" || name == "*"
}

// namespec is supervisor's make_namespec: "group:name", or "name" when the
// group has the process's name.
// Not inlined: 3 call sites (issue 2's size).
//
//go:noinline
func namespec(p *proc.ProcessStatus) string {
	if p.Group == p.Name {
		return p.Name
	}
	return p.Group + ":" + p.Name
}

// renderTable writes supervisorctl's status table (supervisorctl.py
// _show_statuses): the name column is as wide as the longest name, at least
// 30, plus 3; the state column 10; then the description, computed for now so
// that uptimes are current. Widths count characters, as Python does.
func renderTable(w *bytes.Buffer, ps []proc.ProcessStatus, now time.Time) {
	width := 30
	for i := range ps {
		width = max(width, utf8.RuneCountInString(namespec(&ps[i])))
	}
	for i := range ps {
		p := &ps[i]
		textf.Fprintf(w, "%-*s%-10s%s\n", width+3, namespec(p), p.State, p.Describe(now))
	}
}

// writeJSON writes the selected entries as a JSON array, with the
// description, statename and now computed afresh (set in ps's entries
// themselves: a copy of each cost text, and no caller minds).
func writeJSON(w *bytes.Buffer, ps []proc.ProcessStatus, now time.Time) {
	jw := jsonlite.Writer{EscapeHTML: true} // as encoding/json's MarshalIndent
	jw.BeginArray()
	for i := range ps {
		p := &ps[i]
		p.Description = p.Describe(now)
		p.Statename = p.State.String()
		p.Now = now.Unix()
		p.WriteJSON(&jw)
	}
	jw.EndArray()
	w.Write(jsonlite.Indent(nil, jw.B, "", "  "))
	w.WriteByte('\n')
}

// statusCode is supervisorctl's exit status for a status listing: 4 when a
// name was unknown, but 3 when any listed process is in a stopped state
// (STOPPED, EXITED, FATAL, UNKNOWN, or a state this version does not know),
// which wins over 4 as in supervisorctl; else 0.
func statusCode(ps []proc.ProcessStatus, unknownName bool) int {
	code := 0
	if unknownName {
		code = statusUnknown
	}
	for i := range ps {
		switch ps[i].State {
		case proc.Running, proc.Starting, proc.Backoff, proc.Stopping:
		default:
			code = statusNotRunning
		}
	}
	return code
}

// cmdReload is `gosinit reload [--status-file PATH] [--timeout DUR]`: SIGHUP
// to the gosinit named by the status file, then wait for the result of that
// reload and print it as supervisorctl update does.
func cmdReload(args []string, stdout, stderr io.Writer) error {
	usage := func() { io.WriteString(stderr, reloadUsage) }
	fset := newFlags(stderr, usage)
	var file string
	fset.StringVar(&file, "status-file")
	var timeout time.Duration // none
	fset.Func("timeout", func(s string) error {
		d, err := parseDuration(s)
		if err == nil && d <= 0 {
			err = textf.Errorf("%q is not a positive duration", s)
		}
		timeout = d
		return err
	})
	rest, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		textf.Fprintf(stderr, "gosinit reload: unexpected argument %q\n", rest[0])
		usage()
		return errUsage
	}

	path, other := statusFilePath(file)
	st, err := readLive(path, other)
	if err != nil {
		return &exitStatus{code: reloadFailed, msg: "reload: " + err.Error()}
	}
	if st.Shutdown {
		return &exitStatus{code: reloadFailed, msg: textf.Sprintf("reload: gosinit (pid %d) is shutting down: it would ignore a reload", st.Pid)}
	}
	if st.Config == "" {
		return &exitStatus{code: reloadFailed, msg: textf.Sprintf("reload: gosinit (pid %d) runs a command without a configuration: nothing to reload (a SIGHUP would go to the command)", st.Pid)}
	}
	res, err := reload(path, st.Pid, timeout)
	if err != nil {
		return &exitStatus{code: reloadFailed, msg: "reload: " + err.Error()}
	}
	// The new file's warnings, as gosinit check prints them: a typo such
	// as priorty= is applied as a default, and says so only here.
	for _, w := range res.ReloadWarnings {
		io.WriteString(stderr, "warning: "+w+"\n")
	}
	var rejected error
	if res.Reload == "error" || len(res.ReloadErrors) > 0 {
		msg := "reload: the new config was rejected, nothing changed"
		if res.Config != "" {
			msg = textf.Sprintf("reload: %s was rejected, nothing changed", res.Config)
		}
		if len(res.ReloadErrors) == 0 {
			msg += " (the status file gives no reason)"
		} else {
			msg += ":\n" + strings.Join(res.ReloadErrors, "\n")
		}
		rejected = &exitStatus{code: reloadRejected, msg: msg}
		if len(res.Changes) == 0 {
			return rejected
		}
		// It was queued behind another reload, whose changes were
		// applied: they are printed first.
	}
	out := "No config updates to processes"
	if len(res.Changes) > 0 {
		out = strings.Join(res.Changes, "\n")
	}
	if _, err := io.WriteString(stdout, out+"\n"); err != nil {
		return textf.Errorf("reload: %w", err)
	}
	return rejected
}

// reload sends SIGHUP to pid and returns the status file as it is once pid
// has published a generation newer than the one before the signal.
//
// It waits in poll(2) on two descriptors with one deadline, no sleeping:
// an inotify watch on the file's directory (PID 1 replaces the file by
// rename, so a watch on the file itself would see only its first version)
// and a pidfd, which becomes readable if gosinit exits meanwhile. The watch
// is set up before the baseline is read and the signal sent, so no write can
// slip between them unseen.
func reload(path string, pid int, timeout time.Duration) (*proc.Status, error) {
	deadline := time.Now().Add(timeout) // timeout 0: none
	in, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, textf.Errorf("inotify: %w", err)
	}
	defer unix.Close(in)
	watched := path
	if p, err := filepath.EvalSymlinks(path); err == nil {
		watched = p // the rename happens where the link points
	}
	dir, base := filepath.Dir(watched), filepath.Base(watched)
	const mask = unix.IN_MOVED_TO | unix.IN_CLOSE_WRITE | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR
	if _, err := unix.InotifyAddWatch(in, dir, mask); err != nil {
		return nil, textf.Errorf("watch %s: %w", dir, err)
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	switch {
	case err == unix.ESRCH:
		return nil, textf.Errorf("gosinit (pid %d) is gone", pid)
	case err != nil:
		pidfd = -1 // an old kernel: poll ignores negative descriptors
	default:
		defer unix.Close(pidfd)
	}

	before, err := proc.ReadStatus(path)
	if err != nil {
		return nil, textf.Errorf("read status: %w", err)
	}
	if before.Pid != pid {
		return nil, textf.Errorf("gosinit restarted: status file %s now names pid %d, not %d", path, before.Pid, pid)
	}
	if err := signalGosinit(pidfd, before, unix.SIGHUP); err != nil {
		return nil, textf.Errorf("send SIGHUP to gosinit (pid %d): %w", pid, err)
	}

	buf := make([]byte, 16*1024)
	fds := []unix.PollFd{{Fd: int32(in), Events: unix.POLLIN}, {Fd: int32(pidfd), Events: unix.POLLIN}}
	var lastErr error
	for {
		left, wait := time.Until(deadline), -1
		if timeout > 0 && left <= 0 {
			msg := textf.Sprintf("gosinit (pid %d) did not report the reload within %v: status file %s is still at generation %d",
				pid, timeout, path, before.Generation)
			if lastErr != nil {
				msg += " (last read: " + lastErr.Error() + ")"
			}
			return nil, newError(msg)
		}
		if timeout > 0 {
			wait = int((left + time.Millisecond - 1) / time.Millisecond)
		}
		_, err := unix.Poll(fds, wait)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, textf.Errorf("poll: %w", err)
		}
		exited := fds[1].Revents != 0
		changed := exited
		if fds[0].Revents != 0 {
			c, err := drainInotify(in, buf, base)
			if err != nil {
				return nil, textf.Errorf("watch %s: %w", dir, err)
			}
			changed = changed || c
		}
		if !changed {
			continue
		}
		st, err := proc.ReadStatus(path)
		switch {
		case err != nil:
			lastErr = err // not replaced yet, or removed: wait for the next write
		case st.Pid != pid:
			return nil, textf.Errorf("gosinit restarted: status file %s now names pid %d, not %d", path, st.Pid, pid)
		case st.Generation != before.Generation && st.ReloadRequests > before.ReloadRequests && !st.Reloading:
			// A reload that read the configuration after our SIGHUP is
			// done, and nothing is queued behind it.
			return st, nil
		case st.Shutdown:
			return nil, textf.Errorf("gosinit (pid %d) began shutting down: the reload was ignored", pid)
		}
		if exited {
			return nil, textf.Errorf("gosinit (pid %d) exited before it reported the reload", pid)
		}
	}
}

// drainInotify reads every pending inotify event and reports whether one
// concerns the file base (or events were lost, which may hide one). The
// watched directory going away is an error.
func drainInotify(fd int, buf []byte, base string) (changed bool, err error) {
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EAGAIN {
			return changed, nil
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return changed, err
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			start := off + unix.SizeofInotifyEvent
			off = start + nameLen
			if off > n {
				return changed, newError("short inotify event")
			}
			name := buf[start:off] // up to the first NUL
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			switch {
			case mask&(unix.IN_DELETE_SELF|unix.IN_MOVE_SELF|unix.IN_IGNORED) != 0:
				return changed, newError("the directory was removed or moved")
			case mask&unix.IN_Q_OVERFLOW != 0, string(name) == base:
				changed = true
			}
		}
	}
}
