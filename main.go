// Command gosinit is a container init: PID 1 that reaps zombies, forwards
// signals and exits with its program's status (tini's job), and a supervisor
// that runs a supervisord.conf unchanged (supervisord's job), with no socket
// and no RPC: `gosinit status` reads the status file PID 1 writes.
//
// main owns the command line, the subcommands, and the one table that maps
// errors to exit codes (exitCode). It is the only place that calls os.Exit.
package main

import (
	"errors"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/internal/textf"
	"github.com/gosinit/gosinit/proc"
)

// init locks the main goroutine, which runs the owner loop, to the main
// thread: every child is then forked by that thread, which is also the one
// orphans are re-parented to, and wait4 (which scans the calling thread's
// children first, oldest first, then the other threads') returns the
// zombies in the order their processes were forked. Forked from whatever
// thread the loop happened to be on, a child could wait over a minute to
// be reaped while the loop's current thread always had a newer zombie
// (200 programs crash-looping on a starved CPU, on CI's machine).
//
// It also caps the Ps at proc.MaxProcs. gosinit's Go code is that loop and the
// output copiers, which spend their time waiting in read and write; the
// runtime's default, one P per CPU, only adds garbage-collection workers
// and idle threads: with GOMAXPROCS=64 (a 64-CPU node with no CPU limit)
// and 50 programs writing, 25-32 threads and 6.8-7.2 MB resident, against
// 8-9 threads and 4.4-4.5 MB capped. (--pin-cpu keeps those threads on
// one CPU anyway.) A lower GOMAXPROCS in the environment is kept; the
// programs get the environment's unchanged.
func init() {
	runtime.LockOSThread()
	if runtime.GOMAXPROCS(0) > proc.MaxProcs {
		runtime.GOMAXPROCS(proc.MaxProcs)
	}
}

