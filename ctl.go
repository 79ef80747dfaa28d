package main

// ctl.go: gosinit as supervisorctl. Installed (or linked) under the name
// supervisorctl, or run as `gosinit supervisorctl ...`, it answers the
// commands that need no control socket, so that health checks and scripts
// written for supervisord keep working:
//
//	status [NAME...]   gosinit status
//	pid [NAME|all]     gosinit's pid, or its processes'
//	tail [-f|-N] NAME [stdout|stderr]
//	                   the end of a process's log file (logtail.go)
//	maintail [-f|-N]   the end of gosinit's own log file
//	avail              every process of the configuration file
//	signal SIG NAME... a signal to processes, as supervisord sends it
//	update, reload     gosinit reload (SIGHUP: reread + update)
//	reread             check that the file loads (gosinit applies it only
//	                   with update)
//	shutdown           SIGTERM to gosinit
//	version            gosinit's version
//
// start, stop, restart and the rest need the RPC interface gosinit does not
// have, on purpose: they exit 3, LSB's "unimplemented feature", and say so.

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/internal/textf"
	"github.com/gosinit/gosinit/proc"
)

// supervisorctl's exit codes (LSBInitExitStatuses) besides status's.
const (
	ctlGeneric       = 1
	ctlUnimplemented = 3
	ctlNotRunning    = 7
)

const ctlUsage = `usage: supervisorctl [-c FILE] COMMAND [ARG...]   (gosinit as supervisorctl)

status [NAME...]   the status table, as gosinit status
pid [NAME|all]     gosinit's pid, or the pids of its processes
tail [-f|-N] NAME [stdout|stderr]
                   the last N (1600) bytes of a process's log file, or follow it
maintail [-f|-N]   the same for gosinit's own log file ([supervisord] logfile)
avail              every process of the configuration file, in use or not
signal SIG NAME... send SIG to each process (NAME, GROUP:*, or all)
update | reload    re-read the configuration and apply what changed (SIGHUP)
reread             check that the configuration loads; update applies it
shutdown           stop every program and gosinit (SIGTERM)
version            gosinit's version
start, stop, restart and the others need supervisord's RPC interface, which
gosinit does not have: they exit 3.
`

