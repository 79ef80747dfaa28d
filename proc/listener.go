package proc

// Event listeners: supervisord's [eventlistener:x], its protocol and its
// events, so that the configurations people wrote for supervisord, often
// to stop the container when a program dies, run unchanged.
//
// The protocol (supervisor's docs/events.rst, dispatchers.py, process.py):
// a listener writes READY\n on its stdout; gosinit writes one event on its
// stdin, a header line
//
//	ver:3.0 server:IDENT serial:N pool:NAME poolserial:N eventname:TYPE len:N
//
// then the payload; the listener answers RESULT <len>\n and that many
// bytes, OK to accept the event, anything else to reject it (it is
// buffered again at the head of the pool's queue). A listener is
// ACKNOWLEDGED when spawned and after each result, READY after its READY,
// BUSY while it holds an event, and UNKNOWN (no more events until it is
// restarted) after anything else on its stdout. Each pool queues up to
// buffer_size events; past that the oldest is dropped with an error line.
// An event is sent only to a listener that is RUNNING and READY.
//
// All of it runs on the owner loop: a copier reads the listener's stdout
// like any program's output and hands the loop every chunk (leListenerOut);
// the loop parses it and writes events to the listener's stdin pipe without
// blocking. Events cost nothing when no pool exists, and nothing when
// idle: TICK timers are armed only while a pool subscribes to them.
//
// Differences from supervisord, on purpose:
//   - No PROCESS_COMMUNICATION or REMOTE_COMMUNICATION events (config
//     warns): there is no capture mode and no RPC interface.
//   - No PROCESS_STATE events once shutdown has begun. Listeners written
//     for supervisord answer a STOPPED or EXITED event by signalling
//     supervisord to exit, with SIGTERM or SIGINT; to gosinit a second
//     SIGINT during shutdown means "kill everything now", which would turn
//     docker stop into a SIGKILL. SUPERVISOR_STATE_CHANGE_STOPPING is
//     still sent.
//   - A result_handler other than supervisord's default is Python code
//     gosinit cannot run: every result counts as processed. One is
//     emulated, supervisor_stdout's event_handler, which images use to
//     get PROCESS_LOG output onto the container's stdout: the result
//     ("processname:x channel:y" line, then the data) is written to
//     gosinit's stdout as "x | y | data".
//   - An event is dispatched as soon as a listener is READY, not on the
//     next turn of a one-second loop.

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
)

// listenerState is supervisord's EventListenerStates.
type listenerState int

const (
	lsAcknowledged listenerState = iota
	lsReady
	lsBusy
	lsUnknown
)

func (l listenerState) String() string {
	return [...]string{"ACKNOWLEDGED", "READY", "BUSY", "UNKNOWN"}[l]
}

// pool is one [eventlistener:x]'s event queue.
type pool struct {
	grp    *config.Group
	subs   map[string]bool // concrete event types subscribed to
	buffer []*queuedEvent
	serial int // the last poolserial given
	// anyResult: result_handler is not supervisord's default, so every
	// result counts as processed.
	anyResult bool
	// stdoutHandler: result_handler is supervisor_stdout's.
	stdoutHandler bool
}

// supervisorStdoutHandler is supervisor_stdout's result_handler.
const supervisorStdoutHandler = "supervisor_stdout:event_handler"

// queuedEvent is one event in one pool's queue.
type queuedEvent struct {
	_ [0]func() // incomparable: see ProcessStatus

	serial, poolSerial int
	name, payload      string
}

// listenerConn is one spawn of a listener process: its protocol state.
type listenerConn struct {
	pool      *pool
	spawn     int // which spawn the stdout data belongs to
	state     listenerState
	buf       []byte // stdout not yet parsed
	resultLen int    // -1: waiting for the RESULT line
	result    []byte
	event     *queuedEvent // held while BUSY
	stdin     *os.File     // gosinit's end of the listener's stdin
	stdinFd   int          // its descriptor, while stdin is open (for poll)
	writing   bool         // a write that did not fit is still going on
}

const readyToken = "READY\n"

// maxResultLine bounds a listener's RESULT line; maxEchoedResult what
// supervisor_stdout's handler prints of a result (an echoed event: its
// payload is one read of a program's output, 128 KiB at most).
const (
	maxResultLine   = 4096
	maxEchoedResult = 1 << 20
)

