package proc

import (
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/internal/textf"

	"github.com/gosinit/gosinit/internal/dirs"
)

// Where a program's output goes. Three cases, cheapest first:
//   - /dev/stdout, /dev/stderr (or /proc/self/fd/1, 2) with no prefix: the
//     child gets gosinit's own file descriptor. Nothing is copied; gosinit
//     spends no CPU on it and nothing can be rotated or seeked.
//   - NONE: /dev/null.
//   - a file (rotated, reopened on SIGUSR2) or a prefixed stream: the child
//     writes into a pipe; one copier goroutine per pipe moves the bytes to
//     a shared sink and tells the loop when the pipe is drained.
//
// At loglevel debug the first two go through a pipe too: supervisord
// copies every program's output into the activity log there, whatever its
// destination.

// outputs holds the sinks shared by every process: gosinit's own stdout and
// stderr (serialised, so prefixed lines never interleave) and one sink per
// log file path.
type outputs struct {
	s      *Supervisor
	stdout *logFile
	stderr *logFile
	files  map[string]*logFile
	// refs counts the processes writing to each log file of files: a
	// file no process of the configuration writes to any more (a reload
	// removed them) is closed, so reloads do not pile up descriptors.
	refs map[*logFile]int
	// activity is [supervisord] logfile=, when it is a file.
	activity *logFile
	// opens queues new log files for the opener goroutine, which starts
	// on startDone.
	opens     chan *logFile
	startDone chan struct{}
	// strip is [supervisord] strip_ansi, read once at start as
	// supervisord reads it.
	strip bool
	// syslog carries the programs' *_syslog output, made when first
	// needed; syslogAct gosinit's own log when logfile=syslog.
	syslog    *syslogWriter
	syslogAct *syslogQueue
}

// streams is one process's output set-up, made once and reused by every
// spawn of it.
type streams struct {
	stdout, stderr target
	// files are the log files it writes to, each counted once in
	// outputs.refs until release.
	files []*logFile
}

// target is one stream's destination.
type target struct {
	direct *os.File  // the child gets this descriptor itself
	sink   io.Writer // else: a pipe and a copier into this
	prefix []byte
	path   string   // for the status file: the file, "/dev/stdout", "" for none
	std    *logFile // gosinit's stdout or stderr, when that is the destination
}

func newOutputs(s *Supervisor) (*outputs, error) {
	o := &outputs{s: s, files: map[string]*logFile{}, refs: map[*logFile]int{}, opens: make(chan *logFile, 1024), startDone: make(chan struct{})}
	go func() {
		// Creating a file competes for the CPUs with the start's fork and
		// execs (and the new programs' own start-up): the files of the
		// programs started at once are created right after, not among
		// them. What a program writes meanwhile waits in its pipe, and a
		// copier whose first write comes before the opener reaches its
		// file opens the file itself.
		<-o.startDone
		for lf := range o.opens {
			lf.prepare()
		}
	}()
	widenPipe(s.opts.Stdout)
	widenPipe(s.opts.Stderr)
	o.stdout = stdSink(s.opts.Stdout, s.warn)
	s.outLog = newStdLog(o.stdout)
	if s.errLog == nil { // a Supervisor made by a test
		s.errLog = newStdLog(stdSink(s.opts.Stderr, s.warn))
	}
	o.stderr = s.errLog.lf
	sd := s.cfg.Supervisord
	if !sd.Nocleanup {
		o.cleanAuto(sd.Childlogdir, sd.Identifier)
	}
	o.strip = sd.StripAnsi
	return o, nil
}

