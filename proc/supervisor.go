// Package proc is the only package that starts, signals or tracks
// processes. One goroutine, the owner loop of Supervisor.run, owns all of it:
// it alone reaps (wait4), spawns, sends signals, changes states and writes
// the status file. Everything else (the signal channel, timers, log copiers)
// only sends it events. The loop sleeps in a select until one arrives: no
// polling, no ticker, no sleep; an idle gosinit makes no wake-ups of its own.
//
// Life has two phases, as in catatonit: before the first child starts, an
// error returns to main, which exits; once children run, nothing may kill
// PID 1 (its death SIGKILLs the whole container), so errors are logged and
// survived, and Run returns only when every child is gone.
package proc

import (
	"cmp"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/internal/textf"

	"github.com/gosinit/gosinit/internal/dirs"
)

// Options configure Run.
type Options struct {
	// Command is the main program (tini-style), or nil.
	Command []string
	// Group forwards signals to the main program's process group (else to
	// its pid only).
	Group bool
	// Rewrite maps a signal gosinit passes on to the main program to the
	// one it sends instead, 0 for none (dumb-init's --rewrite). It applies
	// to every signal gosinit sends the main program but the final
	// SIGKILL, its own shutdown's SIGTERM included.
	Rewrite map[unix.Signal]unix.Signal
	// WarnOnReap logs each orphan reaped without a configuration (tini's
	// -w); with one, supervisord's "reaped unknown pid" line is logged.
	WarnOnReap bool
	// RemapExit are exit codes of the main program reported as 0.
	RemapExit []int
	// Grace is how long leftovers get between SIGTERM and SIGKILL once the
	// main program (or every program) has exited.
	Grace time.Duration
	// StatusFile overrides the status file's path.
	StatusFile string
	// Wait starts Command only once every autostart program is RUNNING.
	Wait bool
	// PinCPU keeps gosinit's own threads on one CPU (affinity.go); its
	// programs get every CPU it was given.
	PinCPU bool
	// Level overrides the activity log level (0: the config's, or warn
	// without a config).
	Level config.Level

	// Config, with the path and environment it was loaded from (for
	// reloads), or nil for a main program alone.
	Config     *config.Config
	ConfigPath string
	ConfigEnv  config.Env

	// Signals is the channel main passed to signal.Notify with
	// CaughtSignals.
	Signals <-chan os.Signal
	Stdout  *os.File
	Stderr  *os.File
}

// StartError is a main program that could not be started: Code is 127
// (not found) or 126 (not executable), as a shell reports them.
type StartError struct {
	_ [0]func() // incomparable: see ProcessStatus

	Code    int
	Command string
	Err     error
}

func (e *StartError) Error() string {
	return textf.Sprintf("start %q: %v", e.Command, e.Err)
}

func (e *StartError) Unwrap() error { return e.Err }

// Exit is how Run reports gosinit's exit status once everything is over.
type Exit struct{ Code int }

func (e *Exit) Error() string { return "exit status " + itoa(e.Code) }

// process is one running instance of a program, owned by the loop.
type process struct {
	_ [0]func() // incomparable: see ProcessStatus

	cfg *config.Process
	m   machine
	pid int

	timer *time.Timer
	gen   int // bumped whenever the timer changes; stale timer events are dropped

	spawnerr   string
	start      time.Time
	stop       time.Time
	exitstatus int
	lastCode   int // the shell's view of the last exit (128+N for signals); 1 after a spawn failure
	restarts   int
	gaveUp     bool

	out *streams // the process's output, set up once

	// openPipes counts this process's output pipes not yet drained, of
	// every spawn (its log files are released once none is left);
	// spawnPipes those of the current spawn, the spawns-th.
	// An exit is reported only once the spawn's are drained (or after
	// drainWait), so the program's last lines are written before its
	// "exited:" line and before gosinit moves on; a pipe an earlier spawn's
	// daemonized child still holds does not hold up every later exit.
	openPipes   int
	spawnPipes  int
	spawns      int
	pendingExit *facts

	// removed: a reload dropped or changed its group; it is stopped and
	// then forgotten: dropped from procs, its log files released once its
	// output is drained.
	removed   bool
	forgotten bool

	// order is the priority the process stops by: its group's, as
	// supervisord stops group after group (a [group:x]'s priority=, a
	// listener pool's, a lone program's own), all of a group at once.
	order int
	// listener is an event listener's protocol state (listener.go), nil
	// for a program.
	listener *listenerConn
}

// loopEvent is what other goroutines send the owner loop.
type loopEvent struct {
	kind    loopEventKind
	p       *process
	gen     int
	ev      event
	pending *facts // leDrainWait: the exit it was armed for
	data    []byte // leListenerOut: a chunk of a listener's stdout
	when    int64  // leTick: the time slice the tick starts
}

type loopEventKind int

const (
	leProcess         loopEventKind = iota // a process timer fired
	leSweep                                // the grace period of the final sweep is over
	leDrained                              // a copier reached EOF
	leDrainWait                            // a process's output did not drain in time after its exit
	leListenerOut                          // an event listener wrote to its stdout (gen: its spawn)
	leListenerWritten                      // an event that did not fit the listener's stdin is written
	leTick                                 // a TICK_ period began (gen: its index, when)
	leProcessLog                           // a program with *_events_enabled wrote (gen: 0 stdout, 1 stderr)
	leWaiting                              // 3 s of a shutdown: say again what it waits for
	leMainKill                             // --grace after an essential program ended it: the main program is SIGKILLed
	leStatusRetry                          // write the status file again: the last write failed
)