func main() {
	// The subcommands are short-lived tools (a probe may run `gosinit
	// status` every few seconds): they keep the default signal actions and
	// skip signal.Notify, whose runtime cost is a round trip between two
	// threads per signal, about 4 ms of CPU for gosinit's 50 signals and
	// as much again to undo it.
	if filepath.Base(os.Args[0]) == "supervisorctl" {
		os.Exit(exitCode(runCtl(os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
	}
	if ok, err := subcommand(os.Args[1:], os.Stdout, os.Stderr); ok {
		os.Exit(exitCode(err, os.Stderr))
	}
	// As init, the first thing: catch every signal a user could mean,
	// before the runtime has a chance to let an un-notified SIGTERM kill
	// PID 1 with status 2.
	sigs := make(chan os.Signal, 128)
	signal.Notify(sigs, proc.CaughtSignals()...)

	err := runInit(os.Args[1:], sigs, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}

// gosinitEnv is $GOSINIT_k. Not inlined: 7 call sites (issue 2's size).
//
//go:noinline
func gosinitEnv(k string) (string, bool) { return os.LookupEnv("GOSINIT_" + k) }

// exitCode is the one table from errors to exit codes. It prints the
// error's message (if any) on stderr.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if done, ok := errors.AsType[*proc.Exit](err); ok {
		return done.Code
	}
	if st, ok := errors.AsType[*exitStatus](err); ok {
		if st.msg != "" {
			io.WriteString(stderr, "gosinit: "+st.msg+"\n")
		}
		return st.code
	}
	switch {
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errHelp):
		return 0
	}
	if cerrs, ok := err.(config.Errors); ok {
		io.WriteString(stderr, cerrs.Error()+"\n")
		return 2
	}
	if serr, ok := errors.AsType[*proc.StartError](err); ok {
		io.WriteString(stderr, "gosinit: "+serr.Error()+"\n")
		return serr.Code
	}
	io.WriteString(stderr, "gosinit: "+err.Error()+"\n")
	return 1
}

// subcommand runs args when they name a subcommand; ok is false when they
// are for the init itself (a program named like a subcommand runs as
// `gosinit -- NAME`).
func subcommand(args []string, stdout, stderr io.Writer) (ok bool, err error) {
	if len(args) == 0 {
		return false, nil
	}
	switch args[0] {
	case "version":
		io.WriteString(stdout, "gosinit "+versionString()+"\n")
		return true, nil
	case "help":
		usage(stdout)
		return true, nil
	case "status":
		return true, cmdStatus(args[1:], stdout, stderr)
	case "check":
		return true, cmdCheck(args[1:], stdout, stderr)
	case "reload":
		return true, cmdReload(args[1:], stdout, stderr)
	case "supervisorctl":
		return true, runCtl(args[1:], stdout, stderr)
	}
	return false, nil
}

const usageText = `usage: gosinit [flags] [--] COMMAND [ARG...]      run COMMAND as PID 1 (tini-style)
       gosinit -c FILE [flags] [-- COMMAND ...]   run a supervisord.conf (and COMMAND)
       gosinit status [--json] [NAME|GROUP:*...]  show the programs of the running gosinit
       gosinit check [FILE] [--json] [--strict]   check a configuration (or -c FILE)
       gosinit reload                             re-read the configuration (SIGHUP)
       gosinit supervisorctl COMMAND ...          status, pid, tail, signal, update, ...
                                                  (gosinit supervisorctl help lists them;
                                                  also as a binary named supervisorctl)
       gosinit version

flags (each also read from the environment variable shown):
  -c, --config FILE   supervisord.conf or .toml to run               GOSINIT_CONFIG
  -g=BOOL             forward signals to COMMAND's process group     GOSINIT_GROUP (default true)
  -e CODE             treat COMMAND's exit CODE as 0 (repeatable)    GOSINIT_REMAP_EXIT (comma list)
  --grace DUR         after COMMAND exits, SIGTERM the rest, then
                      SIGKILL after DUR                              GOSINIT_GRACE (default 3s)
  --status-file PATH  where PID 1 writes its status                  GOSINIT_STATUS_FILE
  --wait              with -c and COMMAND: start COMMAND only once
                      every autostart program is RUNNING             GOSINIT_WAIT
  --pin-cpu=BOOL      keep gosinit's own threads on one CPU; programs
                      get every CPU                                  GOSINIT_PIN_CPU (default true)
  --loglevel LEVEL    critical error warn info debug trace blather   GOSINIT_LOGLEVEL
                      (also -e LEVEL, as supervisord spells it)
  -h, --help          this text
  -v, --version       gosinit's version

supervisord's flags work too, so "supervisord -n -c FILE" becomes
"gosinit -n -c FILE"; each sets its [supervisord] key over the file's:
  -n, --nodaemon (gosinit never daemonizes), -s, --silent, -u, --user USER,
  -m, --umask OCTAL, -d, --directory DIR, -l, --logfile FILE,
  -y, --logfile_maxbytes BYTES, -z, --logfile_backups N, -j, --pidfile FILE,
  -i, --identifier STR, -q, --childlogdir DIR, -k, --nocleanup,
  -a, --minfds N, -t, --strip_ansi, --minprocs N, --configuration FILE

tini's and dumb-init's flags work too, so "tini -s -- CMD" or
"dumb-init --rewrite 15:3 -- CMD" keep working with gosinit in their place:
  -s (tini's --subreaper: gosinit always is one), -v, -vv, -vvv before a
  COMMAND (log more; TINI_VERBOSITY too), -w (log each orphan reaped;
  GOSINIT_WARN_ON_REAP), -p SIGNAL (the signal gosinit gets when its parent
  dies; GOSINIT_PDEATHSIG), -r, --rewrite S:R (pass R on instead of S, 0
  drops S; repeatable; GOSINIT_REWRITE=S:R,...), --single-child (-g=false;
  DUMB_INIT_SETSID=0 too), -V (the version)

A program named like a subcommand runs with: gosinit -- NAME
Exit status: COMMAND's status, 128+N if signal N killed it; 127 COMMAND not
found, 126 not executable; 2 usage or configuration error; with -c and no
COMMAND, 0 after an orderly shutdown or an essential program's status.
`

func usage(w io.Writer) { io.WriteString(w, usageText) }

// intList is a repeatable -e flag.
type intList []int

func (l *intList) Set(s string) error {
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n > 255 {
			return textf.Errorf("exit code %q is not an integer from 0 to 255", f)
		}
		*l = append(*l, n)
	}
	return nil
}