// newPools makes the pools of cfg, in its group order (supervisord's),
// keeping the queue of every pool in old whose group is unchanged (keep).
func newPools(cfg *config.Config, old []*pool, keep func(name string) bool) []*pool {
	var pools []*pool
	for _, g := range cfg.Groups {
		if g.Kind != "eventlistener" {
			continue
		}
		if p := poolNamed(old, g.Name); p != nil && keep(g.Name) {
			p.grp = g
			pools = append(pools, p)
			continue
		}
		p := &pool{grp: g, subs: map[string]bool{}, serial: -1,
			anyResult:     g.ResultHandler != "" && g.ResultHandler != config.DefaultResultHandler,
			stdoutHandler: g.ResultHandler == supervisorStdoutHandler}
		for _, e := range g.Events {
			for _, t := range config.ConcreteEvents(e) {
				p.subs[t] = true
			}
		}
		pools = append(pools, p)
	}
	return pools
}

// poolNamed is the pool of group name in pools, or nil.
// Not inlined: its inlined copies cost text (issue 2's size).
//
//go:noinline
func poolNamed(pools []*pool, name string) *pool {
	for _, p := range pools {
		if p.grp.Name == name {
			return p
		}
	}
	return nil
}

// emit sends an event to every pool subscribed to its type.
func (s *Supervisor) emit(name, payload string) {
	if s.shutdown && strings.HasPrefix(name, "PROCESS_STATE_") {
		return
	}
	serial := -1
	for _, pl := range s.pools[:len(s.pools)-s.deaf] {
		if !pl.subs[name] {
			continue
		}
		if serial < 0 {
			s.eventSerial++
			serial = s.eventSerial
		}
		pl.serial++
		s.accept(pl, &queuedEvent{serial: serial, poolSerial: pl.serial, name: name, payload: payload}, false)
		s.dispatch(pl)
	}
}

// emitState sends PROCESS_STATE_<to> for p, with supervisord's payload:
// processname, groupname, from_state, then tries (STARTING, BACKOFF),
// expected and pid (EXITED) or pid (RUNNING, STOPPING, STOPPED).
// Only stateEvents calls it, once it has seen a pool.
func (s *Supervisor) emitState(p *process, from, to State, backoff, pid int, expected bool) {
	payload := "processname:" + p.cfg.Name + " groupname:" + p.cfg.Group + " from_state:" + from.String()
	switch to {
	case Starting, Backoff:
		payload += " tries:" + itoa(backoff)
	case Exited:
		e := "0"
		if expected {
			e = "1"
		}
		payload += " expected:" + e + " pid:" + itoa(pid)
	case Running, Stopping, Stopped:
		payload += " pid:" + itoa(pid)
	}
	s.emit("PROCESS_STATE_"+to.String(), payload)
}

// emitLog sends PROCESS_LOG_STDOUT or _STDERR (channel 0 or 1) for a
// chunk a program with *_events_enabled wrote, with supervisord's payload.
func (s *Supervisor) emitLog(p *process, channel int, data []byte) {
	name, ch := "PROCESS_LOG_STDOUT", "stdout"
	if channel == 1 {
		name, ch = "PROCESS_LOG_STDERR", "stderr"
	}
	if !s.subscribed(name) {
		return
	}
	pid := p.pid
	if pid == 0 && p.pendingExit != nil {
		pid = p.pendingExit.pid
	}
	s.emit(name, "processname:"+p.cfg.Name+" groupname:"+p.cfg.Group+" pid:"+itoa(pid)+" channel:"+ch+"\n"+eventText(data))
}

// eventText is output as a PROCESS_LOG payload carries it. supervisord
// sends what it cannot decode as UTF-8 as "Undecodable: " and Python's
// repr of the bytes: a listener reading its stdin as UTF-8 (as
// childutils' do) would die on the raw bytes, again and again.
func eventText(data []byte) string {
	if s := string(data); utf8.ValidString(s) { // not Valid: 0.6 kB more
		return s
	}
	return "Undecodable: " + pyBytesRepr(data)
}