// Supervisor is the owner loop's state. Only the loop touches it.
type Supervisor struct {
	opts   Options
	cfg    *config.Config
	log    *logger
	events chan loopEvent
	pid1   bool
	now    func() time.Time

	procs []*process
	byPid map[int]*process

	// the main program
	mainPid     int
	mainDone    bool
	mainCode    int
	mainStarted bool
	ttyPgrp     int // the terminal's foreground group before the main program took it

	stdinR, stdinW *os.File // programs' stdin: open, never delivers data
	devNull        *os.File
	baseEnv        []string

	statusPath string
	pidfile    string // the pidfile written, removed at exit
	status     Status
	statusBuf  []byte // the status file's last JSON, reused
	dirty      bool
	dirtyAt    time.Time // when dirty last became true
	reapMore   bool      // children may wait to be reaped (a SIGCHLD, or a reap stopped at reapBatch)
	starting   bool      // autostart programs are being started, a batch per turn of the loop
	toStart    []*process
	begun      bool // the start's programs are all started (the main program may follow)
	generation int
	started    time.Time

	shutdown  bool
	exitCode  int
	sweeping  bool
	sweepDone bool
	killed    bool // the sweep's SIGKILL was sent
	childless bool // the sweep found no child left

	reloading      bool              // stops for a reload are pending
	reloadAgain    bool              // another SIGHUP came while reloading
	holdStep       bool              // removeGroup is feeding: its caller steps the stop
	pendingAdd     []*config.Process // started once the reload's stops are done
	pidfileInPlace bool              // the pidfile was written in place, not replaced
	changedOld     []*process        // a changed group's processes, stopped once the removed groups are gone
	changes        []string          // the reload's changes, supervisorctl update's words
	notify         *notifier
	readySent      bool
	settling       bool // settle once the loop has nothing to do
	openDrains     int
	outputs        *outputs
	errLog, outLog *stdLog // gosinit's log into its stderr, stdout (stdlog.go)
	lastStatusErr  string
	statusRetry    time.Duration // the delay of the last retry of a failed status write
	statusRetrying bool          // a retry is armed
	ownSigpipes    int           // SIGPIPEs the loop's own writes raised, not yet received
	lastNotify     string

	// event listeners (listener.go)
	pools       []*pool // in group order
	eventSerial int     // the last event serial given
	// deaf: how many pools (the last ones) get no events yet. supervisord
	// makes each pool, which subscribes it, just before it announces the
	// pool's group: at start a pool hears of its own group and of those
	// after it, not of those before.
	deaf          int
	listenerSeq   int // spawns of listeners, to tell their output apart
	tickArmed     [len(tickPeriods)]bool
	reloadRemoved []string // groups a reload removes: PROCESS_GROUP_REMOVED once gone
	reloadChanged []string // groups a reload changes: REMOVED and ADDED once they are back
	reloadAdded   []string // groups a reload adds: PROCESS_GROUP_ADDED once in

	sockets map[string]*fcgiSocket // fcgi-program sockets by URL (fcgi.go)
}

// Run runs the main program and/or the configuration's programs until
// everything has exited, and returns an *Exit with gosinit's exit status,
// or an error before anything was started.
func Run(opts Options) error {
	s := &Supervisor{
		opts:    opts,
		cfg:     opts.Config.Runnable(),
		events:  make(chan loopEvent, 256),
		pid1:    os.Getpid() == 1,
		now:     time.Now,
		byPid:   map[int]*process{},
		started: time.Now(),
	}
	if s.opts.Stdout == nil {
		s.opts.Stdout = os.Stdout
	}
	if s.opts.Stderr == nil {
		s.opts.Stderr = os.Stderr
	}
	level := opts.Level
	if level == 0 {
		level = config.LevelWarn
		if s.cfg != nil {
			level = s.cfg.Supervisord.Loglevel
		}
	}
	s.errLog = newStdLog(stdSink(s.opts.Stderr, s.warn))
	s.log = newLogger(level, s.errLog)
	// What is queued goes out before main writes an error of the start
	// (the end of the loop flushes it too).
	defer s.errLog.flush(time.Second)
	if !s.pid1 {
		if err := becomeSubreaper(); err != nil {
			s.log.warnf("cannot become a child subreaper: %v; orphans of this tree will not be reaped by gosinit", err)
		}
	}
	resetInherited()
	if opts.PinCPU {
		pinToOneCPU()
	}
	s.baseEnv = childEnviron(os.Environ())
	s.notify = newNotifier(os.Environ())

	if err := s.prepare(); err != nil {
		return err
	}
	if err := s.begin(); err != nil {
		s.removePidfile()
		return err
	}
	s.loop()
	return &Exit{Code: s.exitCode}
}

// prepare does what may still fail before any child runs.
func (s *Supervisor) prepare() error {
	if s.cfg == nil {
		if s.opts.StatusFile != "" {
			s.statusPath = s.opts.StatusFile
			s.prepareStatusDir()
		}
		return nil
	}
	var err error
	if s.devNull, err = os.OpenFile(os.DevNull, os.O_RDWR|unix.O_CLOEXEC, 0); err != nil {
		return err
	}
	if s.stdinR, s.stdinW, err = os.Pipe(); err != nil {
		return err
	}
	// Programs get no inherited descriptor above 2 (supervisord closes
	// 3..minfds); everything gosinit opens itself is close-on-exec already.
	_ = unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	s.raiseLimits()
	s.statusPath = s.opts.StatusFile
	if s.statusPath == "" {
		s.statusPath = s.cfg.Gosinit.StatusFile
	}
	if s.statusPath == "" {
		s.statusPath = DefaultStatusFile
	}
	u, err := s.configUser()
	if err != nil {
		return err
	}
	dropped, err := s.dropPrivileges(u)
	if err != nil {
		return err
	}
	if s.outputs, err = newOutputs(s); err != nil {
		return err
	}
	if err := s.setupActivityLog(); err != nil {
		return err
	}
	if dropped {
		s.log.infof("Set uid to user %d succeeded", u.Uid)
	}
	for _, w := range s.cfg.Warnings {
		s.log.warnf("%s", w.String())
	}
	if err := s.openSockets(); err != nil {
		s.closeIdleSockets(true)
		return err
	}
	s.writePidfile()
	s.prepareStatusDir()
	s.eventSerial = -1
	s.pools = newPools(s.cfg, nil, nil)
	for _, pc := range s.cfg.Processes() {
		s.procs = append(s.procs, s.newProcess(pc))
	}
	return nil
}

// newProcess makes the loop's record of a process of the configuration.
// Not inlined: its inlined copies cost text (issue 2's size).
//
//go:noinline
func (s *Supervisor) newProcess(c *config.Process) *process {
	p := &process{cfg: c, order: c.Priority}
	for _, g := range s.cfg.Groups {
		if g.Name == c.Group {
			p.order = g.Priority
		}
	}
	return p
}

// prepareStatusDir makes the status file's directory, falling back to the
// per-user path when /run is not writable.
func (s *Supervisor) prepareStatusDir() {
	dir := dirOf(s.statusPath)
	if err := os.MkdirAll(dir, 0o755); err == nil && access(dir, unix.W_OK) == nil {
		return
	}
	where := s.statusPath
	if s.opts.StatusFile == "" && (s.cfg == nil || s.cfg.Gosinit.StatusFile == "") {
		fb := FallbackStatusFile()
		where += " or " + fb
		fbDir := dirOf(fb)
		os.MkdirAll(fbDir, 0o755)
		// A per-user path in /tmp is predictable: a directory another
		// user made (or a link) there would let them forge the status.
		var st unix.Stat_t
		if err := unix.Lstat(fbDir, &st); err == nil {
			if st.Mode&unix.S_IFMT == unix.S_IFDIR && st.Uid == uint32(os.Geteuid()) && st.Mode&0o022 == 0 {
				s.statusPath = fb
				return
			}
			s.log.warnf("status file %s: its directory is not gosinit's own (uid %d, mode %o), not used: gosinit status will not work"+statusHint, fb, st.Uid, st.Mode&0o7777)
			s.statusPath = ""
			return
		}
	}
	s.log.warnf("status file: cannot write the directory of %s: gosinit status will not work"+statusHint, where)
	s.statusPath = ""
}