func runInit(args []string, sigs chan os.Signal, stdout, stderr io.Writer) error {
	fs := newFlags(nil, nil)
	var (
		cfgPath    string
		group      = true
		remap      intList
		grace      = 3 * time.Second
		statusFile string
		wait       bool
		pinCPU     = true
		loglevel   string
		help       bool
		// tini's and dumb-init's own flags (tiniFlags)
		tf = tiniFlags{rewrite: map[unix.Signal]unix.Signal{}}
	)
	// Environment first, so flags override it.
	env := gosinitEnv
	if v, ok := env("CONFIG"); ok {
		cfgPath = v
	}
	if v, ok := env("GROUP"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			textf.Fprintf(stderr, "gosinit: GOSINIT_GROUP=%q is not a boolean\n", v)
			return errUsage
		}
		group = b
	}
	if v, ok := env("REMAP_EXIT"); ok {
		if err := remap.Set(v); err != nil {
			textf.Fprintf(stderr, "gosinit: GOSINIT_REMAP_EXIT: %v\n", err)
			return errUsage
		}
	}
	if v, ok := env("GRACE"); ok {
		d, err := parseDuration(v)
		if err != nil {
			textf.Fprintf(stderr, "gosinit: GOSINIT_GRACE: %v\n", err)
			return errUsage
		}
		grace = d
	}
	if v, ok := env("STATUS_FILE"); ok {
		statusFile = v
	}
	if v, ok := env("WAIT"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			textf.Fprintf(stderr, "gosinit: GOSINIT_WAIT=%q is not a boolean\n", v)
			return errUsage
		}
		wait = b
	}
	if v, ok := env("PIN_CPU"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			textf.Fprintf(stderr, "gosinit: GOSINIT_PIN_CPU=%q is not a boolean\n", v)
			return errUsage
		}
		pinCPU = b
	}
	if v, ok := env("LOGLEVEL"); ok {
		if _, err := config.ParseLevel(v); err != nil && v != "" {
			textf.Fprintf(stderr, "gosinit: GOSINIT_LOGLEVEL: %v\n", err)
			return errUsage
		}
		loglevel = v
	}
	if err := tf.fromEnv(env, &group); err != nil {
		textf.Fprintf(stderr, "gosinit: %v\n", err)
		return errUsage
	}
	fs.StringVar(&cfgPath, "c")
	fs.StringVar(&cfgPath, "config")
	fs.BoolVar(&group, "g")
	fs.BoolVar(&group, "group")
	fs.BoolVar(&pinCPU, "pin-cpu")
	// -e is tini's exit code remap and supervisord's --loglevel: a level
	// name is a level, anything else an exit code.
	fs.Func("e", func(v string) error {
		if _, err := config.ParseLevel(v); err == nil {
			loglevel = v
			return nil
		}
		return remap.Set(v)
	})
	// supervisord's own flags, so that `supervisord -n -c FILE` becomes
	// `gosinit -n -c FILE` in a Dockerfile or a unit: each sets its
	// [supervisord] key over the file's value, as it does in supervisord.
	var overrides []config.Override
	var showVersion bool
	for _, f := range config.SupervisordFlags {
		set := func(v string) error {
			overrides = append(overrides, config.Override{Key: f.Key, Value: v, Flag: "-" + f.Names[0]})
			return nil
		}
		for _, name := range f.Names {
			if f.IsBool {
				fs.BoolFunc(name, set)
			} else {
				fs.Func(name, set)
			}
		}
	}
	fs.StringVar(&cfgPath, "configuration")
	// -v is the version (gosinit's and supervisord's meaning), or, before
	// a COMMAND, tini's verbosity.
	fs.BoolFunc("v", func(v string) error {
		if b, _ := strconv.ParseBool(v); b {
			tf.verbose++
		}
		return nil
	})
	fs.defs["verbose"] = fs.defs["v"] // dumb-init's
	fs.BoolVar(&showVersion, "version")
	fs.BoolVar(&showVersion, "V") // dumb-init's
	tf.define(fs, &group)
	fs.Func("grace", func(s string) error {
		d, err := parseDuration(s)
		grace = d
		return err
	})
	fs.StringVar(&statusFile, "status-file")
	fs.BoolVar(&wait, "wait")
	fs.StringVar(&loglevel, "loglevel")
	fs.BoolVar(&help, "h")
	fs.BoolVar(&help, "help")
	if err := fs.Parse(args); err != nil {
		// One line, as tini's: the usage would bury it.
		textf.Fprintf(stderr, "gosinit: %v (gosinit --help lists the flags)\n", err)
		return errUsage
	}
	if help {
		usage(stdout)
		return nil
	}
	command := fs.Args()
	if showVersion || (tf.verbose > 0 && len(command) == 0) {
		io.WriteString(stdout, "gosinit "+versionString()+"\n")
		return nil
	}
	// -v before a COMMAND raises the level over the file's too;
	// TINI_VERBOSITY only without a configuration.
	if loglevel == "" && (cfgPath == "" || tf.verbose > 0) {
		loglevel = tf.level()
	}
	if cfgPath == "" && len(command) == 0 {
		// Like supervisord with no -c: the first existing file of its
		// search path. Not after a "--" that ends the words: that
		// promised a COMMAND (ENTRYPOINT ["gosinit", "--"] and no CMD).
		if len(args) > 0 && args[len(args)-1] == "--" {
			io.WriteString(stderr, "gosinit: nothing to run: no COMMAND after --\n")
			return errUsage
		}
		p, err := config.Find(os.Environ())
		if err != nil {
			textf.Fprintf(stderr, "gosinit: nothing to run: give a COMMAND or -c FILE (%v)\n", err)
			return errUsage
		}
		cfgPath = p
	}
	var level config.Level
	if loglevel != "" {
		l, err := config.ParseLevel(loglevel)
		if err != nil {
			textf.Fprintf(stderr, "gosinit: --loglevel: %v\n", err)
			return errUsage
		}
		level = l
	}

	tf.parentDeath(stderr)
	opts := proc.Options{
		Command:    command,
		Group:      group,
		Rewrite:    tf.rewrite,
		WarnOnReap: tf.warnReap,
		RemapExit:  remap,
		Grace:      grace,
		StatusFile: statusFile,
		Wait:       wait,
		PinCPU:     pinCPU,
		Level:      level,
		Signals:    sigs,
		Stderr:     os.Stderr,
		Stdout:     os.Stdout,
	}
	if cfgPath == "" {
		for _, o := range overrides {
			// -n means nothing to gosinit, and -s is also tini's
			// --subreaper, which gosinit always is when not PID 1.
			if o.Key != "nodaemon" && o.Key != "silent" {
				textf.Fprintf(stderr, "gosinit: %s: ignored: it sets [supervisord] %s, and there is no configuration (-c)\n", o.Flag, o.Key)
			}
		}
	}
	if cfgPath != "" {
		cenv := config.Env{Environ: os.Environ(), Overrides: overrides}
		cenv.Hostname, _ = os.Hostname()
		cfg, err := config.Load(cfgPath, cenv)
		if err != nil {
			// The warnings too, as check prints them: an unknown key
			// is often the cause (comand= leaves command missing).
			if cfg != nil {
				printDiags(stderr, "warning: ", cfg.Warnings)
			}
			return err
		}
		if herrs := config.Errors(cfg.CheckHost()); len(herrs) > 0 {
			return herrs
		}
		opts.Config = cfg
		opts.ConfigPath = cfgPath
		opts.ConfigEnv = cenv
	}
	return proc.Run(opts)
}