// pyBytesRepr is Python's repr() of b: b'...' (b"..." when b holds a '
// and no "), with \\, \t, \n, \r and \xhh escapes.
func pyBytesRepr(b []byte) string {
	q := byte('\'')
	if bytes.IndexByte(b, '\'') >= 0 && bytes.IndexByte(b, '"') < 0 {
		q = '"'
	}
	out := append(make([]byte, 0, len(b)+3), 'b', q)
	for _, c := range b {
		switch c {
		case '\t':
			c = 't'
		case '\n':
			c = 'n'
		case '\r':
			c = 'r'
		default:
			if c < ' ' || c >= 0x7f {
				out = append(out, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
				continue
			}
			if c != q && c != '\\' {
				out = append(out, c)
				continue
			}
		}
		out = append(out, '\\', c)
	}
	return string(append(out, q))
}

const hexDigits = "0123456789abcdef"

// accept queues ev in pl (at the head when it comes back rejected),
// dropping the oldest event when the queue is full.
func (s *Supervisor) accept(pl *pool, ev *queuedEvent, head bool) {
	if head {
		s.log.debugf("rebuffering event %d for pool %s (buf size=%d, max=%d)", ev.serial, pl.grp.Name, len(pl.buffer), pl.grp.BufferSize)
	}
	if len(pl.buffer) >= pl.grp.BufferSize && len(pl.buffer) > 0 {
		s.log.errorf("pool %s event buffer overflowed, discarding event %d", pl.grp.Name, pl.buffer[0].serial)
		pl.buffer = pl.buffer[1:]
	}
	if head {
		pl.buffer = append([]*queuedEvent{ev}, pl.buffer...)
	} else {
		pl.buffer = append(pl.buffer, ev)
	}
}

// dispatch sends pl's queued events, oldest first, while a listener of
// the pool is RUNNING and READY.
// Not inlined: 5 call sites, 0.6 kB of the binary (issue 2).
//
//go:noinline
func (s *Supervisor) dispatch(pl *pool) {
	for len(pl.buffer) > 0 {
		if !s.sendEvent(pl, pl.buffer[0]) {
			return
		}
		pl.buffer = pl.buffer[1:]
	}
}

// sendEvent writes ev to the first RUNNING and READY listener of pl.
func (s *Supervisor) sendEvent(pl *pool, ev *queuedEvent) bool {
	for _, p := range s.procs {
		l := p.listener
		if l == nil || l.pool != pl || p.removed || p.m.state != Running || l.state != lsReady || l.writing {
			continue
		}
		// len is in characters, as Python counts the payload (str)
		// before encoding it: listeners written with supervisor's
		// childutils read that many characters.
		msg := "ver:3.0 server:" + s.cfg.Supervisord.Identifier + " serial:" + itoa(ev.serial) +
			" pool:" + pl.grp.Name + " poolserial:" + itoa(ev.poolSerial) + " eventname:" + ev.name +
			" len:" + itoa(utf8.RuneCountInString(ev.payload)) + "\n" + ev.payload
		if !s.writeListener(p, []byte(msg)) {
			s.log.debugf("epipe occurred while sending event %d to listener %s, listener state unchanged", ev.serial, p.cfg.Name)
			continue
		}
		l.state = lsBusy
		l.event = ev
		s.log.debugf("event %d sent to listener %s", ev.serial, p.cfg.Name)
		return true
	}
	return false
}

// writeListener writes msg to p's stdin without blocking the loop. An
// event is small and the listener has read the one before it, so the pipe
// takes it at once; if it does not fit, a goroutine writes the rest and
// the listener gets no other event meanwhile. false: nothing was written
// (the listener closed its stdin, or does not read it).
func (s *Supervisor) writeListener(p *process, msg []byte) bool {
	l := p.listener
	if l.stdin == nil {
		return false
	}
	// A listener that closed its stdin: no write, so no SIGPIPE for
	// the loop to tell from one sent to gosinit (ownSigpipes counts
	// those of a stdin closed between this poll and the write).
	pfd := []unix.PollFd{{Fd: int32(l.stdinFd)}}
	if n, _ := unix.Poll(pfd, 0); n > 0 && pfd[0].Revents&unix.POLLERR != 0 {
		return false
	}
	rc, err := l.stdin.SyscallConn()
	if err != nil {
		return false
	}
	n, werr := 0, error(nil)
	rc.Write(func(fd uintptr) bool {
		n, werr = unix.Write(int(fd), msg)
		return true // never wait in the poller: this is the owner loop
	})
	if n < 0 {
		n = 0
	}
	if werr == unix.EPIPE {
		// The kernel has just sent this thread SIGPIPE: it reaches
		// the loop after this event, and is gosinit's, not the user's.
		s.ownSigpipes++
	}
	if n == 0 && werr != nil {
		return false
	}
	if n < len(msg) {
		l.writing = true
		rest, f, spawn := msg[n:], l.stdin, l.spawn
		events := s.events
		go func() {
			f.Write(rest) // waits in the poller; an error ends the listener's events anyway
			events <- loopEvent{kind: leListenerWritten, p: p, gen: spawn}
		}()
	}
	return true
}

// listenerOut is a chunk of a listener's stdout, from its copier.
func (s *Supervisor) listenerOut(p *process, spawn int, data []byte) {
	l := p.listener
	if l == nil || l.spawn != spawn {
		return // from an earlier spawn
	}
	l.buf = append(l.buf, data...)
	s.parseListener(p)
}

// parseListener reads the protocol tokens in a listener's stdout, as
// dispatchers.py's handle_listener_state_change does.
func (s *Supervisor) parseListener(p *process) {
	l := p.listener
	name := p.cfg.Name
	for len(l.buf) > 0 {
		switch l.state {
		case lsUnknown:
			l.buf = l.buf[:0]
			return
		case lsAcknowledged:
			if len(l.buf) < len(readyToken) {
				return
			}
			if !bytes.HasPrefix(l.buf, []byte(readyToken)) {
				s.setListenerState(p, lsUnknown)
				l.buf = l.buf[:0]
				return
			}
			l.buf = l.buf[len(readyToken):]
			s.setListenerState(p, lsReady)
			s.dispatch(l.pool)
		case lsReady:
			// Anything but an answer to an event is spurious: be strict.
			s.setListenerState(p, lsUnknown)
			l.buf = l.buf[:0]
			return
		case lsBusy:
			if l.resultLen < 0 {
				i := bytes.IndexByte(l.buf, '\n')
				if i < 0 && len(l.buf) <= maxResultLine {
					return
				}
				// A longer line is garbage that would grow PID 1's
				// memory without end (supervisord waits for its end).
				n, err, line := -1, error(nil), string(l.buf[:min(len(l.buf), 80)])+"..."
				if i >= 0 {
					line = string(l.buf[:i])
					l.buf = l.buf[i+1:]
					// supervisord takes what follows the 7 bytes
					// of "RESULT " as a Python int.
					if len(line) > len("RESULT ") {
						n, err = strconv.Atoi(strings.TrimSpace(line[len("RESULT "):]))
					}
				}
				if err != nil || n < 0 {
					s.log.warnf("%s: bad result line: '%s'", name, line)
					s.setListenerState(p, lsUnknown)
					l.buf = l.buf[:0]
					s.rejected(p)
					return
				}
				l.resultLen = n
				l.result = l.result[:0]
			}
			// resultLen counts the bytes still to come. Only
			// supervisor_stdout's handler reads the result (1 MiB of
			// it at most); the others need 3 bytes of it to tell
			// "OK" apart, so a listener's RESULT 2000000000 costs no
			// memory.
			take := min(l.resultLen, len(l.buf))
			limit := 3
			if l.pool.stdoutHandler {
				limit = maxEchoedResult
			}
			keep := max(0, min(take, limit-len(l.result)))
			l.result = append(l.result, l.buf[:keep]...)
			l.buf = l.buf[take:]
			if l.resultLen -= take; l.resultLen > 0 {
				return
			}
			s.listenerResult(p)
		}
	}
}

// listenerResult handles a complete RESULT: OK accepts the event, anything
// else rejects it (supervisord's default_handler).
func (s *Supervisor) listenerResult(p *process) {
	l := p.listener
	if l.pool.stdoutHandler {
		s.supervisorStdout(l.result)
	}
	ok := l.pool.anyResult || string(l.result) == "OK"
	l.resultLen = -1
	l.result = l.result[:0]
	if ok {
		s.log.debugf("%s: event was processed", p.cfg.Name)
		l.event = nil
		s.setListenerState(p, lsAcknowledged)
		return
	}
	s.log.warnf("%s: event was rejected", p.cfg.Name)
	s.setListenerState(p, lsAcknowledged)
	s.rejected(p)
}

// supervisorStdout does what supervisor_stdout's event_handler does in
// supervisord: the result is the event's payload, echoed by the listener;
// its first line names the process and channel, and the data after it is
// printed on stdout as "processname | channel | data".
func (s *Supervisor) supervisorStdout(result []byte) {
	i := bytes.IndexByte(result, '\n') // not bytes.Cut: it links bytes.Index
	if i < 0 {
		return
	}
	line, data := result[:i], result[i+1:]
	var proc, channel string
	for _, f := range strings.Fields(string(line)) {
		if v, ok := strings.CutPrefix(f, "processname:"); ok {
			proc = v
		} else if v, ok := strings.CutPrefix(f, "channel:"); ok {
			channel = v
		}
	}
	out := make([]byte, 0, len(proc)+len(channel)+6+len(data))
	out = append(append(append(append(append(out, proc...), " | "...), channel...), " | "...), data...)
	s.outLog.Write(out) // never waits for stdout's reader (stdlog.go)
}

// rejected puts the event p held back at the head of its pool's queue.
func (s *Supervisor) rejected(p *process) {
	l := p.listener
	ev := l.event
	l.event = nil
	if ev == nil {
		return
	}
	s.accept(l.pool, ev, true)
	s.dispatch(l.pool)
}

func (s *Supervisor) setListenerState(p *process, st listenerState) {
	l := p.listener
	s.log.debugf("%s: %s -> %s", p.cfg.Name, l.state, st)
	l.state = st
	if st == lsUnknown {
		// Said at warn, as supervisord does: the listener gets no more
		// events, and its pool may have no other.
		s.log.warnf("%s: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol", p.cfg.Name)
	}
}

// listenerSpawning gives a listener process a fresh connection and the
// read end of its stdin pipe for the child; gosinit keeps the write end,
// non-blocking, in the runtime poller.
func (s *Supervisor) listenerSpawning(p *process) (childStdin *os.File, err error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, os.NewSyscallError("pipe2", err)
	}
	// Room for a PROCESS_LOG event of a whole read (128 KiB) at once;
	// best effort.
	unix.FcntlInt(uintptr(fds[1]), unix.F_SETPIPE_SZ, pipeSize)
	if err := unix.SetNonblock(fds[1], true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, os.NewSyscallError("fcntl", err)
	}
	s.listenerSeq++
	p.listener = &listenerConn{pool: poolNamed(s.pools, p.cfg.Group), spawn: s.listenerSeq, resultLen: -1,
		stdin: os.NewFile(uintptr(fds[1]), "|stdin"), stdinFd: fds[1]}
	return os.NewFile(uintptr(fds[0]), "|stdin-r"), nil
}

