package proc

import (
	"os"
	"testing"

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
