package config

import (
	"maps"
	"slices"
)

// Equal says p and q are the same process to supervisord's reread: every
// effective setting is equal (options.py ProcessConfig.__eq__ compares the
// settings, not where they were written). A program whose section moved
// down the file, or whose user= moved a line, is unchanged and keeps
// running across a reload. process_num is not compared either (nor is it
// by supervisord): a numprocs_start that changes neither a name nor a
// command changes nothing.
//
// It replaces reflect.DeepEqual, which also compared the key positions and
// linked reflect into the binary. TestProcessEqualCoversEveryField fails
// when a field is added to Process and not here.
func (p *Process) Equal(q *Process) bool {
	return p.Name == q.Name && p.Group == q.Group && p.Program == q.Program &&
		p.Command == q.Command && slices.Equal(p.Argv, q.Argv) &&
		p.Priority == q.Priority && p.Autostart == q.Autostart && p.Autorestart == q.Autorestart &&
		p.Startsecs == q.Startsecs && p.Startretries == q.Startretries &&
		slices.Equal(p.Exitcodes, q.Exitcodes) && p.Stopsignal == q.Stopsignal &&
		p.Stopwaitsecs == q.Stopwaitsecs && p.Stopasgroup == q.Stopasgroup && p.Killasgroup == q.Killasgroup &&
		equalPtr(p.User, q.User) && equalPtr(p.Directory, q.Directory) && equalPtr(p.Umask, q.Umask) &&
		p.RedirectStderr == q.RedirectStderr && p.Stdout.equal(&q.Stdout) && p.Stderr.equal(&q.Stderr) &&
		maps.Equal(p.Environment, q.Environment) && p.Essential == q.Essential &&
		p.Listener == q.Listener && p.Socket.equal(q.Socket)
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// equal compares two log settings. LogSpec and Socket are incomparable
// (a [0]func() field): == on them called generated equality functions,
// larger than these (issue 2's size). TestProcessEqualCoversEveryField
// and TestSocketEqualCoversEveryField fail when a field is left out.
func (a *LogSpec) equal(b *LogSpec) bool {
	return a.Path == b.Path && a.Auto == b.Auto && a.Maxbytes == b.Maxbytes && a.Backups == b.Backups &&
		a.Prefix == b.Prefix && a.Events == b.Events && a.Syslog == b.Syslog
}

// equal compares two sockets' settings, not where they are written.
func (a *Socket) equal(b *Socket) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.URL == b.URL && a.Path == b.Path && a.Host == b.Host && a.Port == b.Port &&
		a.Backlog == b.Backlog && a.Owner == b.Owner && a.Mode == b.Mode
}
