// Package config turns a supervisord.conf (INI) or its TOML twin into one
// typed, validated model that package proc uses as is.
//
// It is pure: it reads files and the environment it is handed, and starts no
// process. Every value is typed once, here (durations, signals, exit codes,
// byte sizes); nothing downstream parses strings.
//
// Problems are reported as Diag values that name FILE:LINE, the section and
// the key. Load returns all errors at once, sorted by file and line, as an
// *Errors; warnings (unknown keys, duplicates, typos with a "did you mean")
// are kept in Config.Warnings and never stop loading.
//
// Two front ends produce one model. The INI front end is our own reader
// (ini.go), not gopkg.in/ini.v1: that library keeps no line numbers and
// does not follow Python's configparser rules that decide what a real
// supervisord.conf means (inline comments only after whitespace,
// continuation lines, [DEFAULT], merged duplicate sections, lower-cased
// keys). The TOML front end (toml.go) maps a .toml file onto the same
// sections and keys. From there one set of rules, ported from supervisor's
// options.py and datatypes.py, applies: Python %-expansion, shlex
// splitting, supervisord's environment= quirks, defaults and value types.
// Debian's supervisor 4.2.5 is the referee: the differential test compares
// every testdata config with what it reads. Where gosinit differs on
// purpose (a config without [supervisord] loads; a bare %s, an unsplittable
// command or numprocs above 10000 is an error; user= and log directories
// are checked by CheckHost rather than while parsing), the code says so.
package config

import (
	"strconv"
	"time"

	"github.com/gosinit/gosinit/internal/textf"
	"golang.org/x/sys/unix"
)

// Config is the effective configuration: what will run, and how.
type Config struct {
	// File is the absolute path of the main configuration file.
	File string `json:"-"`

	Supervisord Supervisord `json:"supervisord"`
	Gosinit     Gosinit     `json:"gosinit"`

	// Groups are in supervisord's order: priority, then name.
	Groups []*Group `json:"groups"`

	Warnings []Diag `json:"warnings"`
	// Infos are notes that are neither errors nor warnings, such as the
	// RPC sections gosinit accepts and ignores, or each included file.
	Infos []Diag `json:"-"`

	files []string // every file read, in reading order (for sorting diagnostics)

	// NoSupervisord: the file has no [supervisord] section (its defaults
	// were used). A reload refuses such a file when the running one had
	// the section: an emptied or half-written file, as supervisord's
	// reread refuses every such file.
	NoSupervisord bool `json:"-"`
}

// Supervisord is the [supervisord] section.
type Supervisord struct {
	Logfile         string            `json:"logfile"` // absolute path, "/dev/stdout", or "" for none or syslog
	LogfileMaxbytes int64             `json:"logfile_maxbytes"`
	LogfileBackups  int               `json:"logfile_backups"`
	Loglevel        Level             `json:"loglevel"`
	Pidfile         string            `json:"pidfile"`
	Nodaemon        bool              `json:"nodaemon"`
	Minfds          uint64            `json:"minfds"`
	Minprocs        uint64            `json:"minprocs"`
	Umask           Umask             `json:"umask"`
	User            *string           `json:"user"`
	Directory       *string           `json:"directory"`
	Environment     map[string]string `json:"environment"`
	Identifier      string            `json:"identifier"`
	Childlogdir     string            `json:"childlogdir"`
	Nocleanup       bool              `json:"nocleanup"`
	StripAnsi       bool              `json:"strip_ansi"`
	Silent          bool              `json:"silent"`

	// LogfileExplicit says logfile= was set in the configuration (the
	// default is supervisord.log in the working directory).
	LogfileExplicit bool `json:"-"`
	// LogfileSyslog says logfile=syslog (Logfile is then ""); JSON shows
	// "syslog", as supervisord keeps it.
	LogfileSyslog bool `json:"-"`
	// PidfileExplicit says pidfile= (or -j) was given: gosinit writes the
	// pidfile only then, where supervisord always writes one (by default
	// supervisord.pid in the working directory, often / in a container).
	PidfileExplicit bool `json:"-"`

	// where user=, logfile= and childlogdir= are set, for CheckHost
	userPos, logfilePos, childlogdirPos Pos
}

// UserPos is where user= is set, for errors about it found at run time.
func (s *Supervisord) UserPos() Pos { return s.userPos }

