package proc

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
)

// The program state machine: supervisord's states and transitions (B8 of
// the reference), as one pure function. transition does no I/O: it takes a
// process's machine state, an event and the facts about that event, and
// returns the new machine state and the actions the owner loop must carry
// out (spawn, signal, arm a timer, log a line). Every state x event pair is
// covered by program_test.go.
//
// Differences from supervisord, on purpose:
//   - STARTING -> RUNNING happens on a timer exactly startsecs after the
//     spawn, not on the first one-second tick after it.
//   - A process that exits after it counted as RUNNING and is to be
//     restarted is respawned at once, but never sooner than minRespawn
//     after its previous spawn (s6's rule): an exact event loop must not
//     turn a crash loop into a CPU hog. supervisord gets the same effect
//     from its one-second poll.

// minRespawn is the shortest time between two spawns of one process after
// an exit from RUNNING.
const minRespawn = time.Second

// event is what happened to a process.
type event int

const (
	evStart      event = iota // a start request: autostart, reload, a restart that was due
	evSpawned                 // the spawn succeeded (facts.pid)
	evSpawnErr                // the spawn failed before the program ran (facts.err)
	evStartTimer              // startsecs have passed since the spawn
	evBackoff                 // the backoff delay has passed
	evExit                    // the process was reaped (facts.status)
	evStop                    // a stop request: shutdown, or reload removing it
	evKillTimer               // stopwaitsecs have passed since the stop signal
	evKill                    // kill now (a second SIGINT during shutdown)
	numEvents
)

func (e event) String() string {
	return [...]string{"start", "spawned", "spawnerr", "starttimer", "backoff", "exit", "stop", "killtimer", "kill"}[e]
}

// machine is the part of a process's state that transition reads and writes.
type machine struct {
	state   State
	backoff int // failed starts in a row
	// lastSpawn is when the current or last process was spawned.
	lastSpawn time.Time
}

// facts are the details of one event.
type facts struct {
	_ [0]func() // incomparable: see ProcessStatus

	now      time.Time
	pid      int    // evSpawned; the live pid for stop/kill
	err      string // evSpawnErr: supervisord's spawnerr text
	exitDesc string // evExit: "exit status 3" / "terminated by SIGTERM"
	expected bool   // evExit: the status is in exitcodes (never for a signal)
	// shutdown: gosinit is shutting down; nothing restarts, BACKOFF gives up.
	shutdown bool
	// removed: a reload dropped the process's program; it stops as asked
	// and never starts again.
	removed bool
}

// actKind is what the owner loop must do.
type actKind int

const (
	actSpawn       actKind = iota // fork/exec now; report evSpawned or evSpawnErr
	actTimer                      // arm the process's one timer: d, then the event ev
	actSignal                     // send the stop signal (to the group if stopasgroup)
	actKillSig                    // send SIGKILL (to the group if killasgroup)
	actLog                        // write msg to the activity log at level
	actGaveUp                     // the process will not run again by itself (FATAL, or EXITED without restart)
	actSetSpawnerr                // record msg as the process's spawnerr (status description)
)

type action struct {
	_ [0]func() // incomparable: see ProcessStatus

	kind  actKind
	d     time.Duration
	ev    event
	level config.Level
	msg   string
}

// transition is the state machine. p is the process's configuration; name
// is its process name as supervisord's log lines print it. handled is false
// when the event means nothing in this state (a stale or repeated request),
// in which case the loop changes nothing, not even the armed timer. f is
// only read; it comes by pointer, as copying it into each call cost text.
// addAct is append. It is not inlined: transition's closures, which
// append, are themselves inlined at some 40 places, and with the append
// in each they cost 5 kB of the binary (issue 2's 2.5 MB budget). It takes
// the slice by pointer: loading it and storing the result back at each
// of those places cost another 1.8 kB.
//
//go:noinline
func addAct(acts *[]action, a action) { *acts = append(*acts, a) }