// statusHint ends the warnings that there is no status file: what to do.
const statusHint = "; give it and gosinit status --status-file (or GOSINIT_STATUS_FILE) in a directory of this user's"

// notifyCounts tells systemd (when NOTIFY_SOCKET is set) how many
// processes are in which state, as a STATUS= line, when it changes.
func (s *Supervisor) notifyCounts(st *Status) {
	if s.notify == nil {
		return
	}
	counts := map[State]int{}
	for i := range st.Processes {
		counts[st.Processes[i].State]++
	}
	var parts []string
	for _, state := range []State{Running, Starting, Backoff, Stopping, Exited, Fatal, Stopped, Unknown} {
		if n := counts[state]; n > 0 {
			parts = append(parts, itoa(n)+" "+strings.ToLower(state.String()))
		}
	}
	msg := strings.Join(parts, ", ")
	if msg == s.lastNotify {
		return
	}
	s.lastNotify = msg
	if err := s.notify.Status(msg); err != nil {
		s.log.warnf("systemd notify: %v", err)
	}
}

// dirOf is the directory part of p, without filepath.Clean. Not inlined (issue
// 2).
//
//go:noinline
func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	if strings.HasPrefix(p, "/") {
		return "/"
	}
	return "."
}

// raiseLimits raises RLIMIT_NOFILE and RLIMIT_NPROC soft limits to minfds
// and minprocs as far as the hard limits allow, for gosinit and the
// programs it starts; containers often cannot raise hard limits, so
// falling short is a warning, not an error.
func (s *Supervisor) raiseLimits() {
	for _, l := range []struct {
		res  int
		want uint64
		name string
	}{
		{unix.RLIMIT_NOFILE, s.cfg.Supervisord.Minfds, "minfds"},
		{unix.RLIMIT_NPROC, s.cfg.Supervisord.Minprocs, "minprocs"},
	} {
		var r unix.Rlimit
		if unix.Getrlimit(l.res, &r) != nil {
			continue
		}
		// The Go runtime raised its own soft NOFILE to hard-1 and gives
		// children the one gosinit started with: a minfds above
		// supervisord's default (1024) is set here, so that the programs
		// get it, as supervisord's do.
		if l.res == unix.RLIMIT_NOFILE && r.Cur == r.Max-1 && l.want > 1024 {
			r.Cur = 0
		}
		if r.Cur >= l.want {
			continue
		}
		if r.Max < l.want {
			try := r
			try.Cur, try.Max = l.want, l.want
			if unix.Setrlimit(l.res, &try) == nil {
				continue
			}
		}
		r.Cur = min(l.want, r.Max)
		_ = unix.Setrlimit(l.res, &r)
		if r.Cur < l.want {
			s.log.warnf("%s=%d asked, but the hard limit is %d: raised the soft limit to %d", l.name, l.want, r.Max, r.Cur)
		}
	}
}

// begin starts the autostart programs and the main program.
func (s *Supervisor) begin() error {
	// Without a configuration the level is warn unless -v asks for more.
	s.log.infof("gosinit started with pid %d", os.Getpid())
	// A main program alone starts first: its failure to start is gosinit's
	// failure to start (127/126), and nothing else runs yet.
	if s.cfg == nil {
		if err := s.startMain(); err != nil {
			return err
		}
		s.readySent = true
		if err := s.notify.Ready(); err != nil {
			s.log.warnf("systemd notify: %v", err)
		}
		s.markDirty()
		s.settling = true
		return nil
	}
	s.deaf = len(s.pools)
	for _, g := range s.cfg.Groups {
		if g.Kind == "eventlistener" { // its pool, as newPools makes them
			s.deaf--
		}
		s.emit("PROCESS_GROUP_ADDED", "groupname:"+g.Name+"\n")
	}
	s.emit("SUPERVISOR_STATE_CHANGE_RUNNING", "")
	s.armTicks()
	for _, p := range s.procs {
		if p.cfg.Autostart {
			s.toStart = append(s.toStart, p)
		}
	}
	s.starting = true
	s.markDirty()
	s.startSome()
	return nil
}

// startSome starts the next autostart programs (of the start, or added
// by a reload), in order, a batch at most (reapBatch), fewer when a
// signal waits or the status file falls due; the loop calls it again
// until all are started. Hundreds of programs on a starved CPU (a
// cgroup's quota) take seconds to fork and exec: in one go, no exit was
// reaped, no status written and docker stop's SIGTERM not seen until the
// last was spawned. A program that shutdown, or a reload's removal,
// overtakes is not started (evStart does nothing then). Once the start's
// last is spawned, the main program follows (without --wait), and the
// start is over.
func (s *Supervisor) startSome() {
	if s.shutdown {
		clear(s.toStart)
		s.toStart = s.toStart[:0]
	}
	for n := 0; len(s.toStart) > 0 && n < reapBatch && (n == 0 || !s.yieldBatch()); n++ {
		p := s.toStart[0]
		s.toStart[0] = nil
		s.toStart = s.toStart[1:]
		s.feed(p, evStart, facts{})
	}
	if len(s.toStart) > 0 {
		return
	}
	s.toStart, s.starting = nil, false
	s.markDirty()
	if s.begun {
		return
	}
	s.begun = true
	if len(s.opts.Command) > 0 && !s.opts.Wait {
		s.startMainBeside()
	}
	s.outputs.started()
	s.closeIdleSockets(false) // of fcgi-programs that do not autostart
	s.checkReady()
}

// idleWork is what the loop does once nothing is pending: the status
// file, and the settle after a start or a reload. It runs inside survive,
// as every event's handling does: PID 1 must not die of it.
func (s *Supervisor) idleWork() {
	if s.dirty {
		s.writeStatus()
	}
	if s.settling {
		s.settling = false
		s.settle()
	}
}