// Gosinit is the [gosinit] section: gosinit's own settings, which
// supervisord ignores. The prefixes are defaults for every program.
type Gosinit struct {
	// The zero-size func array makes Gosinit incomparable: nothing
	// compares two with ==, and the equality function the compiler
	// generates for a comparable struct costs text (328 bytes here).
	_ [0]func()

	StatusFile   string `json:"status_file,omitempty"`
	StdoutPrefix string `json:"stdout_prefix,omitempty"` // unexpanded: %(program_name)s etc. are expanded per process
	StderrPrefix string `json:"stderr_prefix,omitempty"`

	stdoutPrefixPos, stderrPrefixPos Pos
}

// Group is a [group:x], the implicit group of one [program:x], the pool
// of one [eventlistener:x] (Kind "eventlistener") or the group of one
// [fcgi-program:x] (Kind "fcgi-program", with its Socket).
type Group struct {
	Name      string     `json:"name"`
	Kind      string     `json:"kind"` // "program", "eventlistener" or "fcgi-program"
	Priority  int        `json:"priority"`
	Processes []*Process `json:"processes"`

	// An eventlistener pool's settings: the event types subscribed to,
	// upper-cased as written (abstract ones such as PROCESS_STATE
	// included; ConcreteEvents expands them), buffer_size and
	// result_handler.
	Events        []string `json:"events,omitempty"`
	BufferSize    int      `json:"buffer_size,omitempty"`
	ResultHandler string   `json:"result_handler,omitempty"`

	// Socket is an fcgi-program's socket; its processes share it.
	Socket *Socket `json:"-"`
}

// Socket is an [fcgi-program:x]'s socket=: gosinit creates it, binds and
// listens, and gives it to each process of the group as its stdin (file
// descriptor 0), where a FastCGI server expects its listening socket.
type Socket struct {
	_ [0]func() // incomparable: see equal

	// URL as supervisord prints it: "unix:///PATH" or "tcp://HOST:PORT"
	// (HOST lower-cased).
	URL string
	// Path is a unix socket's absolute, normalized path; "" for TCP.
	Path string
	// Host and Port of a TCP socket.
	Host string
	Port int
	// Backlog is socket_backlog, 0 for the kernel's maximum (SOMAXCONN).
	Backlog int
	// Owner is a unix socket's socket_owner as written, "USER" or
	// "USER:GROUP"; "" leaves it to the process's user= (when that differs
	// from gosinit's own) or to gosinit.
	Owner string
	// Mode is a unix socket's socket_mode (0700 by default).
	Mode uint32

	urlPos, ownerPos Pos // where socket= and socket_owner are set, for CheckHost
}

// Process is one process of a [program:x] (numprocs gives several), with
// every setting resolved: expansions done, defaults applied, values typed.
type Process struct {
	Name    string `json:"name"`    // expanded process_name
	Group   string `json:"group"`   // the [group:x] name, or the program name
	Program string `json:"program"` // the [program:x] name
	Num     int    `json:"-"`       // process_num: numprocs_start, numprocs_start+1, ...

	Command string   `json:"command"` // the expanded command string
	Argv    []string `json:"argv"`    // split like Python's shlex.split (POSIX)

	Priority     int           `json:"priority"`
	Autostart    bool          `json:"autostart"`
	Autorestart  Autorestart   `json:"autorestart"`
	Startsecs    time.Duration `json:"-"` // JSON: startsecs, whole seconds
	Startretries int           `json:"startretries"`
	Exitcodes    []int         `json:"exitcodes"`
	Stopsignal   Signal        `json:"stopsignal"`
	Stopwaitsecs time.Duration `json:"-"` // JSON: stopwaitsecs, whole seconds
	Stopasgroup  bool          `json:"stopasgroup"`
	Killasgroup  bool          `json:"killasgroup"`

	User      *string `json:"user"` // as written; resolved by Host.Lookup at start
	Directory *string `json:"directory"`
	Umask     *Umask  `json:"umask"`

	RedirectStderr bool    `json:"redirect_stderr"`
	Stdout         LogSpec `json:"-"` // JSON: stdout_logfile, stdout_logfile_maxbytes, stdout_logfile_backups
	Stderr         LogSpec `json:"-"` // JSON: stderr_logfile, ...

	// Environment is the program's environment= merged over [supervisord]
	// environment=, as supervisord merges them. SUPERVISOR_* are added at spawn.
	Environment map[string]string `json:"environment"`

	// gosinit's own keys (supervisord ignores them).
	Essential bool `json:"essential"`

	// Listener: this is a process of an [eventlistener:x]; its stdin and
	// stdout speak supervisord's event listener protocol.
	Listener bool `json:"-"`
	// Socket: this is a process of an [fcgi-program:x]; its stdin is the
	// group's socket.
	Socket *Socket `json:"-"`

	// Where the [program:x] section starts, for messages.
	Pos Pos `json:"-"`

	// where user= and the log files are set, for CheckHost
	userPos, stdoutPos, stderrPos Pos
}