func runCtl(args []string, stdout, stderr io.Writer) error {
	fset := newFlags(stderr, func() { io.WriteString(stderr, ctlUsage) })
	var conf string
	var ignored string
	fset.StringVar(&conf, "c")
	fset.StringVar(&conf, "configuration")
	for _, name := range []string{"s", "serverurl", "u", "username", "p", "password", "r", "history-file"} {
		fset.StringVar(&ignored, name) // for the RPC gosinit has none of
	}
	var interactive bool
	fset.BoolVar(&interactive, "i")
	fset.BoolVar(&interactive, "interactive")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return errUsage
	}
	args = fset.Args()
	statusFile := ""
	explicit := conf != ""
	if !explicit {
		// supervisorctl asks the running supervisord, which rereads its
		// own file: so reread and avail read the running gosinit's (none
		// when it runs a command without one).
		if st, err := readLive(statusFilePath("")); err == nil {
			conf = st.Config
		} else {
			conf, _ = config.Find(os.Environ())
		}
	}
	// Loaded once: for [gosinit] status_file here, and for reread.
	var cfg *config.Config
	var loadErr error
	if conf != "" {
		cfg, loadErr = config.Load(conf, config.Env{Environ: os.Environ()})
		if cfg != nil { // errors elsewhere in the file do not matter here
			statusFile = cfg.Gosinit.StatusFile
		} else if explicit {
			// A -c FILE that cannot be read is an error, as supervisorctl's
			// "could not find config file" (exit 2): not the default
			// status file, which may be another gosinit's.
			return loadErr
		}
	}
	withFile := func(rest []string) []string {
		if statusFile == "" {
			return rest
		}
		// Appended to a made slice, not to a []string{...}: the literal's
		// [3]string array type came with a generated equality function.
		return append(append(make([]string, 0, 3+len(rest)), "--status-file", statusFile, "--"), rest...)
	}
	if len(args) == 0 {
		// supervisorctl's shell starts with the status table; gosinit
		// has no shell.
		if interactive {
			io.WriteString(stderr, "gosinit: supervisorctl: no interactive mode; here is the status\n")
		}
		return cmdStatus(withFile(nil), stdout, stderr)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "status":
		return cmdStatus(withFile(rest), stdout, stderr)
	case "update", "reload":
		if len(rest) > 0 && !(len(rest) == 1 && rest[0] == "all") {
			return &exitStatus{code: ctlUnimplemented, msg: "supervisorctl " + cmd + ": gosinit applies the whole file: run it without group names"}
		}
		var flags []string
		if statusFile != "" {
			flags = append(flags, "--status-file", statusFile) // no [2]string literal: see withFile
		}
		return cmdReload(flags, stdout, stderr)
	case "reread":
		if conf == "" {
			return &exitStatus{code: ctlGeneric, msg: "supervisorctl reread: no configuration file (give -c FILE)"}
		}
		// What a reload would refuse: load errors, then the host's.
		if loadErr != nil {
			return loadErr
		}
		if ds := cfg.CheckHost(); len(ds) > 0 {
			return config.Errors(ds)
		}
		io.WriteString(stderr, "gosinit: "+conf+" loads; supervisorctl update (or gosinit reload) applies it\n")
		return nil
	case "pid":
		return ctlPid(statusFile, rest, stdout)
	case "tail":
		return ctlTail(statusFile, rest, stdout)
	case "maintail":
		return ctlMaintail(statusFile, rest, stdout)
	case "avail":
		return ctlAvail(cfg, loadErr, statusFile, rest, stdout)
	case "signal":
		return ctlSignal(statusFile, rest, stdout)
	case "shutdown":
		if len(rest) > 0 {
			return &exitStatus{code: ctlGeneric, msg: "supervisorctl shutdown: accepts no arguments"}
		}
		path, other := statusFilePath(statusFile)
		st, err := readLive(path, other)
		if err != nil {
			return &exitStatus{code: ctlGeneric, msg: "ERROR: " + err.Error() + " (already shut down?)"}
		}
		if st.Shutdown {
			io.WriteString(stdout, "ERROR: already shutting down\n")
			return nil
		}
		fd, err := pidfdOpen(st.Pid, 0)
		if err != nil {
			fd = -1
		}
		err = signalGosinit(fd, st, unix.SIGTERM)
		unix.Close(fd)
		if err != nil {
			return &exitStatus{code: ctlGeneric, msg: textf.Sprintf("supervisorctl shutdown: SIGTERM to %d: %v", st.Pid, err)}
		}
		io.WriteString(stdout, "Shut down\n")
		return nil
	case "version":
		io.WriteString(stdout, versionString()+"\n")
		return nil
	case "help":
		io.WriteString(stdout, ctlUsage)
		return nil
	}
	if !strings.Contains(" add clear exit fg open quit remove restart start stop ", " "+cmd+" ") {
		// Not a supervisorctl command: its answer and exit status.
		io.WriteString(stdout, "*** Unknown syntax: "+strings.Join(args, " ")+"\n")
		return &exitStatus{code: ctlGeneric}
	}
	return &exitStatus{code: ctlUnimplemented, msg: "supervisorctl " + cmd + ": not supported: gosinit has no control socket (on purpose); " +
		"change the configuration and run supervisorctl update, or use gosinit status"}
}