// loop is the owner loop. It returns when everything is over.
func (s *Supervisor) loop() {
	for !s.sweepDone {
		if !s.reapMore && !s.starting && len(s.events) == 0 && len(s.opts.Signals) == 0 {
			s.survive(s.idleWork)
		} else if s.dirty && time.Since(s.dirtyAt) >= statusLag {
			// Events keep coming faster than they are handled (hundreds
			// of programs crash-looping on a CPU quota): the status file
			// is written anyway, at most every statusLag, rather than
			// never.
			s.survive(s.writeStatus)
		}
		if s.reapMore || s.starting {
			// Exits wait (a SIGCHLD only says so), or programs wait to
			// be started. First every signal waiting, each cheap, and
			// the events waiting, up to a batch; then a batch of exits,
			// then of starts; a signal, or the status file falling due,
			// ends each. Exits that come as fast as they are reaped
			// (hundreds of programs crash-looping on a starved CPU), or
			// a start of hundreds, so never starve docker stop's
			// SIGTERM, a timer or the status file.
			for len(s.opts.Signals) > 0 {
				sig := <-s.opts.Signals
				s.survive(func() { s.onSignal(sig.(unix.Signal)) })
			}
			for n := 0; n < reapBatch && len(s.events) > 0 && !s.yieldBatch(); n++ {
				e := <-s.events
				s.survive(func() { s.onEvent(e) })
			}
			if s.reapMore {
				s.survive(s.reap)
			}
			if s.starting {
				s.survive(s.startSome)
			}
			continue
		}
		select {
		case sig := <-s.opts.Signals:
			s.survive(func() { s.onSignal(sig.(unix.Signal)) })
		case e := <-s.events:
			s.survive(func() { s.onEvent(e) })
		}
	}
	s.survive(s.idleWork) // the last status
	if s.ttyPgrp != 0 {
		// The terminal goes back to the group that had it (a shell
		// script that runs gosinit and then reads the terminal), unless
		// something else has taken it since. SIGTTOU is ignored.
		if fg, err := unix.IoctlGetInt(0, unix.TIOCGPGRP); err == nil && fg == s.mainPid {
			unix.IoctlSetPointerInt(0, unix.TIOCSPGRP, s.ttyPgrp)
		}
	}
	s.closeIdleSockets(true)
	if s.outputs != nil {
		s.outputs.close()
	}
	s.removePidfile()
	// The last lines, unless nobody reads them.
	s.errLog.flush(time.Second)
	s.outLog.flush(time.Second)
}

// warn logs msg as a warning: a log file's report of its own health.
func (s *Supervisor) warn(msg string) { s.log.warnf("%s", msg) }

func (s *Supervisor) markDirty() {
	if !s.dirty {
		s.dirty = true
		s.dirtyAt = time.Now()
	}
}

// statusLag is how long a change may wait for the status file while the
// loop never runs dry.
const statusLag = 250 * time.Millisecond

// settle hands the memory of a burst back to the kernel once the start (or
// a reload) is over and the loop has nothing left to do: the garbage of
// reading the config and starting every program is collected, goroutine
// stacks that grew during the burst shrink, and the freed pages are
// returned, so an idle gosinit keeps only what it uses. It costs one
// garbage collection (a few ms on the loop), once per start or reload,
// never on a timer. With a main command and no config there is no such
// garbage, and the collection would cost more (its own metadata, about
// 250 kB) than it returns, so only the code pages go. Then the pages of
// code the start ran are unmapped (pages.go).
func (s *Supervisor) settle() {
	if s.cfg != nil {
		debug.FreeOSMemory()
	}
	if _, err := dropCodePages(); err != nil {
		s.log.debugf("unmapping the start's code pages: %v", err)
	}
}

// survive runs one event's handling; a bug that panics there is logged
// and survived, because PID 1's death SIGKILLs the whole container. The
// state may be off for the process concerned; everything else runs on.
func (s *Supervisor) survive(handle func()) {
	defer func() {
		if r := recover(); r != nil {
			s.log.critf("internal error (survived): %v\n%s", r, debug.Stack())
		}
	}()
	handle()
}

// yieldBatch says work done in batches should stop for what cannot wait:
// a signal, or the status file, due since statusLag.
func (s *Supervisor) yieldBatch() bool {
	return len(s.opts.Signals) > 0 || s.dirty && time.Since(s.dirtyAt) >= statusLag
}

// onSignal routes one signal.
func (s *Supervisor) onSignal(sig unix.Signal) {
	if sig == unix.SIGCHLD {
		s.reapMore = true // the loop reaps, in batches
		return
	}
	if slices.Contains(faults[:], sig) {
		s.log.warnf("received %s: ignored (gosinit passes no fault signal on)", signalName(sig))
		return
	}
	if sig == unix.SIGPIPE && s.ownSigpipes > 0 {
		// All of them: the Go runtime hands SIGPIPEs raised before
		// the loop reads one to it as one.
		s.ownSigpipes = 0
		s.log.debugf("SIGPIPE from gosinit's own write to a closed pipe: not passed on")
		return
	}
	if sig == unix.SIGPIPE && s.ownSigpipe() {
		// Not logged: a log line into the stderr that raised it would
		// raise the next one, and so on (a loop at loglevel debug).
		return
	}
	if sig == unix.SIGXFSZ && s.ownSigxfsz() {
		// Not logged, as SIGPIPE: the line could go to the file at
		// the limit and raise the next one.
		return
	}
	mainAlive := s.mainPid != 0 && !s.mainDone
	if s.cfg == nil {
		// tini mode: everything goes to the main program.
		if mainAlive {
			s.forward(sig)
			return
		}
		if s.sweeping && (sig == unix.SIGTERM || sig == unix.SIGINT) {
			s.sweepKill()
		}
		return
	}
	switch sig {
	case unix.SIGHUP:
		if s.shutdown {
			s.log.warnf("ignored SIGHUP indicating restart request (shutdown in progress)")
			return
		}
		s.log.warnf("received SIGHUP indicating restart request")
		s.reload()
		return
	case unix.SIGUSR2:
		s.log.infof("received SIGUSR2 indicating log reopen request")
		s.log.infof("supervisord logreopen")
		s.outputs.reopen()
		return
	case unix.SIGTERM, unix.SIGINT, unix.SIGQUIT:
		if mainAlive {
			s.forward(sig)
			return
		}
		if s.shutdown {
			if _, tty := foregroundTTY(); sig != unix.SIGINT || !tty {
				// supervisord's answer: said, and the ordered stop goes on (a
				// second docker stop, or a docker restart during one, must
				// not kill a database without its stopsignal, whatever the
				// image's STOPSIGNAL). Only Ctrl-C again, at a terminal,
				// kills at once.
				s.log.warnf("received %s indicating exit request", signalName(sig))
				return
			}
			s.log.warnf("received SIGINT during shutdown: killing everything now")
			s.killAll()
			return
		}
		s.log.warnf("received %s indicating exit request", signalName(sig))
		s.beginShutdown(0)
		return
	}
	if mainAlive {
		s.forward(sig)
		return
	}
	s.log.debugf("received %s: ignored", signalName(sig))
}