// parseDuration accepts Go durations ("3s", "500ms", "1m30s") and plain
// seconds ("3", "0.5"), which get an "s". It reads them as
// time.ParseDuration does, without a sign (TestParseDurationAsGo compares
// them); ParseDuration and its error quoting would cost the binary 3.5 kB,
// strconv.ParseFloat 30 kB.
func parseDuration(s string) (time.Duration, error) {
	if plainDecimal(s) {
		s += "s"
	}
	bad := textf.Errorf("%q is not a duration (e.g. 3s, 500ms)", s)
	if s == "" {
		return 0, bad
	}
	if s[0] == '-' {
		if _, err := parseDuration(s[1:]); err == nil {
			return 0, textf.Errorf("%q: a duration cannot be negative", s)
		}
	}
	var d uint64
	for rest := s; rest != ""; {
		// [0-9]*(\.[0-9]*)? then a unit
		var whole, frac uint64
		scale, i, digits, fracFull := 1.0, 0, 0, false
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			if whole > 1<<63/10 {
				return 0, bad
			}
			if whole, digits = whole*10+uint64(rest[i]-'0'), digits+1; whole > 1<<63 {
				return 0, bad
			}
		}
		if i < len(rest) && rest[i] == '.' {
			for i++; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
				digits++
				// once full, further digits change nothing, as in Go
				if fracFull = fracFull || frac > (1<<63-1)/10 || frac*10+uint64(rest[i]-'0') > 1<<63; !fracFull {
					frac, scale = frac*10+uint64(rest[i]-'0'), scale*10
				}
			}
		}
		j := i
		for j < len(rest) && rest[j] != '.' && (rest[j] < '0' || rest[j] > '9') {
			j++
		}
		var unit uint64
		switch rest[i:j] {
		case "ns":
			unit = 1
		case "us", "\u00b5s", "\u03bcs":
			unit = 1e3
		case "ms":
			unit = 1e6
		case "s":
			unit = 1e9
		case "m":
			unit = 60e9
		case "h":
			unit = 3600e9
		}
		if digits == 0 || unit == 0 || whole > 1<<63/unit {
			return 0, bad
		}
		v := whole*unit + uint64(float64(frac)*(float64(unit)/scale))
		if d += v; v > 1<<63 || d > 1<<63 {
			return 0, bad
		}
		rest = rest[j:]
	}
	if d > 1<<63-1 {
		return 0, bad
	}
	return time.Duration(d), nil
}

// plainDecimal reports whether s is digits with at most one '.' among
// them: a number of seconds.
func plainDecimal(s string) bool {
	digits, dots := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
			digits++
		case s[i] == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}