// ctlPid is supervisorctl pid: gosinit's pid; with NAMEs each one's pid (0
// and exit 7 when it is not running, "No such process" and 1 when unknown);
// with all, every process's.
func ctlPid(file string, names []string, stdout io.Writer) error {
	st, err := liveStatus(file)
	if err != nil {
		return err
	}
	var b []byte // not a strings.Builder: its inlined writes cost text
	code := 0
	switch {
	case len(names) == 0:
		b = append(b, itoa(st.Pid)+"\n"...)
	case slices.Contains(names, "all"): // supervisorctl's 'all' in names
		all, _ := selectProcesses(st.Processes, nil) // supervisorctl's order
		for i := range all {
			b = append(b, itoa(all[i].Pid)+"\n"...)
		}
	default:
		for _, n := range names {
			group, name, _ := splitNamespec(n)
			found := false
			for i := range st.Processes {
				if p := &st.Processes[i]; p.Group == group && p.Name == name {
					found = true
					b = append(b, itoa(p.Pid)+"\n"...)
					if p.Pid == 0 {
						code = ctlNotRunning
					}
				}
			}
			if !found {
				b = append(b, "No such process "+n+"\n"...)
				code = ctlGeneric
			}
		}
	}
	stdout.Write(b)
	if code != 0 {
		return &exitStatus{code: code}
	}
	return nil
}

// ctlSignal is supervisorctl signal SIG NAME...: SIG to each named process
// (its pid, not its group, as supervisord's Subprocess.signal), and to
// every RUNNING, STARTING and STOPPING process of GROUP:* or, for all, of
// every group, in the status file's order; with supervisorctl's lines and
// exit status ("signalled", "ERROR (not running)" and 7, "ERROR (no such
// process)" and 1, "ERROR (bad signal name)"). No control socket is
// needed: the status file has the pids, and the signal goes through a
// pidfd, to the process only while its parent is still this gosinit, so a
// pid that was reused since the status file was written is never hit.
func ctlSignal(statusFile string, args []string, stdout io.Writer) error {
	if len(args) < 2 {
		return ctlFail(stdout, "Error: signal requires a signal name and a process name\n"+
			"signal <signal name> <name>\t\tSignal a process\n"+
			"signal <signal name> <gname>:*\t\tSignal all processes in a group\n"+
			"signal <signal name> <name> <name>\tSignal multiple processes or groups\n"+
			"signal <signal name> all\t\tSignal all processes\n")
	}
	st, err := liveStatus(statusFile)
	if err != nil {
		return err
	}
	// Its children are signalled: gosinit must be known as one to signal.
	if err := checkGosinit(st.Pid, st.Started, st.Owner, true); err != nil {
		return &exitStatus{code: statusUnknown, msg: err.Error()}
	}
	return signalProcesses(st, st.Pid, args[0], args[1:], stdout)
}

// signalProcesses is ctlSignal once the status is read: parent is the
// pid the processes' parent must have (gosinit's).
func signalProcesses(st *proc.Status, parent int, sigName string, names []string, stdout io.Writer) error {
	sig, sigErr := config.ParseSignal(sigName)
	signallable := func(s proc.State) bool { return s == proc.Running || s == proc.Starting || s == proc.Stopping }
	// The lines in supervisorctl's order: a process (p) or an unknown name.
	type target struct {
		_ [0]func() // incomparable: no generated equality function (text)

		p    *proc.ProcessStatus
		spec string
	}
	var ts []target
	// The status file's order: by group, then name. supervisord's is by
	// priority, the same where the priorities are (the lines' order only).
	sorted := st.Processes
	all := slices.Contains(names, "all")
	if all {
		names = []string{"all"}
	}
	for _, n := range names {
		group, name, whole := splitNamespec(n)
		found := false
		for i := range sorted {
			p := &sorted[i]
			if !all && (p.Group != group || !whole && p.Name != name) {
				continue
			}
			found = true
			// all and GROUP:*: the signallable ones only (rpcinterface's
			// make_allfunc with isSignallable).
			if (all || whole) && !signallable(p.State) {
				continue
			}
			ts = append(ts, target{p: p, spec: namespec(p)})
		}
		switch {
		case found || all:
		case whole:
			ts = append(ts, target{spec: group + ": ERROR (no such group)"})
		case group != name:
			ts = append(ts, target{spec: group + ":" + name + ": ERROR (no such process)"})
		default:
			ts = append(ts, target{spec: name + ": ERROR (no such process)"})
		}
	}
	var b []byte
	code := 0
	for _, t := range ts {
		c, msg := 0, ": signalled"
		switch {
		case t.p == nil:
			c, msg = ctlGeneric, ""
		case sigErr != nil:
			c, msg = ctlGeneric, ": ERROR (bad signal name)"
		case !signallable(t.p.State):
			c, msg = ctlNotRunning, ": ERROR (not running)"
		default:
			if err := signalChild(t.p, parent, st.Owner, unix.Signal(sig)); err != nil {
				c, msg = ctlGeneric, ": ERROR ("+err.Error()+")"
			}
		}
		b = append(b, t.spec+msg+"\n"...)
		if c != 0 {
			code = c // supervisorctl keeps the last fault's status
		}
	}
	stdout.Write(b)
	if code != 0 {
		return &exitStatus{code: code}
	}
	return nil
}