// ownSigpipe tells a SIGPIPE that gosinit's own write raised (to an event
// listener that closed its stdin, to a stdout or stderr whose reader is
// gone) from one sent to gosinit: passed on, it would kill the main
// program. The loop's own writes count theirs (ownSigpipes); a pipe or
// socket that has lost its reader stays so, and poll says it: gosinit's
// stdout and stderr, the listeners' stdin pipes still open (written by a
// goroutine when an event did not fit), and log files that are FIFOs.
// gosinit's stdout and stderr count only when they are a pipe or a socket:
// a terminal that has hung up polls POLLHUP too, but a write there fails
// with EIO and raises nothing, so a SIGPIPE then is someone's kill.
func (s *Supervisor) ownSigpipe() bool {
	var fds []unix.PollFd
	var st unix.Stat_t
	for fd := int32(1); fd <= 2; fd++ {
		if unix.Fstat(int(fd), &st) == nil && (st.Mode&unix.S_IFMT == unix.S_IFIFO || st.Mode&unix.S_IFMT == unix.S_IFSOCK) {
			fds = append(fds, unix.PollFd{Fd: fd})
		}
	}
	for _, p := range s.procs {
		if l := p.listener; l != nil && l.stdin != nil && l.writing {
			fds = append(fds, unix.PollFd{Fd: int32(l.stdinFd)})
		}
	}
	if s.outputs != nil {
		for _, lf := range s.outputs.files {
			if fd := lf.fifo.Load(); fd > 0 {
				fds = append(fds, unix.PollFd{Fd: fd - 1})
			}
		}
	}
	if n, _ := unix.Poll(fds, 0); n > 0 {
		for _, f := range fds {
			if f.Revents&(unix.POLLERR|unix.POLLHUP) != 0 {
				return true
			}
		}
	}
	return false
}

// ownSigxfsz tells a SIGXFSZ that gosinit's own write raised, into a file
// at RLIMIT_FSIZE (`docker run --ulimit fsize=`): a log file, or gosinit's
// stdout or stderr when they are files. Passed on, it would kill the main
// program (its default action dumps core). The kernel raises it only for
// a write that starts at or past the limit, and the file stays there until
// it rotates, so a file at the limit says the signal was gosinit's own.
func (s *Supervisor) ownSigxfsz() bool {
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_FSIZE, &lim) != nil || lim.Cur == unix.RLIM_INFINITY {
		return false
	}
	fds := []int32{2, 3} // descriptor + 1
	if o := s.outputs; o != nil {
		for _, lf := range o.files {
			fds = append(fds, lf.regular.Load())
		}
		if o.activity != nil {
			fds = append(fds, o.activity.regular.Load())
		}
	}
	var st unix.Stat_t
	for _, fd := range fds {
		if fd > 0 && unix.Fstat(int(fd-1), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG && uint64(st.Size) >= lim.Cur {
			return true
		}
	}
	return false
}

// forward passes sig on to the main program (its process group by default).
func (s *Supervisor) forward(sig unix.Signal) {
	if to, ok := s.opts.Rewrite[sig]; ok {
		if to == 0 {
			s.log.debugf("%s not passed on: --rewrite drops it", signalName(sig))
			return
		}
		sig = to
	}
	target := s.mainPid
	if s.opts.Group {
		target = -s.mainPid
	}
	if err := unix.Kill(target, sig); err != nil && err != unix.ESRCH {
		s.log.warnf("forward %s to %d: %v", signalName(sig), target, err)
	} else if s.log.enabled(config.LevelDebug) {
		s.log.debugf("passed %s on to %d", signalName(sig), target)
	}
}

// onEvent handles an event from a timer or a copier.
func (s *Supervisor) onEvent(e loopEvent) {
	switch e.kind {
	case leProcess:
		if e.gen != e.p.gen {
			return // stale: the process moved on since this timer was armed
		}
		e.p.timer = nil
		s.feed(e.p, e.ev, facts{})
	case leSweep:
		if !s.killed {
			s.sweepKill()
		}
	case leWaiting:
		s.waitingReport()
	case leMainKill:
		if s.mainPid != 0 && !s.mainDone {
			s.log.warnf("main program still running %v after SIGTERM: SIGKILL", s.opts.Grace)
			_ = unix.Kill(-s.mainPid, unix.SIGKILL)
			_ = unix.Kill(s.mainPid, unix.SIGKILL)
		}
	case leDrained:
		s.openDrains--
		if e.p != nil {
			e.p.openPipes--
			if e.gen == e.p.spawns {
				e.p.spawnPipes--
			}
			if e.p.spawnPipes <= 0 {
				s.exitNow(e.p)
			}
			s.forget(e.p)
		}
		if s.sweeping {
			s.maybeFinish()
		}
	case leDrainWait:
		if e.p.pendingExit != nil && e.p.pendingExit == e.pending {
			s.log.warnf("%s: exited, but a process it started still holds its output: if it went into the background (daemonized), run it in the foreground", e.p.cfg.Name)
			s.exitNow(e.p)
		}
	case leListenerOut:
		s.listenerOut(e.p, e.gen, e.data)
	case leListenerWritten:
		if l := e.p.listener; l != nil && l.spawn == e.gen {
			l.writing = false
			s.dispatch(l.pool)
		}
	case leTick:
		s.onTick(e.gen, e.when)
	case leProcessLog:
		s.emitLog(e.p, e.gen, e.data)
	case leStatusRetry:
		s.statusRetrying = false
		s.markDirty()
	}
}

// feed runs one event through the transition function and carries out its
// actions. It is the only place where process states change.
func (s *Supervisor) feed(p *process, ev event, f facts) {
	f.now = s.now()
	f.shutdown = s.shutdown
	f.removed = p.removed
	wasLive := p.live()
	if f.pid == 0 {
		f.pid = p.pid
	}
	before := p.m.state
	next, acts, handled := transition(p.m, p.cfg, p.cfg.Name, ev, &f)
	if !handled {
		return
	}
	s.cancelTimer(p)
	p.m = next
	if p.m.state != before {
		s.markDirty()
	}
	// A spawn's outcome is fed back as the next event once this one's
	// actions are done.
	var follow event
	var followFacts facts
	spawned := false
	for _, a := range acts {
		switch a.kind {
		case actLog:
			s.log.logf(a.level, "%s", a.msg)
		case actTimer:
			s.armTimer(p, a.d, a.ev)
		case actSignal:
			s.signalProcess(p, sigOf(p.cfg.Stopsignal), p.cfg.Stopasgroup)
		case actKillSig:
			s.signalProcess(p, unix.SIGKILL, p.cfg.Killasgroup)
		case actSetSpawnerr:
			p.spawnerr = a.msg
			if a.msg != "" && !strings.HasPrefix(a.msg, "Exited too quickly") {
				p.lastCode = 1
			}
		case actSpawn:
			if !p.start.IsZero() {
				p.restarts++
			}
			spawned = true
			pid, err := s.spawn(p)
			if err != nil {
				follow, followFacts = evSpawnErr, facts{err: err.Error()}
				break
			}
			p.pid = pid
			p.start = s.now()
			s.byPid[pid] = p
			s.markDirty()
			follow, followFacts = evSpawned, facts{pid: pid}
		case actGaveUp:
			s.gaveUp(p)
		}
	}
	if p.m.state != before {
		s.stateEvents(p, before, &f)
		s.afterChange(p)
	} else if wasLive && p.cfg.Socket != nil && !p.live() {
		// An EXITED process's restart was called off: its socket may
		// be idle now.
		s.closeIdleSockets(false)
	}
	if spawned {
		s.feed(p, follow, followFacts)
	}
}