// cleanAuto removes old AUTO child logs, as supervisord does at start.
func (o *outputs) cleanAuto(dir, ident string) {
	// os.ReadDir without its sort (see internal/dirs): the order of the
	// removals does not matter.
	d, err := dirs.Open(dir)
	if err != nil {
		return
	}
	ents, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.Type().IsRegular() && autoLogName(e.Name(), ident) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// autoLogName reports whether name is an AUTO child log of identifier
// ident. supervisord tests re.match(r'.+?---IDENT-\S+\.log\.{0,1}\d{0,4}'),
// a match at the start of the name whose optional tail never decides
// anything: some text without a newline, "---IDENT-", then at least one
// character and ".log" with no white space (\t \n \f \r or space) before
// it. Unlike supervisord, gosinit takes the identifier literally, not as a
// regular expression, and only ASCII white space ends the \S+ (Python's
// also stops at \v and Unicode spaces).
func autoLogName(name, ident string) bool {
	marker := "---" + ident + "-"
	nl := strings.IndexByte(name, '\n')
	for p := 1; p < len(name); p++ {
		i := strings.Index(name[p:], marker)
		if i < 0 {
			return false
		}
		p += i
		if nl >= 0 && nl < p {
			return false
		}
		rest := name[p+len(marker):]
		if end := strings.IndexAny(rest, " \t\n\f\r"); end >= 0 {
			rest = rest[:end]
		}
		if len(rest) > 1 && strings.Contains(rest[1:], ".log") {
			return true
		}
	}
	return false
}

// setup resolves p's two streams; it is called before the first spawn.
func (o *outputs) setup(p *process) (*streams, error) {
	st := &streams{}
	var err error
	if st.stdout, err = o.target(p, &p.cfg.Stdout, "stdout"); err != nil {
		return nil, err
	}
	if p.cfg.RedirectStderr {
		st.stderr = st.stdout
	} else if st.stderr, err = o.target(p, &p.cfg.Stderr, "stderr"); err != nil {
		return nil, err
	}
	for _, t := range [...]target{st.stdout, st.stderr} {
		sinks := []io.Writer{t.sink}
		if te, ok := t.sink.(*tee); ok {
			sinks = *te
		}
		for _, w := range sinks {
			if lf, ok := w.(*logFile); ok && !lf.std && !slices.Contains(st.files, lf) {
				st.files = append(st.files, lf)
				o.refs[lf]++
			}
		}
	}
	return st, nil
}

// release closes the log files of a process that a reload removed, once
// its output is drained, unless another process still writes to them.
func (o *outputs) release(st *streams) {
	for _, lf := range st.files {
		if o.refs[lf]--; o.refs[lf] > 0 {
			continue
		}
		delete(o.refs, lf)
		if o.files[lf.path] == lf {
			delete(o.files, lf.path)
		}
		lf.Close()
	}
	st.files = nil
}

func (o *outputs) target(p *process, spec *config.LogSpec, channel string) (target, error) {
	t, err := o.baseTarget(p, spec, channel)
	if err != nil || !spec.Syslog {
		return t, err
	}
	// *_syslog: every line to syslog too, through a pipe whatever the
	// destination.
	if o.syslog == nil {
		o.syslog = newSyslogWriter(o.s.warn)
	}
	to := &syslogStream{w: o.syslog, name: p.cfg.Name}
	switch {
	case t.std != nil:
		t.sink = newTee(t.std, to)
	case t.sink == nil || t.sink == io.Discard: // NONE (or the deprecated *_logfile=syslog)
		t.sink = to
	default:
		t.sink = newTee(t.sink, to)
	}
	t.direct = nil
	return t, nil
}

// tee writes to each of its writers, whatever each one answers: a failing
// log file must not keep a line from syslog. Write has a pointer
// receiver: with a value one, *tee got a generated wrapper (issue 2's
// size).
type tee []io.Writer

// newTee is &tee{a, b}, made rather than a literal: the literal's
// [2]io.Writer array type came with a generated equality function.
func newTee(a, b io.Writer) *tee {
	t := make(tee, 2)
	t[0], t[1] = a, b
	return &t
}

func (t *tee) Write(p []byte) (int, error) {
	for _, w := range *t {
		w.Write(p)
	}
	return len(p), nil
}

// baseTarget is target without syslog.
func (o *outputs) baseTarget(p *process, spec *config.LogSpec, channel string) (target, error) {
	t := target{prefix: []byte(spec.Prefix), path: spec.Path}
	var std *logFile
	var stdFile *os.File
	switch spec.Path {
	case "/dev/stdout", "/proc/self/fd/1":
		std, stdFile = o.stdout, o.s.opts.Stdout
	case "/dev/stderr", "/proc/self/fd/2":
		std, stdFile = o.stderr, o.s.opts.Stderr
	}
	// At loglevel debug every chunk is copied into the activity log, as
	// supervisord does whatever the destination: that needs a pipe.
	// So does *_events_enabled: every chunk is a PROCESS_LOG event.
	debug := o.s.log.enabled(config.LevelDebug) || spec.Events
	if std != nil {
		t.std = std
		// strip_ansi needs the pipe too: supervisord strips what it
		// writes to /dev/stdout as to any log file.
		if len(t.prefix) == 0 && !debug && !o.strip {
			t.direct = stdFile
		} else {
			t.sink = std
		}
		return t, nil
	}
	path := spec.Path
	if spec.Auto {
		sd := o.s.cfg.Supervisord
		path = filepath.Join(sd.Childlogdir, p.cfg.Name+"-"+channel+"---"+sd.Identifier+"-"+randName()+".log")
		t.path = path
	}
	if path == "" { // NONE: a prefix has nothing to prefix
		t.prefix = nil
		if debug {
			t.sink = io.Discard
		} else {
			t.direct = o.s.devNull
		}
		return t, nil
	}
	if lf := o.files[path]; lf != nil {
		t.sink = lf
		return t, nil
	}
	lf := newLogFile(path, spec.Maxbytes, spec.Backups, o.s.warn)
	lf.gateWrites()
	if spec.Auto {
		// supervisord makes it with mkstemp: 0600, whatever the umask.
		// The files a rotation or a SIGUSR2 creates later are 0644, as
		// its handler's are.
		lf.mode = 0o600
	}
	o.files[path] = lf
	// Opened by the opener goroutine, one file after another: the owner
	// loop never waits on the file system to spawn a program, and parallel
	// creates in one directory would only fight over its lock. If the queue
	// is full, the first write opens it.
	select {
	case o.opens <- lf:
	default:
	}
	t.sink = lf
	return t, nil
}

// started lets the opener goroutine create the log files queued so far:
// the programs of the start are all spawned.
func (o *outputs) started() { close(o.startDone) }

// pipeSize is the capacity gosinit gives the pipes it writes to or reads
// from in bulk.
const pipeSize = 1 << 20

// widenPipe raises the capacity of f, gosinit's own stdout or stderr, to
// pipeSize when it is a smaller pipe (docker's case). Programs that write
// to it directly, and copiers that write prefixed lines to it, then block
// less often while the reader at the other end (docker's shim, a log
// agent) catches up: fewer context switches on both sides. Best effort:
// an unprivileged user past pipe-user-pages-soft, or a pipe-max-size below
// 1 MiB, keeps the pipe as it is; anything but a pipe is left alone.
func widenPipe(f *os.File) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		if n, err := unix.FcntlInt(fd, unix.F_GETPIPE_SZ, 0); err == nil && n < pipeSize {
			unix.FcntlInt(fd, unix.F_SETPIPE_SZ, pipeSize)
		}
	})
}