func transition(m machine, p *config.Process, name string, ev event, f *facts) (next machine, acts []action, handled bool) {
	next = m
	log := func(level config.Level, msg string) {
		addAct(&acts, action{kind: actLog, level: level, msg: msg})
	}
	spawn := func() {
		next.state = Starting
		next.lastSpawn = f.now
		addAct(&acts, action{kind: actSpawn})
	}
	timer := func(d time.Duration, e event) {
		addAct(&acts, action{kind: actTimer, d: d, ev: e})
	}
	stop := func() {
		next.state = Stopping
		addAct(&acts, action{kind: actSignal})
		log(config.LevelDebug, "killing "+name+" (pid "+itoa(f.pid)+") "+groupWord(p.Stopasgroup)+"with signal "+signalName(sigOf(p.Stopsignal)))
		timer(p.Stopwaitsecs, evKillTimer)
	}
	// After a SIGKILL the next one waits stopwaitsecs, but at least a
	// second, as supervisord resends on its one-second tick: with
	// stopwaitsecs=0 a process slow to die (a large one, or one in
	// uninterruptible sleep) would spin the loop and flood the log.
	again := max(p.Stopwaitsecs, time.Second)
	kill := func() {
		next.state = Stopping
		addAct(&acts, action{kind: actKillSig})
		timer(again, evKillTimer)
	}
	// failedStart is STARTING -> BACKOFF, and BACKOFF -> FATAL when the
	// retries are used up.
	failedStart := func() {
		next.backoff++
		next.state = Backoff
		if next.backoff > p.Startretries || f.shutdown || f.removed {
			next.state = Fatal
			if !f.shutdown && !f.removed {
				log(config.LevelInfo, "gave up: "+name+" entered FATAL state, too many start retries too quickly")
			}
			addAct(&acts, action{kind: actGaveUp})
			return
		}
		timer(time.Duration(next.backoff)*time.Second, evBackoff)
	}

	if ev == evStart && (f.shutdown || f.removed) {
		return m, nil, false // nothing starts during shutdown, or once removed
	}
	// A stop of a STARTING or RUNNING process, and a kill of one that is
	// STARTING, RUNNING or STOPPING, are taken here: each closure is then
	// inlined once.
	live := m.state == Starting || m.state == Running
	if ev == evStop && live {
		stop()
		return next, acts, true
	}
	if ev == evKill && (live || m.state == Stopping) {
		kill()
		return next, acts, true
	}
	switch m.state {
	case Stopped, Exited, Fatal, Unknown:
		switch ev {
		case evStart:
			if m.state == Fatal || m.state == Stopped || m.state == Unknown {
				next.backoff = 0
			}
			addAct(&acts, action{kind: actSetSpawnerr})
			spawn()
			return next, acts, true
		case evStop:
			// Nothing runs; but a restart that was due is cancelled.
			return next, nil, m.state == Exited
		}
	case Starting:
		switch ev {
		case evSpawned, evStartTimer:
			if ev == evSpawned {
				// The one-second respawn floor counts from when the process
				// really started, not from when its spawn was decided.
				next.lastSpawn = f.now
				log(config.LevelInfo, "spawned: '"+name+"' with pid "+itoa(f.pid))
				if p.Startsecs > 0 {
					timer(p.Startsecs, evStartTimer)
					return next, acts, true
				}
			}
			// startsecs have passed (or are 0): one copy of the success line.
			next.state = Running
			next.backoff = 0
			log(config.LevelInfo, "success: "+name+" entered RUNNING state, process has stayed up for > than "+itoa(int(p.Startsecs/time.Second))+" seconds (startsecs)")
			return next, acts, true
		case evSpawnErr, evExit:
			// An exit before startsecs is a failed start, whatever its
			// code. The two share one inlined failedStart.
			spawnerr := f.err
			if ev == evSpawnErr {
				log(config.LevelInfo, "spawnerr: "+f.err)
			} else {
				log(config.LevelWarn, "exited: "+name+" ("+f.exitDesc+"; not expected)")
				spawnerr = "Exited too quickly (process log may have details)"
			}
			addAct(&acts, action{kind: actSetSpawnerr, msg: spawnerr})
			failedStart()
			return next, acts, true
		}
	case Running:
		switch ev {
		case evExit:
			next.state = Exited
			next.backoff = 0
			level, how := config.LevelWarn, "; not expected)"
			if f.expected {
				level, how = config.LevelInfo, "; expected)"
			}
			log(level, "exited: "+name+" ("+f.exitDesc+how)
			restart := !f.shutdown && !f.removed && (p.Autorestart == config.AutorestartTrue ||
				p.Autorestart == config.AutorestartUnexpected && !f.expected)
			if !restart {
				addAct(&acts, action{kind: actGaveUp})
				return next, acts, true
			}
			if wait := m.lastSpawn.Add(minRespawn).Sub(f.now); wait > 0 {
				timer(wait, evStart)
				return next, acts, true
			}
			spawn()
			return next, acts, true
		}
	case Backoff:
		switch ev {
		case evBackoff:
			if f.shutdown || f.removed {
				return next, nil, false
			}
			spawn()
			return next, acts, true
		case evStart:
			spawn()
			return next, acts, true
		case evStop:
			if f.shutdown {
				next.state = Fatal
				addAct(&acts, action{kind: actGaveUp})
			} else {
				next.state = Stopped
				log(config.LevelDebug, "stopped: "+name+" (was in BACKOFF)")
			}
			return next, acts, true
		}
	case Stopping:
		switch ev {
		case evExit:
			next.state = Stopped
			level := config.LevelWarn
			if f.expected {
				level = config.LevelInfo
			}
			log(level, "stopped: "+name+" ("+f.exitDesc+")")
			return next, acts, true
		case evKillTimer:
			log(config.LevelWarn, "killing '"+name+"' ("+itoa(f.pid)+") with SIGKILL")
			addAct(&acts, action{kind: actKillSig})
			timer(again, evKillTimer)
			return next, acts, true
		}
	}
	return m, nil, false
}

func sigOf(s config.Signal) unix.Signal { return unix.Signal(s) }

func groupWord(g bool) string {
	if g {
		return "process group "
	}
	return ""
}