// signalChild sends sig to p's pid through a pidfd once it has checked
// that the pidfd's process is p: a child of gosinit (parent) started when
// the status file says p started. The status file may be a moment old, p
// gone and its pid reused; and once the pidfd is open, the signal reaches
// that process or, if it has exited meanwhile, nobody.
func signalChild(p *proc.ProcessStatus, parent int, owner uint32, sig unix.Signal) error {
	if p.Pid <= 0 || p.Pid > 1<<22 {
		return newError("no pid")
	}
	// Without pidfds (a kernel before 5.3, or a seccomp profile that
	// refuses them) the checks below still hold, up to the moment of kill.
	fd, err := pidfdOpen(p.Pid, 0)
	switch {
	case err == unix.ESRCH:
		return textf.Errorf("pid %d is gone", p.Pid)
	case err != nil:
		fd = -1
	default:
		defer unix.Close(fd)
	}
	ppid, started, ok := procStart(p.Pid)
	if ppid == "" {
		return textf.Errorf("pid %d is gone", p.Pid)
	}
	if ppid != itoa(parent) {
		return textf.Errorf("pid %d is no longer gosinit's child", p.Pid)
	}
	if ok && !sameSecond(started, p.Start) {
		return textf.Errorf("pid %d is another process now", p.Pid)
	}
	if err := ownedBy(p.Pid, owner); err != nil {
		return err
	}
	if fd < 0 {
		return unix.Kill(p.Pid, sig)
	}
	return unix.PidfdSendSignal(fd, sig, nil, 0)
}

// procStart reads /proc/PID/stat: the parent's pid ("" when the process
// is gone) and, when ok, its start time in unix seconds.
func procStart(pid int) (ppid string, start int64, ok bool) {
	stat, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	// After "(comm)": state, ppid, ... starttime is the 20th field.
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if err != nil || len(f) < 20 {
		return "", 0, false
	}
	ticks, err1 := strconv.ParseInt(f[19], 10, 64)
	boot, err2 := bootTime()
	return f[1], boot + ticks/100, err1 == nil && err2 == nil
}

// sameSecond: a start time read from /proc matches one a status file
// recorded (both cut to the second, from clocks read apart: 2 s of slack).
// An unknown recorded time (0) matches.
func sameSecond(proc, recorded int64) bool {
	return recorded <= 0 || proc >= recorded-2 && proc <= recorded+2
}

// pidfdOpen is unix.PidfdOpen; a test replaces it to take the path of a
// kernel without pidfds.
var pidfdOpen = unix.PidfdOpen

// bootTime is the machine's boot time, unix seconds (/proc/stat btime).
// /proc/PID/stat counts a process's start in USER_HZ (100) ticks from it.
func bootTime() (int64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, newError("no btime in /proc/stat")
}