// listenerGone: a listener process exited (or failed to spawn). The event
// it held goes back to its pool, for another listener or its next spawn.
func (s *Supervisor) listenerGone(p *process) {
	l := p.listener
	if l == nil {
		return
	}
	if l.stdin != nil {
		l.stdin.Close()
		l.stdin = nil
	}
	s.rejected(p)
	l.state = lsUnknown
}

// tickPeriods are supervisord's TICK_5, TICK_60 and TICK_3600.
var tickPeriods = [...]int64{5, 60, 3600}

// armTicks arms the timer of every TICK period some pool subscribes to
// and that is not armed yet. Each fires when the wall clock crosses a
// multiple of its period, as supervisord's tick() sends them.
func (s *Supervisor) armTicks() {
	for i, period := range tickPeriods {
		if s.tickArmed[i] || !s.subscribed("TICK_"+itoa(int(period))) {
			continue
		}
		s.tickArmed[i] = true
		now := s.now()
		next := (now.Unix()/period + 1) * period
		i := i
		time.AfterFunc(time.Unix(next, 0).Sub(now), func() {
			s.events <- loopEvent{kind: leTick, gen: i, when: next}
		})
	}
}

// subscribed reports whether some pool wants events of type name.
func (s *Supervisor) subscribed(name string) bool {
	for _, pl := range s.pools {
		if pl.subs[name] {
			return true
		}
	}
	return false
}

// onTick sends the TICK event of period i for the time slice that began
// at when, and arms the next one while a pool still wants it.
func (s *Supervisor) onTick(i int, when int64) {
	s.tickArmed[i] = false
	s.emit("TICK_"+itoa(int(tickPeriods[i])), "when:"+strconv.FormatInt(when, 10))
	if !s.shutdown {
		s.armTicks()
	}
}