// LogSpec is one of a process's output streams.
type LogSpec struct {
	_ [0]func() // incomparable: see equal

	// Path is "" for NONE (discard) or AUTO (Auto=true), else the file as
	// supervisord keeps it: expanded, "~" resolved, and relative to the
	// working directory when written relative (gosinit, like supervisord
	// with nodaemon, never changes directory). "/dev/stdout",
	// "/dev/stderr", "/proc/self/fd/1" and "/proc/self/fd/2" are kept as
	// written. With RedirectStderr the stderr LogSpec is unused.
	Path     string
	Auto     bool
	Maxbytes int64
	Backups  int
	// Prefix is written before every line (gosinit's stdout_prefix /
	// stderr_prefix, expanded); "" means raw, unframed output.
	Prefix string
	// Events: *_events_enabled, every chunk read is also a PROCESS_LOG
	// event for event listeners.
	Events bool
	// Syslog: *_syslog=true (or the deprecated *_logfile=syslog): every
	// line also goes to syslog, as "NAME line".
	Syslog bool
}

// Autorestart is supervisord's autorestart: false, unexpected or true.
type Autorestart int

const (
	AutorestartFalse Autorestart = iota
	AutorestartUnexpected
	AutorestartTrue
)

func (a Autorestart) String() string {
	switch a {
	case AutorestartFalse:
		return "false"
	case AutorestartTrue:
		return "true"
	}
	return "unexpected"
}

// Signal is a signal number; it prints as its name without SIG ("TERM").
type Signal unix.Signal

// Umask is a file mode creation mask; it prints as 3-digit octal ("022").
type Umask uint32

// String is not inlined: inlined, it costs text at each of its callers.
//
//go:noinline
func (u Umask) String() string { return textf.Sprintf("%03o", uint32(u)) }

// Level is an activity log level, supervisord's words.
type Level int

// Levels, most severe first, with supervisord's numbers.
const (
	LevelCritical Level = 50
	LevelError    Level = 40
	LevelWarn     Level = 30
	LevelInfo     Level = 20
	LevelDebug    Level = 10
	LevelTrace    Level = 5
	LevelBlather  Level = 3
)

// Pos is a place in a configuration file.
type Pos struct {
	File string
	Line int
}

// Diag is one problem found in a configuration, with where it is.
type Diag struct {
	_ [0]func() // incomparable: see seenKey

	File    string `json:"file"`
	Line    int    `json:"line"`
	Section string `json:"section,omitempty"` // "program:web", without brackets
	Key     string `json:"key,omitempty"`
	Msg     string `json:"message"`
}

// String renders FILE:LINE: [section] key: message. A pointer receiver:
// with a value one each call copied the Diag, and *Diag (printDiags) got a
// generated wrapper too (issue 2's size).
func (d *Diag) String() string {
	s := d.File
	if d.Line > 0 {
		s += ":" + strconv.Itoa(d.Line)
	}
	s += ": "
	if d.Section != "" {
		s += "[" + d.Section + "] "
	}
	if d.Key != "" {
		s += d.Key + ": "
	}
	return s + d.Msg
}

// Errors is every error found in one load, sorted by file and line. It is
// returned as it is, never wrapped: callers assert it (err.(config.Errors))
// without errors.AsType's generic code (issue 2's binary budget).
type Errors []Diag

func (e Errors) Error() string {
	s := ""
	for i, d := range e {
		if i > 0 {
			s += "\n"
		}
		s += d.String()
	}
	return s
}