// childPipe makes a program's output pipe: the read end non-blocking in
// the runtime poller, for its copier; the write end blocking and outside
// the poller, since only the child writes it (os.Pipe would register it
// and Fd would then take it out again: five system calls per pipe, a
// thousand for 200 programs). The pipe holds 1 MiB (the default is 64
// KiB), so a fast writer and the copier work in larger batches: fewer
// wake-ups for both. Best effort: the system's pipe-max-size may refuse it.
func childPipe() (r, w *os.File, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	unix.FcntlInt(uintptr(p[1]), unix.F_SETPIPE_SZ, pipeSize)
	if err := unix.SetNonblock(p[0], true); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, nil, os.NewSyscallError("fcntl", err)
	}
	return os.NewFile(uintptr(p[0]), "|0"), os.NewFile(uintptr(p[1]), "|1"), nil
}

func randName() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789_"
	b := make([]byte, 8)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}

// childFiles gives the child its stdout and stderr for one spawn, starting
// the copiers. closeAfter are the parent's copies of the pipes' write ends,
// to close once the child has started.
func (o *outputs) childFiles(p *process) (stdout, stderr *os.File, closeAfter []*os.File, err error) {
	if p.out == nil {
		if p.out, err = o.setup(p); err != nil {
			return nil, nil, nil, err
		}
	}
	p.spawns++
	p.spawnPipes = 0 // an earlier spawn's are its own (leDrained's gen)
	open := func(t target, channel string) (*os.File, error) {
		// toLoop is what the loop gets of each chunk as read, if
		// anything: the copier calls it before it writes the chunk out,
		// and waits while the loop's queue is full (supervisord handles
		// output and events on its one thread).
		var toLoop loopEvent
		strip := o.strip
		switch {
		case p.cfg.Listener && channel == "stdout":
			// An event listener's stdout is its protocol: always a
			// pipe, parsed by the loop, and written unprefixed to its
			// log, as supervisord writes it there.
			toLoop = loopEvent{kind: leListenerOut, p: p, gen: p.listener.spawn}
			sink := io.Writer(io.Discard)
			if t.sink != nil {
				sink = t.sink
			} else if t.std != nil {
				sink = t.std
			}
			t = target{sink: sink}
			// Its protocol is read as written: supervisord strips
			// only what it logs of it, and there are no escapes in
			// READY and RESULT lines to strip.
			strip = false
		case channel == "stdout" && p.cfg.Stdout.Events, channel == "stderr" && p.cfg.Stderr.Events:
			// PROCESS_LOG events, for the pools that want them.
			toLoop = loopEvent{kind: leProcessLog, p: p}
			if channel == "stderr" {
				toLoop.gen = 1
			}
		}
		if t.direct != nil {
			return t.direct, nil
		}
		r, w, err := childPipe()
		if err != nil {
			return nil, err
		}
		var debug func([]byte)
		logDebug := o.s.log.enabled(config.LevelDebug)
		if logDebug || toLoop.p != nil {
			name, loop := p.cfg.Name, o.s.events
			debug = func(b []byte) {
				if logDebug {
					o.s.log.debugOutput(name, channel, b)
				}
				if toLoop.p != nil {
					e := toLoop
					e.data = append([]byte(nil), b...)
					loop <- e
				}
			}
		}
		o.s.openDrains++
		p.openPipes++
		p.spawnPipes++
		events, spawn := o.s.events, p.spawns
		startCopier(r, t.sink, t.prefix, strip, debug, func() { events <- loopEvent{kind: leDrained, p: p, gen: spawn} })
		closeAfter = append(closeAfter, w)
		return w, nil
	}
	if stdout, err = open(p.out.stdout, "stdout"); err != nil {
		return nil, nil, closeAfter, err
	}
	if p.cfg.RedirectStderr {
		return stdout, stdout, closeAfter, nil
	}
	if stderr, err = open(p.out.stderr, "stderr"); err != nil {
		return nil, nil, closeAfter, err
	}
	return stdout, stderr, closeAfter, nil
}

