package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gosinit/gosinit/internal/textf"
)

// User is a resolved user= setting.
type User struct {
	Name     string
	Uid, Gid uint32
	// Groups is the primary gid followed by every group that lists the
	// user, as supervisord passes them to setgroups.
	Groups []uint32
	Home   string
}

// LookupUser resolves a user name or a numeric uid, as supervisord's
// datatypes.name_to_uid does (a number is tried as a uid first), from
// /etc/passwd and /etc/group: what os/user does in a static build, in a
// few lines that keep its 15 kB out of the binary. Not inlined (issue 2).
//
//go:noinline
func LookupUser(name string) (*User, error) {
	return lookupUser(name, passwdFile, groupFile)
}

var passwdFile, groupFile = "/etc/passwd", "/etc/group"

func lookupUser(name, passwd, group string) (*User, error) {
	byID := false
	if _, err := strconv.ParseUint(name, 10, 32); err == nil {
		byID = true
	}
	u, err := findUser(passwd, name, byID)
	if err != nil || u == nil {
		if byID {
			return nil, textf.Errorf("unknown user id %s", name)
		}
		return nil, textf.Errorf("unknown user %q", name)
	}
	u.Groups = []uint32{u.Gid}
	b, err := os.ReadFile(group)
	if err != nil {
		return u, nil // no group database: the primary group alone
	}
	seen := map[uint32]bool{u.Gid: true}
	for _, f := range dbLines(b, 4) {
		gid, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil || seen[uint32(gid)] {
			continue
		}
		for _, m := range strings.Split(f[3], ",") {
			if m == u.Name {
				seen[uint32(gid)] = true
				u.Groups = append(u.Groups, uint32(gid))
				break
			}
		}
	}
	return u, nil
}

// LookupGroup resolves a group name or a numeric gid, as supervisord's
// datatypes.name_to_gid does (a number is tried as a gid first, and must
// exist), from /etc/group.
func LookupGroup(name string) (uint32, error) {
	b, err := os.ReadFile(groupFile)
	if err != nil {
		return 0, textf.Errorf("unknown group %q: %v", name, err)
	}
	_, numErr := strconv.ParseUint(name, 10, 32)
	for _, f := range dbLines(b, 3) {
		if (numErr == nil && f[2] == name) || (numErr != nil && f[0] == name) {
			if gid, err := strconv.ParseUint(f[2], 10, 32); err == nil {
				return uint32(gid), nil
			}
		}
	}
	return 0, textf.Errorf("unknown group %q", name)
}

// ResolveOwner is socket_owner's uid and gid (-1: the gid is left as it
// is, for an owner without ":GROUP"), as datatypes.colon_separated_user_group
// resolves it.
func (s *Socket) ResolveOwner() (uid, gid int, err error) {
	name, group, withGroup := strings.Cut(s.Owner, ":")
	u, err := LookupUser(name)
	if err != nil {
		return 0, 0, err
	}
	if !withGroup {
		return int(u.Uid), -1, nil
	}
	g, err := LookupGroup(group)
	if err != nil {
		return 0, 0, err
	}
	return int(u.Uid), int(g), nil
}

// lookupUserName finds a user by name only, as Python's pwd.getpwnam
// (for ~name).
func lookupUserName(name string) (*User, error) {
	u, err := findUser(passwdFile, name, false)
	if err != nil || u == nil {
		return nil, textf.Errorf("unknown user %q", name)
	}
	return u, nil
}

// findUser returns the first passwd entry whose name (or, byID, uid) is
// key; nil when there is none.
func findUser(passwd, key string, byID bool) (*User, error) {
	b, err := os.ReadFile(passwd)
	if err != nil {
		return nil, err
	}
	for _, f := range dbLines(b, 7) {
		if (byID && f[2] != key) || (!byID && f[0] != key) {
			continue
		}
		uid, err1 := strconv.ParseUint(f[2], 10, 32)
		gid, err2 := strconv.ParseUint(f[3], 10, 32)
		if err1 != nil || err2 != nil {
			return nil, textf.Errorf("user %q: non-numeric uid %q or gid %q", f[0], f[2], f[3])
		}
		return &User{Name: f[0], Uid: uint32(uid), Gid: uint32(gid), Home: f[5]}, nil
	}
	return nil, nil
}

// dbLines splits a passwd or group file into the colon-separated fields of
// its entries, skipping blank lines, comments and lines with fewer than n
// fields.
func dbLines(b []byte, n int) [][]string {
	var out [][]string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if f := strings.Split(line, ":"); len(f) >= n {
			out = append(out, f)
		}
	}
	return out
}

