package proc

import (
	"os"
	"slices"

	"github.com/gosinit/gosinit/config"
)

// Reload on SIGHUP is supervisorctl's `reread` + `update`, not
// supervisord's full restart: groups that disappeared are stopped and
// forgotten, changed ones are stopped and started again with their new
// settings, added ones are started, and unchanged ones are not touched at
// all. A configuration that no longer loads changes nothing.

// reload re-reads the configuration and applies the difference.
//
// The changes published are those of every reload since the last one
// that ran alone: a SIGHUP that came during a reload runs another once it
// is over, and a reader that sent either sees what both changed.
func (s *Supervisor) reload() {
	s.status.ReloadRequests++
	s.markDirty()
	s.reloadOnce()
}

func (s *Supervisor) reloadOnce() {
	if s.reloading {
		s.reloadAgain = true
		return
	}
	if !s.reloadAgain {
		s.status.Changes = nil // not queued behind another reload
	}
	s.reloadAgain = false
	s.generation++
	s.markDirty()
	if s.readySent { // else still starting: READY=1 waits for the programs
		if err := s.notify.Reloading(); err != nil {
			s.log.warnf("systemd notify: %v", err)
		}
	}
	env := s.opts.ConfigEnv
	env.Environ = os.Environ()
	var cfg *config.Config
	var err error
	if st, serr := os.Stat(s.opts.ConfigPath); serr == nil && !st.Mode().IsRegular() {
		// A pipe (`-c <(...)`) was read to its end at the start; a FIFO
		// would hold the loop in open(2) until someone writes it.
		err = config.Errors{{File: s.opts.ConfigPath, Msg: "not a regular file (a pipe or FIFO is read once, at the start): nothing re-read"}}
	} else {
		cfg, err = config.Load(s.opts.ConfigPath, env)
	}
	s.status.ReloadWarnings = nil
	if cfg != nil {
		for _, w := range cfg.Warnings {
			s.status.ReloadWarnings = append(s.status.ReloadWarnings, w.String())
		}
	}
	if err == nil {
		var herrs config.Errors
		if cfg.NoSupervisord && !s.cfg.NoSupervisord {
			herrs = append(herrs, config.Diag{File: cfg.File, Msg: "no [supervisord] section, and the running file has one: an emptied or half-written file? (supervisord's reread refuses it too)"})
		}
		herrs = append(herrs, cfg.CheckHost()...)
		if len(herrs) > 0 {
			err = herrs
		}
	}
	if err != nil {
		s.status.Reload = "error"
		s.status.Generation = s.generation
		s.status.ReloadErrors = nil
		// Errors is Load's only kind of error (a type assertion that
		// could panic would be a risk to PID 1 for nothing).
		errs, _ := err.(config.Errors)
		for _, d := range errs {
			s.status.ReloadErrors = append(s.status.ReloadErrors, d.String())
		}
		for _, e := range s.status.ReloadErrors {
			s.log.errorf("reload rejected, nothing changed: %s", e)
		}
		s.readyAgain()
		return
	}
	for _, w := range cfg.Warnings {
		s.log.warnf("%s", w.String())
	}
	cfg = cfg.Runnable()
	if cfg.Gosinit.StatusFile != s.cfg.Gosinit.StatusFile {
		s.log.warnf("[gosinit] status_file changed: it takes effect at the next start; the status is still written to %s", s.statusPath)
	}
	s.changes = s.status.Changes // a queued reload's follow the first one's
	oldGroups := map[string][]*process{}
	for _, p := range s.procs {
		oldGroups[p.cfg.Group] = append(oldGroups[p.cfg.Group], p)
	}
	removed, changed, addedGroups := diffGroups(s.cfg.Groups, cfg.Groups)
	// supervisorctl update's order: the removed groups are stopped; then
	// the changed ones are stopped and started again; then the added
	// ones start. A program moved or renamed into another group (the
	// same port, the same lock) never runs twice, and a changed group
	// keeps running until the removed ones are gone. Each step stops its
	// groups in parallel, by priority level.
	var gone []*process
	s.reloadRemoved, s.reloadChanged, s.reloadAdded = nil, nil, nil
	for _, g := range removed {
		s.changes = append(s.changes, g.Name+": stopped", g.Name+": removed process group")
		gone = append(gone, oldGroups[g.Name]...)
		s.reloadRemoved = append(s.reloadRemoved, g.Name)
	}
	s.changedOld = nil
	for _, g := range changed {
		s.changes = append(s.changes, g.Name+": stopped", g.Name+": updated process group")
		s.changedOld = append(s.changedOld, oldGroups[g.Name]...)
		s.pendingAdd = append(s.pendingAdd, g.Processes...)
		s.reloadChanged = append(s.reloadChanged, g.Name)
	}
	for _, g := range addedGroups {
		s.changes = append(s.changes, g.Name+": added process group")
		s.pendingAdd = append(s.pendingAdd, g.Processes...)
		s.reloadAdded = append(s.reloadAdded, g.Name)
	}
	// Programs still waiting to be started (startSome) that the reload
	// removes or changes never start: the changed ones start anew, with
	// their new settings, once the old ones are stopped.
	s.toStart = slices.DeleteFunc(s.toStart, func(p *process) bool {
		return slices.Contains(gone, p) || slices.Contains(s.changedOld, p)
	})
	s.cfg = cfg
	s.reloading = true
	s.removeGroup(gone)
	s.stepStop()
}