// describe is the log file path the status file shows for a process:
// none for stderr with redirect_stderr, as supervisord's getProcessInfo
// (so supervisorctl tail NAME stderr says "no log file").
func (o *outputs) describe(p *process, stderr bool) string {
	if stderr && p.cfg.RedirectStderr {
		return ""
	}
	if o == nil || p.out == nil {
		if stderr {
			return p.cfg.Stderr.Path
		}
		return p.cfg.Stdout.Path
	}
	if stderr {
		return p.out.stderr.path
	}
	return p.out.stdout.path
}

// setupActivityLog sends gosinit's own log where [supervisord] says:
// logfile= (only when set: supervisord's default, supervisord.log in the
// working directory, is clutter in a container), rotated like the child
// logs, and echoed to stderr unless silent= (supervisord echoes to stdout
// in the foreground; gosinit keeps stdout for the programs). logfile=
// /dev/stdout or /dev/stderr is not echoed a second time.
func (s *Supervisor) setupActivityLog() error {
	sd := s.cfg.Supervisord
	var outs []io.Writer
	echo := !sd.Silent
	if sd.LogfileExplicit && sd.Logfile != "" {
		switch sd.Logfile {
		case "/dev/stdout", "/proc/self/fd/1":
			// Once: an echo on stderr would double every line in
			// docker logs. silent= only drops the echo, as in
			// supervisord, where this is a plain file handler.
			outs = append(outs, s.outLog)
			echo = false
		case "/dev/stderr", "/proc/self/fd/2":
			echo = true
		case os.DevNull:
		default:
			lf, err := openLogFile(sd.Logfile, sd.LogfileMaxbytes, sd.LogfileBackups, s.warn)
			if err != nil {
				return textf.Errorf("[supervisord] logfile: %w", err)
			}
			s.outputs.activity = lf
			outs = append(outs, lf)
			s.status.Logfile, _ = dirs.Abs(sd.Logfile) // for maintail
		}
	}
	if sd.LogfileSyslog {
		// Lost messages are not logged: that log is this one.
		s.outputs.syslogAct = newSyslogQueue()
		outs = append(outs, s.outputs.syslogAct)
	}
	if echo {
		outs = append(outs, s.errLog)
	}
	s.log.setOutputs(outs...)
	return nil
}

// reopen reopens every log file (SIGUSR2), for an outside logrotate.
func (o *outputs) reopen() {
	if o == nil {
		return
	}
	// Failures are reported through each file's warn.
	for _, lf := range o.files {
		lf.Reopen()
	}
	if o.activity != nil {
		o.activity.Reopen()
	}
}

func (o *outputs) close() {
	if o == nil {
		return
	}
	close(o.opens)
	for _, lf := range o.files {
		lf.Close()
	}
	if o.activity != nil {
		o.activity.Close()
	}
	if o.syslogAct != nil {
		// The log's last entries (the stops) go out before gosinit
		// exits; whatever is logged after goes elsewhere.
		o.s.log.remove(o.syslogAct)
		o.syslogAct.close()
	}
}