// CheckHost makes the checks that depend on the machine, which supervisord
// makes while parsing: every user= exists, and the directory of every log
// file exists (each program's stdout/stderr log files, [supervisord]
// logfile, and childlogdir when some program logs to AUTO). gosinit's run
// mode treats the result as fatal errors; `gosinit check` as warnings.
func (c *Config) CheckHost() []Diag {
	var ds diags // sortDiags drops repeats: numprocs' processes share their lines
	add := ds.add
	sv := &c.Supervisord
	if sv.User != nil {
		if _, err := LookupUser(*sv.User); err != nil {
			add(sv.userPos, "supervisord", "user", "%v", err)
		}
	}
	if sv.Logfile != "" {
		if d := filepath.Dir(sv.Logfile); !isDir(d) {
			add(sv.logfilePos, "supervisord", "logfile", "directory %q does not exist", d)
		}
	}
	auto := false
	userErr := map[string]error{}
	dirOK := map[string]bool{}
	for _, g := range c.Groups {
		sk := g.Socket
		if sk == nil {
			continue
		}
		sec := "fcgi-program:" + g.Name
		if sk.Owner != "" {
			if _, _, err := sk.ResolveOwner(); err != nil {
				add(sk.ownerPos, sec, "socket_owner", "%v", err)
			}
		}
		if sk.Path != "" {
			if d := filepath.Dir(sk.Path); !isDir(d) {
				add(sk.urlPos, sec, "socket", "directory %q does not exist", d)
			}
		}
	}
	for _, p := range c.Processes() {
		sec := p.section()
		if p.User != nil {
			err, done := userErr[*p.User]
			if !done {
				_, err = LookupUser(*p.User)
				userErr[*p.User] = err
			}
			if err != nil {
				add(p.userPos, sec, "user", "%v", err)
			}
		}
		// stdout, then stderr unless it goes to stdout's file; by pointer,
		// not a slice of copies (issue 2's size)
		streams := 2
		if p.RedirectStderr {
			streams = 1
		}
		for i := range streams {
			ls, at, key := &p.Stdout, p.stdoutPos, "stdout_logfile"
			if i == 1 {
				ls, at, key = &p.Stderr, p.stderrPos, "stderr_logfile"
			}
			if ls.Auto {
				auto = true
				continue
			}
			if ls.Path == "" {
				continue
			}
			d := filepath.Dir(ls.Path)
			ok, done := dirOK[d]
			if !done {
				ok = isDir(d)
				dirOK[d] = ok
			}
			if !ok {
				add(at, sec, key, "directory %q does not exist", d)
			}
		}
	}
	if auto && !isDir(sv.Childlogdir) {
		add(sv.childlogdirPos, "supervisord", "childlogdir", "directory %q does not exist (AUTO log files go there)", sv.Childlogdir)
	}
	return sortDiags(ds, c.files)
}

// diags collects CheckHost's findings. add is a method value there, not
// a closure: the closure was inlined at its dozen call sites, 3.7 kB of
// the binary (issue 2).
type diags []Diag

func (ds *diags) add(at Pos, sec, key, format string, a ...any) {
	addDiag((*[]Diag)(ds), at, sec, key, format, a) // the loader's: one copy of the append
}

// SortDiags returns ds ordered by file (the order the files were read in,
// the main file first) and line, without exact repeats.
func (c *Config) SortDiags(ds []Diag) []Diag {
	return sortDiags(ds, c.files)
}

// Runnable returns c without the groups that do not run: of several groups
// with the same name, only the first in start order runs, as supervisord
// adds groups in that order and skips a name it already has. c itself is
// unchanged (check --json shows every group, as supervisord reads them).
// Not inlined: its inlined copies cost text (issue 2's size).
//
//go:noinline
func (c *Config) Runnable() *Config {
	if c == nil {
		return nil
	}
	cp := *c
	cp.Groups = nil
	seen := map[string]bool{}
	for _, g := range c.Groups {
		if !seen[g.Name] {
			seen[g.Name] = true
			cp.Groups = append(cp.Groups, g)
		}
	}
	return &cp
}

// Processes returns every process in start order: groups in order, then
// processes in group order.
func (c *Config) Processes() []*Process {
	var ps []*Process
	for _, g := range c.Groups {
		ps = append(ps, g.Processes...)
	}
	return ps
}

// section is the name of the section p comes from.
func (p *Process) section() string {
	switch {
	case p.Listener:
		return "eventlistener:" + p.Program
	case p.Socket != nil:
		return "fcgi-program:" + p.Program
	}
	return "program:" + p.Program
}