// stateEvents sends the PROCESS_STATE events of one transition. The
// machine takes two of supervisord's steps in one where nothing happens
// between them: STARTING -> BACKOFF -> FATAL when the last retry fails,
// and RUNNING -> EXITED -> STARTING for an immediate restart; listeners
// get both events, as from supervisord.
func (s *Supervisor) stateEvents(p *process, before State, f *facts) {
	if len(s.pools) == 0 {
		return
	}
	now := p.m.state
	switch {
	case before == Starting && now == Fatal:
		s.emitState(p, Starting, Backoff, p.m.backoff, f.pid, false)
		s.emitState(p, Backoff, Fatal, 0, 0, false)
	case before == Running && now == Starting:
		s.emitState(p, Running, Exited, 0, f.pid, f.expected)
		s.emitState(p, Exited, Starting, p.m.backoff, 0, false)
	default:
		s.emitState(p, before, now, p.m.backoff, f.pid, f.expected)
	}
	if l := p.listener; l != nil && now == Running {
		s.dispatch(l.pool)
	}
}

func (s *Supervisor) cancelTimer(p *process) {
	p.gen++
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
}

func (s *Supervisor) armTimer(p *process, d time.Duration, ev event) {
	gen := p.gen
	p.timer = time.AfterFunc(d, func() {
		s.events <- loopEvent{kind: leProcess, p: p, gen: gen, ev: ev}
	})
}

// signalProcess sends sig to p's pid, or to its process group.
func (s *Supervisor) signalProcess(p *process, sig unix.Signal, group bool) {
	if p.pid == 0 {
		return
	}
	target := p.pid
	if group {
		target = -p.pid
	}
	if err := unix.Kill(target, sig); err != nil && err != unix.ESRCH {
		s.log.critf("unknown problem killing %s (%d):%v", p.cfg.Name, p.pid, err)
	}
}

// gaveUp: p will not run again by itself. An essential program takes
// gosinit down with it.
func (s *Supervisor) gaveUp(p *process) {
	p.gaveUp = true
	if s.shutdown || p.removed || !p.cfg.Essential {
		return
	}
	code := p.lastCode
	s.log.warnf("essential program %s stopped for good (%s): shutting down with exit status %d", p.cfg.Name, p.m.state, code)
	s.beginShutdown(code)
	if s.mainPid != 0 && !s.mainDone {
		// Nothing outside bounds this shutdown: a main program that
		// ignores (or is slow to obey) its SIGTERM gets --grace.
		time.AfterFunc(s.opts.Grace, func() { s.events <- loopEvent{kind: leMainKill} })
	}
}

// afterChange runs after any state change: readiness, --wait, the next
// shutdown level.
func (s *Supervisor) afterChange(p *process) {
	if p.cfg.Socket != nil && !p.live() {
		s.closeIdleSockets(false)
	}
	if p.m.state == Fatal && s.opts.Wait && !s.mainStarted && !s.shutdown && p.cfg.Autostart {
		s.log.errorf("%s entered FATAL before the main program started (--wait): shutting down", p.cfg.Name)
		s.beginShutdown(1)
		return
	}
	s.checkReady()
	if s.shutdown || s.reloading && !s.holdStep {
		s.stepStop()
	}
}

// checkReady starts the waiting main program and tells systemd READY=1
// once every autostart program is RUNNING.
func (s *Supervisor) checkReady() {
	if s.shutdown || (s.readySent && (s.mainStarted || len(s.opts.Command) == 0)) {
		return
	}
	for _, p := range s.procs {
		if p.cfg.Autostart && p.m.state != Running && !p.gaveUp {
			return
		}
	}
	if len(s.opts.Command) > 0 && !s.mainStarted {
		s.startMainBeside()
	}
	if !s.readySent {
		s.readySent = true
		if err := s.notify.Ready(); err != nil {
			s.log.warnf("systemd notify: %v", err)
		}
		s.settling = true
	}
}

// reap collects every exited child and routes each exit.
func (s *Supervisor) reap() {
	none, more := reapSome(func(pid int, ws unix.WaitStatus) {
		if pid == s.mainPid && !s.mainDone {
			s.mainExited(ws)
			return
		}
		p := s.byPid[pid]
		if p == nil { // an orphan re-parented to gosinit
			if s.cfg != nil {
				s.log.infof("reaped unknown pid %d (%s)", pid, describeExit(ws))
			} else if s.opts.WarnOnReap {
				s.log.warnf("reaped zombie pid %d (%s)", pid, describeExit(ws))
			} else if s.log.enabled(config.LevelDebug) {
				s.log.debugf("reaped pid %d (%s)", pid, describeExit(ws))
			}
			return
		}
		delete(s.byPid, pid)
		p.pid = 0
		p.stop = s.now()
		p.exitstatus = ws.ExitStatus()
		if ws.Signaled() {
			p.exitstatus = -1
		}
		p.lastCode = exitCode(ws)
		s.markDirty()
		pending := &facts{pid: pid, exitDesc: describeExit(ws), expected: expected(p.cfg, ws)}
		p.pendingExit = pending
		// During shutdown nothing waits on this exit's order in the log,
		// and every pipe is drained before gosinit exits anyway: a stop is
		// not held up by a grandchild that keeps the pipe open.
		if p.spawnPipes > 0 && !s.shutdown {
			time.AfterFunc(drainWait, func() { s.events <- loopEvent{kind: leDrainWait, p: p, pending: pending} })
			return
		}
		s.exitNow(p)
	}, s.yieldBatch)
	s.reapMore = more
	if s.sweeping {
		// Nothing is spawned during the sweep: once the kernel says no
		// child is left, none will come.
		s.childless = s.childless || none
		s.maybeFinish()
	}
}

// drainWait bounds how long an exit waits for its output pipes: a
// daemonized grandchild may hold them open for ever.
const drainWait = 500 * time.Millisecond

// exitNow feeds a process's pending exit to the state machine.
func (s *Supervisor) exitNow(p *process) {
	f := p.pendingExit
	if f == nil {
		return
	}
	p.pendingExit = nil
	s.listenerGone(p)
	s.feed(p, evExit, *f)
}

// expected: the exit status is one of exitcodes; a signal never is.
func expected(p *config.Process, ws unix.WaitStatus) bool {
	if !ws.Exited() {
		return false
	}
	for _, c := range p.Exitcodes {
		if c == ws.ExitStatus() {
			return true
		}
	}
	return false
}

// mainExited: the main program is gone. Everything else stops, and
// gosinit exits with its status.
func (s *Supervisor) mainExited(ws unix.WaitStatus) {
	s.mainDone = true
	code := exitCode(ws)
	for _, c := range s.opts.RemapExit {
		if c == code {
			code = 0
		}
	}
	s.mainCode = code
	s.log.infof("main program exited (%s)", describeExit(ws))
	if s.shutdown {
		// An essential program began the shutdown; it waited for this.
		s.stopPrograms()
		return
	}
	s.beginShutdown(code)
}