// addProcesses adds processes of the new configuration; the autostart
// ones are started by the loop, a batch per turn, as at the start
// (startSome).
func (s *Supervisor) addProcesses(cs []*config.Process) {
	for _, c := range cs {
		p := s.newProcess(c)
		s.procs = append(s.procs, p)
		if c.Autostart {
			s.toStart = append(s.toStart, p)
			s.starting = true
		}
	}
}

// removeGroup marks processes for stopping and forgetting; a restart that
// was due is cancelled. All are marked, and those not running (BACKOFF,
// a restart due) all fed, before the caller steps the stop: a feed that
// stepped it could finish the step, and even start the new processes,
// while others of it were still to be fed (their STOPPED would come after
// the new ones' STARTING).
func (s *Supervisor) removeGroup(ps []*process) {
	for _, p := range ps {
		p.removed = true
	}
	s.holdStep = true
	for _, p := range ps {
		// Not one reaped while its output drains: its exit is still to
		// be reported, as an exit (stepStop waits for it).
		if p.pid == 0 && p.pendingExit == nil {
			s.feed(p, evStop, facts{})
		}
	}
	s.holdStep = false
}

// diffGroups is supervisord's diff_to_active (supervisord.py): the groups
// of cur that next no longer has, the groups of next whose settings
// differ from cur's (ProcessGroupConfig.__eq__: the group's priority and
// every setting of every process, in order), and the groups next adds.
// removed is in cur's order, changed and added in next's.
func diffGroups(cur, next []*config.Group) (removed, changed, added []*config.Group) {
	byName := map[string]*config.Group{}
	for _, g := range cur {
		byName[g.Name] = g
	}
	inNext := map[string]bool{}
	for _, g := range next {
		inNext[g.Name] = true
		old, ok := byName[g.Name]
		switch {
		case !ok:
			added = append(added, g)
		case !groupEqual(old, g):
			changed = append(changed, g)
		}
	}
	for _, g := range cur {
		if !inNext[g.Name] {
			removed = append(removed, g)
		}
	}
	return removed, changed, added
}

func groupEqual(a, b *config.Group) bool {
	if a.Kind != b.Kind || a.Priority != b.Priority || len(a.Processes) != len(b.Processes) ||
		!slices.Equal(a.Events, b.Events) || a.BufferSize != b.BufferSize || a.ResultHandler != b.ResultHandler {
		return false
	}
	for i, p := range a.Processes {
		if !p.Equal(b.Processes[i]) {
			return false
		}
	}
	return true
}

// finishReload runs once every removed process has stopped: they are
// dropped (no longer listed), and the changed groups are stopped; once
// they too are gone, the pools are renewed and the new and changed
// processes start. It may run inside itself (a feed steps the stop); each
// step is done before the next begins.
func (s *Supervisor) finishReload() {
	kept := s.procs[:0]
	for _, p := range s.procs {
		if !p.removed {
			kept = append(kept, p)
			continue
		}
		s.cancelTimer(p)
		p.forgotten = true
		s.forget(p)
	}
	s.procs = kept
	for _, name := range s.reloadRemoved {
		s.emit("PROCESS_GROUP_REMOVED", "groupname:"+name+"\n")
	}
	s.reloadRemoved = nil
	s.markDirty()
	if ps := s.changedOld; len(ps) > 0 {
		s.changedOld = nil
		s.removeGroup(ps)
		s.stepStop() // back here when they are gone
		return
	}
	for _, name := range s.reloadChanged {
		s.emit("PROCESS_GROUP_REMOVED", "groupname:"+name+"\n")
	}
	add := s.pendingAdd
	s.pendingAdd = nil
	s.reloading = false
	changed := s.reloadChanged
	s.pools = newPools(s.cfg, s.pools, func(name string) bool { return !slices.Contains(changed, name) })
	for _, name := range append(s.reloadChanged, s.reloadAdded...) {
		s.emit("PROCESS_GROUP_ADDED", "groupname:"+name+"\n")
	}
	s.reloadRemoved, s.reloadChanged, s.reloadAdded = nil, nil, nil
	s.addProcesses(add)
	s.armTicks()
	sortProcs(s.procs)
	s.status.Reload = "ok"
	s.status.Generation = s.generation
	s.status.ReloadErrors = nil
	for i := len(s.status.Changes); i < len(s.changes); i++ {
		s.log.infof("%s", s.changes[i])
	}
	s.status.Changes = s.changes
	s.markDirty()
	s.readyAgain()
	if s.reloadAgain {
		s.reloadOnce()
	}
	// A --wait main program may have waited only for processes now gone.
	if !s.reloading {
		s.checkReady()
	}
}

// forget releases the log files of a process a reload dropped, once its
// copiers are done with them (a daemonized grandchild may keep a pipe
// open after the process exits: its last leDrained does it then).
func (s *Supervisor) forget(p *process) {
	if p.forgotten && p.openPipes <= 0 && p.out != nil {
		s.outputs.release(p.out)
	}
}

// readyAgain tells systemd the reload is over (if it was told the start
// was, else checkReady will).
func (s *Supervisor) readyAgain() {
	if s.readySent {
		if err := s.notify.Ready(); err != nil {
			s.log.warnf("systemd notify: %v", err)
		}
	}
	s.settling = true
}

// sortProcs keeps processes in supervisord's start order after a reload:
// group priority, group name, then process order within the group.
func sortProcs(ps []*process) {
	// stable insertion sort on (priority, group); the order within a group
	// is kept as added.
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && less(ps[j], ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

func less(a, b *process) bool {
	if a.order != b.order {
		return a.order < b.order
	}
	return a.cfg.Group < b.cfg.Group
}
