package config

import (
	"fmt"
	"os/user"
	"path/filepath"
	"strconv"
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
// datatypes.name_to_uid does (a number is tried as a uid first). Built
// with CGO_ENABLED=0, os/user reads /etc/passwd and /etc/group.
func LookupUser(name string) (*User, error) {
	if _, err := strconv.ParseUint(name, 10, 32); err == nil {
		u, err := user.LookupId(name)
		if err != nil {
			return nil, fmt.Errorf("unknown user id %s", name)
		}
		return fromOS(u)
	}
	return lookupUserName(name)
}

func lookupUserName(name string) (*User, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("unknown user %q", name)
	}
	return fromOS(u)
}

func fromOS(u *user.User) (*User, error) {
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("user %q: non-numeric uid %q or gid %q", u.Username, u.Uid, u.Gid)
	}
	r := &User{Name: u.Username, Uid: uint32(uid), Gid: uint32(gid), Home: u.HomeDir}
	r.Groups = []uint32{r.Gid}
	ids, err := u.GroupIds()
	if err != nil {
		return r, nil // no group database: the primary group alone
	}
	seen := map[uint32]bool{r.Gid: true}
	for _, s := range ids {
		g, err := strconv.ParseUint(s, 10, 32)
		if err != nil || seen[uint32(g)] {
			continue
		}
		seen[uint32(g)] = true
		r.Groups = append(r.Groups, uint32(g))
	}
	return r, nil
}

// CheckHost makes the checks that depend on the machine, which supervisord
// makes while parsing: every user= exists, and the directory of every log
// file exists (each program's stdout/stderr log files, [supervisord]
// logfile, and childlogdir when some program logs to AUTO). gosinit's run
// mode treats the result as fatal errors; `gosinit check` as warnings.
func (c *Config) CheckHost() []Diag {
	var ds []Diag
	seen := map[Diag]bool{}
	add := func(at Pos, sec, key, format string, a ...any) {
		d := Diag{File: at.File, Line: at.Line, Section: sec, Key: key, Msg: fmt.Sprintf(format, a...)}
		if !seen[d] { // numprocs: processes share their settings' lines
			seen[d] = true
			ds = append(ds, d)
		}
	}
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
	for _, p := range c.Processes() {
		sec := "program:" + p.Program
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
		streams := []struct {
			name string
			ls   LogSpec
			at   Pos
		}{{"stdout_logfile", p.Stdout, p.stdoutPos}}
		if !p.RedirectStderr {
			streams = append(streams, struct {
				name string
				ls   LogSpec
				at   Pos
			}{"stderr_logfile", p.Stderr, p.stderrPos})
		}
		for _, st := range streams {
			if st.ls.Auto {
				auto = true
				continue
			}
			if st.ls.Path == "" {
				continue
			}
			d := filepath.Dir(st.ls.Path)
			ok, done := dirOK[d]
			if !done {
				ok = isDir(d)
				dirOK[d] = ok
			}
			if !ok {
				add(st.at, sec, st.name, "directory %q does not exist", d)
			}
		}
	}
	if auto && !isDir(sv.Childlogdir) {
		add(sv.childlogdirPos, "supervisord", "childlogdir", "directory %q does not exist (AUTO log files go there)", sv.Childlogdir)
	}
	return ds
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