// beginShutdown stops every program, highest priority level first, all
// programs of one level together, then sweeps leftovers and exits with code.
func (s *Supervisor) beginShutdown(code int) {
	if s.shutdown {
		return
	}
	s.shutdown = true
	s.exitCode = code
	s.markDirty()
	s.emit("SUPERVISOR_STATE_CHANGE_STOPPING", "")
	if err := s.notify.Stopping(); err != nil {
		s.log.warnf("systemd notify: %v", err)
	}
	// The main program goes first: it gets the signal, and the programs are
	// stopped once it has exited.
	if s.mainPid != 0 && !s.mainDone {
		s.forward(unix.SIGTERM)
		return
	}
	s.stopPrograms()
}

// stopPrograms is the shutdown once no main program runs: BACKOFF and
// EXITED processes will not start again, and the levels stop in turn.
func (s *Supervisor) stopPrograms() {
	for _, p := range s.procs {
		switch p.m.state {
		case Backoff, Exited:
			s.feed(p, evStop, facts{})
		}
	}
	s.stepStop()
	s.waitingReport()
}

// waitingReport says which processes the shutdown still waits for, as
// supervisord does at its start and every 3 s ("waiting for a, b to
// die"), until none is left.
func (s *Supervisor) waitingReport() {
	var names []string
	for _, p := range s.procs {
		if p.pid != 0 {
			names = append(names, p.cfg.Name)
		}
	}
	if len(names) == 0 {
		return
	}
	s.log.infof("waiting for %s to die", strings.Join(names, ", "))
	time.AfterFunc(3*time.Second, func() { s.events <- loopEvent{kind: leWaiting} })
}

// stepStop signals the highest priority level that still has live
// processes, once the levels above it are gone; when nothing of the
// configuration is left, it moves on (reload: apply; shutdown: sweep).
func (s *Supervisor) stepStop() {
	if s.shutdown && s.mainPid != 0 && !s.mainDone {
		return
	}
	var stopping []*process
	if s.shutdown {
		stopping = s.procs
	} else {
		for _, p := range s.procs {
			if p.removed {
				stopping = append(stopping, p)
			}
		}
	}
	// In a reload, a process reaped while its output drains (pendingExit)
	// is not over yet: its exit is still to be fed. (A shutdown moves on:
	// its sweep ends whatever holds the pipe.)
	top, live := 0, false
	for _, p := range stopping {
		if (p.pid != 0 || !s.shutdown && p.pendingExit != nil) && (!live || p.order > top) {
			top, live = p.order, true
		}
	}
	if live {
		for _, p := range stopping {
			if p.pid != 0 && p.order == top && p.m.state != Stopping {
				s.feed(p, evStop, facts{})
			}
		}
		return
	}
	if s.shutdown {
		if !s.sweeping {
			s.beginSweep()
		}
		return
	}
	if s.reloading {
		s.finishReload()
	}
}

// killAll answers a second SIGINT (Ctrl-C) during shutdown: SIGKILL to
// everything still running.
func (s *Supervisor) killAll() {
	for _, p := range s.procs {
		if p.pid != 0 {
			s.feed(p, evKill, facts{})
		}
	}
	if s.mainPid != 0 && !s.mainDone {
		_ = unix.Kill(-s.mainPid, unix.SIGKILL)
		_ = unix.Kill(s.mainPid, unix.SIGKILL)
	}
	if s.sweeping {
		s.sweepKill()
	}
	s.killed = true // a sweep still to come kills at once
}

// beginSweep: every program is gone; as PID 1 every other process of the
// namespace (as a subreaper, every remaining descendant) gets SIGTERM, then
// SIGKILL after the grace period; gosinit exits once none is left.
func (s *Supervisor) beginSweep() {
	s.sweeping = true
	s.reap()
	if s.childless {
		return
	}
	if s.killed { // a second SIGINT came during the stop
		s.signalLeftovers(unix.SIGKILL)
		return
	}
	// SIGCONT after it, as systemd sends: a stopped process would not
	// see the SIGTERM and would cost the whole grace period.
	s.signalLeftovers(unix.SIGTERM, unix.SIGCONT)
	time.AfterFunc(s.opts.Grace, func() { s.events <- loopEvent{kind: leSweep} })
}

func (s *Supervisor) sweepKill() {
	s.killed = true
	s.signalLeftovers(unix.SIGKILL)
}

// signalLeftovers sends sigs, in order, to every other process of the
// namespace (PID 1) or to every remaining descendant (subreaper). Their
// exits come back as SIGCHLD like any other.
func (s *Supervisor) signalLeftovers(sigs ...unix.Signal) {
	if s.pid1 {
		for _, sig := range sigs {
			_ = unix.Kill(-1, sig)
		}
		return
	}
	for _, pid := range descendants(os.Getpid()) {
		for _, sig := range sigs {
			_ = unix.Kill(pid, sig)
		}
	}
}

// maybeFinish ends the loop once no child is left and every output pipe
// is drained.
func (s *Supervisor) maybeFinish() {
	if s.childless && s.openDrains <= 0 {
		s.sweepDone = true
	}
}

