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
//	update, reload     gosinit reload (SIGHUP: reread + update)
//	reread             check that the file loads (gosinit applies it only
//	                   with update)
//	shutdown           SIGTERM to gosinit
//	version            gosinit's version
//
// start, stop, restart and the rest need the RPC interface gosinit does not
// have, on purpose: they exit 3, LSB's "unimplemented feature", and say so.

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/internal/textf"
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
	if conf == "" {
		conf, _ = config.Find(os.Environ())
	}
	// Loaded once: for [gosinit] status_file here, and for reread.
	var cfg *config.Config
	var loadErr error
	if conf != "" {
		cfg, loadErr = config.Load(conf, config.Env{Environ: os.Environ()})
		if loadErr == nil {
			statusFile = cfg.Gosinit.StatusFile
		}
	}
	withFile := func(rest []string) []string {
		if statusFile == "" {
			return rest
		}
		return append([]string{"--status-file", statusFile, "--"}, rest...)
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
			flags = []string{"--status-file", statusFile}
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
		return ctlMaintail(cfg, loadErr, rest, stdout)
	case "avail":
		return ctlAvail(cfg, loadErr, statusFile, rest, stdout)
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
		if err := unix.Kill(st.Pid, unix.SIGTERM); err != nil {
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
	return &exitStatus{code: ctlUnimplemented, msg: "supervisorctl " + cmd + ": not supported: gosinit has no control socket (on purpose); " +
		"change the configuration and run supervisorctl update, or use gosinit status"}
}

// ctlPid is supervisorctl pid: gosinit's pid; with NAMEs each one's pid (0
// and exit 7 when it is not running, "No such process" and 1 when unknown);
// with all, every process's.
func ctlPid(file string, names []string, stdout io.Writer) error {
	path, other := statusFilePath(file)
	st, err := readLive(path, other)
	if err != nil {
		return &exitStatus{code: statusUnknown, msg: err.Error()}
	}
	var b strings.Builder
	code := 0
	switch {
	case len(names) == 0:
		b.WriteString(strconv.Itoa(st.Pid) + "\n")
	case len(names) == 1 && names[0] == "all":
		all, _ := selectProcesses(st.Processes, nil) // supervisorctl's order
		for _, p := range all {
			b.WriteString(strconv.Itoa(p.Pid) + "\n")
		}
	default:
		for _, n := range names {
			group, name, _ := splitNamespec(n)
			found := false
			for _, p := range st.Processes {
				if p.Group == group && p.Name == name {
					found = true
					b.WriteString(strconv.Itoa(p.Pid) + "\n")
					if p.Pid == 0 {
						code = ctlNotRunning
					}
				}
			}
			if !found {
				b.WriteString("No such process " + n + "\n")
				code = ctlGeneric
			}
		}
	}
	io.WriteString(stdout, b.String())
	if code != 0 {
		return &exitStatus{code: code}
	}
	return nil
}
