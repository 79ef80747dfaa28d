package proc

import (
	"os"
	"testing"
	"time"

	"github.com/gosinit/gosinit/config"
)

// TestListenerSpawnFailureClosesStdin: a listener whose spawn fails after
// its stdin pipe is made (here: directory= is missing) gets that pipe's
// write end closed, not left open until the garbage collector finds it.
func TestListenerSpawnFailureClosesStdin(t *testing.T) {
	s := &Supervisor{log: newLogger(config.LevelCritical), events: make(chan loopEvent, 16), cfg: &config.Config{}}
	s.cfg.Supervisord.Nocleanup = true
	s.opts.Stdout, s.opts.Stderr = os.Stdout, os.Stderr
	var err error
	if s.devNull, err = os.OpenFile(os.DevNull, os.O_RDWR, 0); err != nil {
		t.Fatal(err)
	}
	if s.outputs, err = newOutputs(s); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir() + "/missing"
	p := &process{cfg: &config.Process{Name: "l", Group: "l", Argv: []string{"/bin/true"}, Listener: true, Directory: &dir}}
	if _, err := s.spawn(p); err == nil {
		t.Fatal("spawn succeeded in a missing directory")
	}
	if l := p.listener; l != nil && l.stdin != nil {
		t.Errorf("the failed spawn left the listener's stdin (fd %d) open", l.stdin.Fd())
	}
}

// TestDrainedSpawnFeedsExit: once the pipes of a process's current spawn
// are drained, its exit is fed, although a pipe of an earlier spawn is
// still open (a daemonized child of that spawn holds it): that pipe must
// not hold up, for drainWait, every later exit of the process.
func TestDrainedSpawnFeedsExit(t *testing.T) {
	s := &Supervisor{log: newLogger(config.LevelCritical), now: time.Now, byPid: map[int]*process{}, cfg: &config.Config{}}
	p := &process{cfg: &config.Process{Name: "p", Group: "p", Autorestart: config.AutorestartFalse}}
	p.m.state = Running
	s.procs = []*process{p}
	// Spawn 1 left one pipe open; spawn 2 has two, the second of which
	// drains now, after the process was reaped.
	p.spawns, p.openPipes, p.spawnPipes = 2, 2, 1
	p.pendingExit = &facts{pid: 42, exitDesc: "exit status 0", expected: true}
	s.openDrains = 2
	s.onEvent(loopEvent{kind: leDrained, p: p, gen: 2})
	if p.pendingExit != nil || p.m.state != Exited {
		t.Errorf("after the spawn's last pipe drained: pending exit %v, state %s; want the exit fed, EXITED", p.pendingExit, p.m.state)
	}
	// The earlier spawn's pipe drains at last: nothing more happens.
	s.onEvent(loopEvent{kind: leDrained, p: p, gen: 1})
	if p.openPipes != 0 || p.spawnPipes != 0 || p.m.state != Exited {
		t.Errorf("after the earlier spawn's pipe: openPipes %d, spawnPipes %d, state %s", p.openPipes, p.spawnPipes, p.m.state)
	}
}