// descendants lists the pids below root, from /proc (used only at exit,
// when gosinit is a subreaper rather than PID 1).
func descendants(root int) []int {
	names, err := dirs.Names("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, name := range names {
		pid := atoiOK(name)
		if pid <= 0 {
			continue
		}
		b, err := os.ReadFile("/proc/" + name + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid := atoiOK(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, c := range children[n] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

//go:noinline
func atoiOK(s string) int {
	n := 0
	if s == "" {
		return -1
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// writeStatus writes the status file from the current state.
func (s *Supervisor) writeStatus() {
	s.dirty = false
	if s.statusPath == "" {
		return
	}
	now := s.now()
	st := &s.status
	st.Pid = os.Getpid()
	st.Started = s.started.Unix()
	if s.cfg != nil {
		st.Config = s.cfg.File
	}
	st.Shutdown = s.shutdown
	st.Reloading = s.reloading || s.reloadAgain
	st.Processes = st.Processes[:0]
	// By group and name: the processes are sorted, not the statuses, as
	// sorting pointers is cheaper in the binary (config's (*loader).sorted).
	procs := append([]*process(nil), s.procs...)
	slices.SortStableFunc(procs, func(a, b *process) int {
		return cmp.Or(strings.Compare(a.cfg.Group, b.cfg.Group), strings.Compare(a.cfg.Name, b.cfg.Name))
	})
	for _, p := range procs {
		pid := p.pid
		if pid == 0 && p.pendingExit != nil {
			// Reaped, its exit held until its pipes are drained: the
			// state is still the one before the exit, and so is the pid.
			pid = p.pendingExit.pid
		}
		ps := ProcessStatus{
			Name:          p.cfg.Name,
			Group:         p.cfg.Group,
			State:         p.m.state,
			Statename:     p.m.state.String(),
			Now:           now.Unix(),
			Pid:           pid,
			Exitstatus:    p.exitstatus,
			Spawnerr:      p.spawnerr,
			Restarts:      p.restarts,
			Essential:     p.cfg.Essential,
			StdoutLogfile: s.outputs.describe(p, false),
			StderrLogfile: s.outputs.describe(p, true),
		}
		if !p.start.IsZero() {
			ps.Start = p.start.Unix()
		}
		if !p.stop.IsZero() {
			ps.Stop = p.stop.Unix()
		}
		ps.Description = ps.Describe(now)
		st.Processes = append(st.Processes, ps)
	}
	s.notifyCounts(st)
	var err error
	if s.statusBuf, err = writeStatus(s.statusPath, st, s.statusBuf); err != nil {
		if err.Error() != s.lastStatusErr {
			s.log.warnf("%v", err)
			s.lastStatusErr = err.Error()
		}
		// Written again at the next change, but a full disk or file
		// table may free up while nothing changes: then a retry, after
		// 1 s, 2 s, 4 s ... at most a minute, lest `gosinit status` say
		// for ever that no gosinit runs.
		if !s.statusRetrying {
			s.statusRetrying = true
			s.statusRetry = min(max(2*s.statusRetry, time.Second), time.Minute)
			time.AfterFunc(s.statusRetry, func() { s.events <- loopEvent{kind: leStatusRetry} })
		}
		return
	}
	s.lastStatusErr = ""
	s.statusRetry = 0
}

// startMain spawns the main program: looked up on PATH like execvp, in its
// own process group, in the terminal's foreground when stdin is one.
func (s *Supervisor) startMain() error {
	s.mainStarted = true
	name := s.opts.Command[0]
	path := name
	if !strings.Contains(name, "/") {
		pathList, set := os.LookupEnv("PATH")
		if !set {
			pathList = "/bin:/usr/bin" // execvp's default, as tini and dumb-init get it
		}
		lp, denied := lookPath(name, pathList)
		switch {
		case lp != "":
		case denied:
			return &StartError{Code: 126, Command: name, Err: newError("permission denied")}
		default:
			return &StartError{Code: 127, Command: name, Err: newError("not found")}
		}
		path = lp
	} else if st, err := os.Stat(name); err != nil {
		return &StartError{Code: 127, Command: name, Err: lookErr(err)}
	} else if st.IsDir() {
		return &StartError{Code: 126, Command: name, Err: newError("is a directory")}
	} else if access(name, unix.X_OK) != nil {
		return &StartError{Code: 126, Command: name, Err: newError("permission denied")}
	}
	attr := &unix.SysProcAttr{Setpgid: true}
	ttyPgrp, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
	if fg, ok := foregroundTTY(); ok && err == nil {
		attr.Foreground = true
		attr.Ctty = fg
	}
	pa := &syscall.ProcAttr{
		Env:   s.baseEnv,
		Files: []uintptr{os.Stdin.Fd(), fdOf(s.opts.Stdout, 1), fdOf(s.opts.Stderr, 2)},
		Sys:   attr,
	}
	if attr.Foreground {
		// Before the fork: the child takes the terminal before its exec
		// returns here, and a line of gosinit's log written meanwhile
		// raised SIGTTOU, which the loop then passed on, stopping the
		// program.
		ignoreTTOU()
	}
	pid, err := forkExec(path, s.opts.Command, pa)
	if err == syscall.ENOEXEC {
		// A script without #!: execvp (tini, dumb-init) runs it with sh.
		pid, err = forkExec("/bin/sh", append([]string{"sh", path}, s.opts.Command[1:]...), pa)
	}
	if err != nil {
		code := 126
		if errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		return &StartError{Code: code, Command: name, Err: lookErr(err)}
	}
	s.mainPid = pid
	if attr.Foreground {
		s.ttyPgrp = ttyPgrp
	}
	s.log.infof("spawned main program '%s' with pid %d", name, s.mainPid)
	return nil
}

// fdOf is the descriptor the main program gets for w: w's own when it is a
// file (gosinit's stdout or stderr), else gosinit's fd def.
func fdOf(w io.Writer, def uintptr) uintptr {
	if f, ok := w.(*os.File); ok {
		return f.Fd()
	}
	return def
}

// lookPath finds name in pathList as execvp does: the first regular file
// with execute permission, an empty element meaning the current directory.
// denied: none was found, but a file without that permission was (126,
// not 127, as execvp's EACCES).
func lookPath(name, pathList string) (path string, denied bool) {
	if name == "" {
		// execvp's ENOENT (127, as tini): joined to a PATH entry,
		// it would name the directory, whose EACCES is 126.
		return "", false
	}
	dirs := filepath.SplitList(pathList)
	if pathList == "" {
		dirs = []string{""} // PATH set but empty: the current directory
	}
	for _, dir := range dirs {
		if dir == "" {
			dir = "."
		}
		cand := filepath.Join(dir, name)
		st, err := os.Stat(cand)
		if err != nil {
			continue
		}
		if !st.Mode().IsRegular() {
			denied = true // execve's EACCES, which execvp reports at the end
			continue
		}
		if access(cand, unix.X_OK) == nil {
			return cand, false
		}
		denied = true
	}
	return "", denied
}

// startMainBeside starts the main program next to the configuration's
// programs: now that they run, a start failure is logged and shuts
// everything down with the shell's code (127, 126), but is no longer an
// error before anything ran.
func (s *Supervisor) startMainBeside() {
	if s.mainStarted {
		// checkReady started it already: every autostart program was
		// RUNNING at once (startsecs=0).
		return
	}
	if s.shutdown {
		// An essential program ended it during the start: the main
		// program never runs.
		s.mainDone = true
		return
	}
	err := s.startMain()
	if err == nil {
		return
	}
	code := 1
	if se, ok := errors.AsType[*StartError](err); ok {
		code = se.Code
	}
	s.log.errorf("%v", err)
	s.mainDone, s.mainCode = true, code
	s.beginShutdown(code)
}

func lookErr(err error) error {
	if pe, ok := errors.AsType[*os.PathError](err); ok {
		err = pe.Err
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
		return newError("not found")
	case errors.Is(err, os.ErrPermission):
		return newError("permission denied (not executable)")
	}
	return err
}

// foregroundTTY reports whether stdin is gosinit's controlling terminal;
// then the main program's group is made the terminal's foreground group so
// Ctrl-C and job control reach it.
func foregroundTTY() (int, bool) {
	if _, err := unix.IoctlGetInt(0, unix.TIOCGPGRP); err != nil {
		return 0, false
	}
	return 0, true
}

// newError is errors.New, not inlined: each inlined copy cost text at its
// call site (issue 2's size).
//
//go:noinline
func newError(msg string) error { return errors.New(msg) }
