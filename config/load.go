package config

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gosinit/gosinit/internal/dirs"
	"github.com/gosinit/gosinit/internal/strsort"
	"github.com/gosinit/gosinit/internal/textf"
)

// Env is what Load needs from the machine: the environment for %(ENV_X)s
// (as os.Environ returns it), the host name for %(host_node_name)s, and
// the [supervisord] settings given on the command line.
type Env struct {
	Environ   []string
	Hostname  string
	Overrides []Override
}

// Override is a [supervisord] setting given on gosinit's command line with
// one of supervisord's own flags (`-l FILE` is logfile=FILE). As with
// supervisord, it beats the file's value, and it is taken literally: no
// %(name)s expansion. It is checked like the key in the file, and its
// errors name the flag ("command line (-y): [supervisord]
// logfile_maxbytes: ...").
type Override struct {
	_ [0]func() // incomparable: see Gosinit

	Key   string // the [supervisord] key
	Value string
	Flag  string // as given, for messages: "-l"
}

// SupervisordFlag is one of supervisord's command-line options that sets a
// [supervisord] key (supervisor/options.py, ServerOptions.__init__); a
// boolean one takes no value and sets the key to true.
type SupervisordFlag struct {
	Names  []string // short first, without dashes
	Key    string
	IsBool bool
}

// SupervisordFlags are the options gosinit's command line accepts as
// supervisord does. -c/--configuration, -e/--loglevel, -h and -v are not
// here: they are gosinit's own -c, --loglevel, help and version.
var SupervisordFlags = []SupervisordFlag{
	{[]string{"n", "nodaemon"}, "nodaemon", true},
	{[]string{"s", "silent"}, "silent", true},
	{[]string{"u", "user"}, "user", false},
	{[]string{"m", "umask"}, "umask", false},
	{[]string{"d", "directory"}, "directory", false},
	{[]string{"l", "logfile"}, "logfile", false},
	{[]string{"y", "logfile_maxbytes"}, "logfile_maxbytes", false},
	{[]string{"z", "logfile_backups"}, "logfile_backups", false},
	{[]string{"j", "pidfile"}, "pidfile", false},
	{[]string{"i", "identifier"}, "identifier", false},
	{[]string{"q", "childlogdir"}, "childlogdir", false},
	{[]string{"k", "nocleanup"}, "nocleanup", true},
	{[]string{"a", "minfds"}, "minfds", false},
	{[]string{"t", "strip_ansi"}, "strip_ansi", true},
	{[]string{"minprocs"}, "minprocs", false},
}

// Load reads the configuration file at path and everything it includes.
// A file whose name ends in .toml is TOML; anything else is supervisord's
// INI dialect.
//
// When the configuration has errors, Load returns them all as Errors,
// sorted by file and line, together with a *Config that is incomplete but
// whose Warnings and Infos are meaningful. When the main file cannot be
// read, it returns that one Error (naming the file) and no *Config.
func Load(path string, env Env) (*Config, error) {
	abs, err := dirs.Abs(path)
	var data []byte
	if err == nil {
		data, err = os.ReadFile(abs)
	}
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err // the path is the Diag's
	}
	if err != nil {
		// Errors, as every reason the file cannot run: exit 2
		return nil, Errors{{File: path, Msg: "cannot read: " + err.Error()}}
	}
	l := newLoader(abs, env)
	return l.load(data)
}

// maxNumprocs bounds numprocs: supervisord has no limit, but a typo such
// as numprocs=10000000 should be an error, not an out-of-memory PID 1.
const maxNumprocs = 10000

// loader holds the state of one Load.
type loader struct {
	env      Env
	environ  map[string]string
	osVars   map[string]any // ENV_X for the process environment
	svVars   map[string]any // ENV_X added by [supervisord] environment=
	mainFile string
	here     string // directory of the main file
	cwd      string

	doc         *document
	includeMode bool // the main file has [include]: %(here)s is per file
	noInclude   bool // for fuzzing: never touch the file system

	errs, warns, infos []Diag
}

func newLoader(mainFile string, env Env) *loader {
	l := &loader{
		env:      env,
		environ:  map[string]string{},
		osVars:   map[string]any{},
		svVars:   map[string]any{},
		mainFile: mainFile,
		here:     filepath.Dir(mainFile),
	}
	for _, kv := range env.Environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if _, dup := l.environ[k]; dup {
			continue // the first one wins, as in Python's os.environ
		}
		l.environ[k] = v
		l.osVars["ENV_"+k] = v
	}
	l.cwd, _ = syscall.Getwd()
	return l
}

// errorf, warnf and infof share addDiag: each had its own copy of the
// append and the Diag literal (680 bytes of text apiece). They stay out of
// line so that their 78 call sites do not grow.
//
//go:noinline
func (l *loader) errorf(at Pos, sec, key, format string, a ...any) {
	addDiag(&l.errs, at, sec, key, format, a)
}

//go:noinline
func (l *loader) warnf(at Pos, sec, key, format string, a ...any) {
	addDiag(&l.warns, at, sec, key, format, a)
}

//go:noinline
func (l *loader) infof(at Pos, sec, key, format string, a ...any) {
	addDiag(&l.infos, at, sec, key, format, a)
}

//go:noinline
func addDiag(ds *[]Diag, at Pos, sec, key, format string, a []any) {
	*ds = append(*ds, Diag{File: at.File, Line: at.Line, Section: sec, Key: key, Msg: textf.Sprintf(format, a...)})
}

// parseFile reads one file with the front end its name asks for.
func (l *loader) parseFile(file string, data []byte) {
	l.doc.files = append(l.doc.files, file)
	if strings.HasSuffix(file, ".toml") {
		l.parseTOML(l.doc, file, data)
	} else {
		l.parseINI(l.doc, file, data)
	}
}

func (l *loader) load(data []byte) (*Config, error) {
	l.doc = newDocument()
	l.parseFile(l.mainFile, data)
	l.include()

	cfg := &Config{File: l.mainFile, Groups: []*Group{}, files: l.doc.files}
	l.checkSections()
	cfg.NoSupervisord = l.doc.byName["supervisord"] == nil
	cfg.Supervisord = l.supervisord()
	cfg.Gosinit = l.gosinit()
	cfg.Groups = l.groups(&cfg.Gosinit)

	cfg.Warnings = l.sorted(l.warns)
	cfg.Infos = l.infos
	if len(l.errs) > 0 {
		return cfg, Errors(l.sorted(l.errs))
	}
	return cfg, nil
}

// sorted orders diagnostics by file (in reading order) and line, and
// drops exact repeats (a per-process key is read once per process).
func (l *loader) sorted(ds []Diag) []Diag {
	return sortDiags(ds, l.doc.files)
}

// sortDiags orders ds by file (by its place in files) and line, and drops
// exact repeats.
func sortDiags(ds []Diag, files []string) []Diag {
	// Every sort in gosinit sorts pointers (or strings), here to the
	// first of each diagnostic, then copies the elements in that order:
	// one instantiation of slices' generic stable sort serves them all,
	// where sort.SliceStable costs 10 kB more (reflectlite's Swapper and
	// sort's _func variants) and an instantiation for a struct type
	// 6-10 kB (issue 2).
	var ps []*Diag
	seen := map[string]bool{}
	for i := range ds {
		if k := ds[i].seenKey(); !seen[k] {
			seen[k] = true
			ps = append(ps, &ds[i])
		}
	}
	slices.SortStableFunc(ps, func(a, b *Diag) int {
		return cmp.Or(cmp.Compare(fileIndex(files, a.File), fileIndex(files, b.File)), cmp.Compare(a.Line, b.Line))
	})
	out := make([]Diag, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

// seenKey is d as a string no other Diag gives: each field but the last
// goes with its length (or, Line, up to a ':'). Diag is no map key (nor
// comparable): a comparable struct's generated equality and hash
// functions, and its [1]Diag array's, cost more text than this.
func (d *Diag) seenKey() string {
	return strconv.Itoa(d.Line) + ":" + strconv.Itoa(len(d.File)) + ":" + d.File +
		strconv.Itoa(len(d.Section)) + ":" + d.Section + strconv.Itoa(len(d.Key)) + ":" + d.Key + d.Msg
}

// include reads the files named by the main file's [include] section, as
// options.py read_config does: space-separated globs, relative ones joined
// to the main file's directory, each pattern's matches in sorted order.
func (l *loader) include() {
	inc := l.doc.byName["include"]
	if inc == nil {
		return
	}
	l.includeMode = true
	if l.noInclude {
		return
	}
	e, raw, found := l.lookup(inc, "files")
	if !found {
		l.errorf(inc.pos, "include", "files", "missing: an [include] section needs files = GLOB ...")
		return
	}
	if e.bad {
		return
	}
	var patterns []string
	if e.list != nil {
		for _, p := range e.list {
			x, err := pyFormat(p, l.includeVars())
			if err != nil {
				l.errorf(e.pos, "include", "files", "%v", err)
				return
			}
			patterns = append(patterns, x)
		}
	} else {
		x, err := pyFormat(raw, l.includeVars())
		if err != nil {
			l.errorf(e.pos, "include", "files", "%v", err)
			return
		}
		patterns = strings.FieldsFunc(x, pyIsSpace)
	}
	for _, p := range patterns {
		if !strings.HasPrefix(p, "/") {
			p = strings.TrimSuffix(l.here, "/") + "/" + p
		}
		matches := pyGlob(p)
		if len(matches) == 0 {
			l.warnf(e.pos, "include", "files", "no file matches %q", p)
			continue
		}
		strsort.Sort(matches)
		for _, m := range matches {
			var data []byte
			st, err := os.Stat(m)
			if err == nil && !st.Mode().IsRegular() {
				err = textf.Errorf("%s is not a regular file", m)
			}
			if err == nil {
				data, err = os.ReadFile(m)
			}
			if err != nil {
				l.warnf(e.pos, "include", "files", "cannot read included file: %v", err)
				continue
			}
			l.infof(e.pos, "include", "files", "included file %q", m)
			l.parseFile(m, data)
		}
	}
	for _, k := range inc.order {
		if ke := inc.keys[k]; ke.pos.File != l.mainFile {
			l.warnf(ke.pos, "include", k, "ignored: only the main file's [include] is read, as in supervisord")
		}
	}
}

//go:noinline
func (l *loader) includeVars() vars {
	return &scope{nameMap("here", l.here, "host_node_name", l.env.Hostname), l.osVars}
}

// hereVars is the scope most sections expand in: here, then (withSv,
// once [supervisord] is read) its environment's ENV_*, then the process
// environment's. Not inlined: each inlined map literal was built at its
// call site (issue 2's size).
//
//go:noinline
func (l *loader) hereVars(withSv bool) vars {
	here := nameMap("here", l.here)
	if withSv {
		return &scope{here, l.svVars, l.osVars}
	}
	return &scope{here, l.osVars}
}

// lookup finds key in s, or else in [DEFAULT]. In include mode %(here)s is
// replaced first by the directory of the file the value came from, as
// options.py expand_here does.
func (l *loader) lookup(s *section, key string) (*entry, string, bool) {
	var e *entry
	if s != nil {
		e = s.keys[key]
	}
	inherited := false
	if e == nil && l.doc.defaults != nil {
		e, inherited = l.doc.defaults.keys[key], true
	}
	if e == nil {
		return nil, "", false
	}
	v := e.value
	if l.includeMode && strings.Contains(v, "%(here)s") {
		dir := filepath.Dir(e.pos.File)
		if inherited && s != nil {
			dir = filepath.Dir(s.pos.File)
		}
		v = replaceAll(v, "%(here)s", dir)
	}
	return e, v, true
}

// get returns key's value in s, expanded once with v. present is false
// when the key is not set; ok is false when expansion failed (reported).
func (l *loader) get(s *section, key string, v vars) (val string, at Pos, present, ok bool) {
	e, raw, found := l.lookup(s, key)
	if !found {
		return "", s.pos, false, true
	}
	if e.bad {
		return "", e.pos, true, false
	}
	if e.isEnv {
		l.errorf(e.pos, s.name, key, "must be a single value, not a table")
		return "", e.pos, true, false
	}
	out, err := pyFormat(raw, v)
	if err != nil {
		l.errorf(e.pos, s.name, key, "%v", err)
		return "", e.pos, true, false
	}
	return out, e.pos, true, true
}

// typed reads key from s, expands it with v and converts it with parse;
// def is the value when the key is not set or wrong (errors are reported).
func typed[T any](l *loader, s *section, key string, def T, v vars, parse func(string) (T, error)) (T, Pos, bool) {
	val, at, present, ok := l.get(s, key, v)
	if !present || !ok {
		return def, at, false
	}
	x, err := parse(val)
	if err != nil {
		l.badValue(at, s, key, err)
		return def, at, false
	}
	return x, at, true
}

// badValue reports a value typed could not parse. Not inlined: typed has
// six instantiations, each with its own copy otherwise.
//
//go:noinline
func (l *loader) badValue(at Pos, s *section, key string, err error) {
	l.errorf(at, s.name, key, "%v", err)
}

// negative warns about a negative startsecs, startretries, stopwaitsecs or
// *_backups, which supervisord takes as written and treats as 0; so does
// gosinit (startretries=-1 is in public configs, meant as "for ever").
//
//go:noinline
func (l *loader) negative(at Pos, sec, key string, n int, means string) {
	if n < 0 {
		l.warnf(at, sec, key, "%d acts as 0: %s", n, means)
	}
}

// nonNegative wraps parse to refuse negative values (minfds, minprocs).
// Not inlined: its closure, inlined, cost 0.9 kB (issue 2's size).
//
//go:noinline
func nonNegative(parse func(string) (int, error)) func(string) (int, error) {
	return func(s string) (int, error) {
		n, err := parse(s)
		if err == nil && n < 0 {
			return 0, textf.Errorf("%q must not be negative", s)
		}
		return n, err
	}
}

func asString(s string) (string, error) { return s, nil }

// environment reads an environment= value: supervisord's KEY=val,...
// string, expanded once per set of names in passes and then parsed, or a
// TOML table whose values are expanded the same way.
func (l *loader) environment(s *section, passes ...vars) ([]envPair, bool) {
	e, raw, found := l.lookup(s, "environment")
	if !found {
		return nil, true
	}
	if e.bad {
		return nil, false
	}
	expand := func(x string) (string, bool) {
		for _, v := range passes {
			var err error
			if x, err = pyFormat(x, v); err != nil {
				if len(passes) > 1 {
					err = twice(err, "[supervisord] environment")
				}
				l.errorf(e.pos, s.name, "environment", "%v", err)
				return "", false
			}
		}
		return x, true
	}
	if e.isEnv {
		var pairs []envPair
		for _, p := range e.env {
			x, ok := expand(p.Value)
			if !ok {
				return nil, false
			}
			pairs = append(pairs, envPair{Key: p.Key, Value: x})
		}
		return pairs, true
	}
	x, ok := expand(raw)
	if !ok {
		return nil, false
	}
	pairs, err := parseEnvironment(x)
	if err != nil {
		l.errorf(e.pos, s.name, "environment", "cannot parse %q: %v (write KEY=value pairs separated by commas; quote values that contain other punctuation)", truncate(x), err)
		return nil, false
	}
	return pairs, true
}

// expanduser is Python's os.path.expanduser.
func (l *loader) expanduser(p string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	i := strings.IndexByte(p, '/')
	if i < 0 {
		i = len(p)
	}
	var home string
	if i == 1 {
		h, ok := l.environ["HOME"]
		if !ok {
			u, err := LookupUser(strconv.Itoa(os.Getuid()))
			if err != nil {
				return p
			}
			h = u.Home
		}
		home = h
	} else {
		u, err := lookupUserName(p[1:i])
		if err != nil {
			return p
		}
		home = u.Home
	}
	r := strings.TrimRight(home, "/") + p[i:]
	if r == "" {
		r = "/"
	}
	return r
}

// normalizePath is options.py normalize_path: expanduser, abspath against
// the working directory, normpath.
func (l *loader) normalizePath(p string) string {
	p = l.expanduser(p)
	if !strings.HasPrefix(p, "/") {
		p = pyJoin(l.cwd, p)
	}
	return pyNormpath(p)
}

// pyNormpath is posixpath.normpath: like filepath.Clean, but a path that
// starts with exactly two slashes keeps them.
func pyNormpath(p string) string {
	c := filepath.Clean(p)
	if strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///") {
		if c == "/" {
			return "//"
		}
		return "/" + c
	}
	return c
}

// tempdir is Python's tempfile.gettempdir() near enough: TMPDIR, TEMP or
// TMP when it names a directory, else /tmp.
func (l *loader) tempdir() string {
	for _, k := range []string{"TMPDIR", "TEMP", "TMP"} {
		if d, ok := l.environ[k]; ok && d != "" {
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				if !strings.HasPrefix(d, "/") {
					d = pyJoin(l.cwd, d)
				}
				return pyNormpath(d)
			}
		}
	}
	return "/tmp"
}

// supervisord builds the [supervisord] section, as options.py read_config
// and ServerOptions.realize do. A config without the section gets the
// defaults (supervisord refuses it; conf.d-style files often lack it).
func (l *loader) supervisord() Supervisord {
	s := l.doc.byName["supervisord"]
	if s == nil {
		if l.errs == nil { // not after a TOML syntax error, which leaves no sections at all
			l.infof(Pos{l.mainFile, 0}, "", "", "no [supervisord] section: using its defaults (supervisord itself refuses such a file)")
		}
		s = &section{name: "supervisord", pos: Pos{l.mainFile, 0}, keys: map[string]*entry{}}
	}
	for _, o := range l.env.Overrides {
		// %% keeps a literal % through the expansion every value gets.
		s.keys[o.Key] = &entry{key: o.Key, value: replaceAll(o.Value, "%", "%%"),
			pos: Pos{File: "command line (" + o.Flag + ")"}}
	}
	v := l.hereVars(false)
	var sv Supervisord
	minfds, _, _ := typed(l, s, "minfds", 1024, v, nonNegative(parseInt))
	minprocs, _, _ := typed(l, s, "minprocs", 200, v, nonNegative(parseInt))
	sv.Minfds, sv.Minprocs = uint64(minfds), uint64(minprocs)
	if d, _, ok := typed(l, s, "directory", "", v, asString); ok {
		d = l.expanduser(d)
		sv.Directory = &d
	}
	if u, _, ok := typed(l, s, "user", "", v, asString); ok {
		sv.User = &u
		sv.userPos = l.keyPos(s, "user")
	}
	um, _, _ := typed(l, s, "umask", 0o22, v, parseUmask)
	sv.Umask = Umask(um)
	logfile, _, explicit := typed(l, s, "logfile", "supervisord.log", v, asString)
	sv.LogfileExplicit = explicit
	sv.logfilePos = l.keyPos(s, "logfile")
	logfile = l.expanduser(logfile)
	if logfile == "syslog" {
		sv.LogfileSyslog = true
	} else {
		sv.Logfile = l.normalizePath(logfile)
	}
	sv.LogfileMaxbytes, _, _ = typed(l, s, "logfile_maxbytes", int64(50<<20), v, parseByteSize)
	sv.LogfileBackups, _, _ = typed(l, s, "logfile_backups", 10, v, parseInt)
	sv.Loglevel, _, _ = typed(l, s, "loglevel", LevelInfo, v, ParseLevel)
	pidfile, _, pidfileSet := typed(l, s, "pidfile", "supervisord.pid", v, asString)
	sv.Pidfile = l.normalizePath(pidfile)
	sv.PidfileExplicit = pidfileSet
	sv.Identifier, _, _ = typed(l, s, "identifier", "supervisor", v, asString)
	var nodaemonSet bool
	var at Pos
	sv.Nodaemon, at, nodaemonSet = typed(l, s, "nodaemon", false, v, parseBool)
	if nodaemonSet && !sv.Nodaemon {
		l.warnf(at, s.name, "nodaemon", "gosinit never daemonizes; nodaemon=false is ignored")
	}
	sv.Silent, _, _ = typed(l, s, "silent", false, v, parseBool)
	childlogdir, _, _ := typed(l, s, "childlogdir", l.tempdir(), v, asString)
	sv.Childlogdir = l.expanduser(childlogdir)
	sv.childlogdirPos = l.keyPos(s, "childlogdir")
	sv.Nocleanup, _, _ = typed(l, s, "nocleanup", false, v, parseBool)
	sv.StripAnsi, _, _ = typed(l, s, "strip_ansi", false, v, parseBool)
	if sv.Directory != nil {
		l.warnf(l.keyPos(s, "directory"), s.name, "directory", "has no effect: supervisord changes directory only when it daemonizes, and gosinit never does")
	}

	// supervisord 4.2.5 expands [supervisord] environment= twice: once when
	// reading it (here, ENV_*) and again before parsing it (here,
	// host_node_name, ENV_*). A literal % is therefore written %%%% there.
	// (4.4.0.dev0 expands it once; Debian's 4.2.5 is our referee.)
	sv.Environment = map[string]string{}
	first := l.hereVars(false)
	second := l.includeVars() // the same scope
	if pairs, ok := l.environment(s, first, second); ok {
		for _, p := range pairs {
			sv.Environment[p.Key] = p.Value
			l.svVars["ENV_"+p.Key] = p.Value
		}
	}
	return sv
}

// keyPos is where key is set for s (in s or [DEFAULT]), else s's header.
// Not inlined: 13 call sites, 0.8 kB of the binary (issue 2).
//
//go:noinline
func (l *loader) keyPos(s *section, key string) Pos {
	if e, _, ok := l.lookup(s, key); ok {
		return e.pos
	}
	return s.pos
}

// gosinit builds the [gosinit] section.
func (l *loader) gosinit() Gosinit {
	var g Gosinit
	s := l.doc.byName["gosinit"]
	if s == nil {
		return g
	}
	v := l.hereVars(true)
	g.StatusFile, _, _ = typed(l, s, "status_file", "", v, asString)
	if _, raw, ok := l.lookup(s, "stdout_prefix"); ok {
		g.StdoutPrefix, g.stdoutPrefixPos = raw, l.keyPos(s, "stdout_prefix")
	}
	if _, raw, ok := l.lookup(s, "stderr_prefix"); ok {
		g.StderrPrefix, g.stderrPrefixPos = raw, l.keyPos(s, "stderr_prefix")
	}
	return g
}

// checkSections warns about sections gosinit does not run and keys nobody
// reads, and notes the RPC sections it ignores.
func (l *loader) checkSections() {
	if d := l.doc.defaults; d != nil {
		known := allKeys()
		for _, k := range d.order {
			if !known[k] {
				l.warnf(d.keys[k].pos, "DEFAULT", k, "unknown key: no section reads it")
			}
		}
	}
	for _, s := range l.doc.sections {
		kind, _, _ := strings.Cut(s.name, ":")
		var known map[string]bool
		switch {
		case s.name == "supervisord":
			known = supervisordKeys
		case s.name == "gosinit":
			known = gosinitKeys
		case s.name == "include":
			known = includeKeys
		case strings.HasPrefix(s.name, "program:"):
			known = programKeys
		case strings.HasPrefix(s.name, "group:"):
			known = groupKeys
		case strings.HasPrefix(s.name, "eventlistener:"):
			known = listenerKeys
		case strings.HasPrefix(s.name, "fcgi-program:"):
			known = fcgiKeys
		case rpcSections[s.name] || kind == "rpcinterface" || kind == "ctlplugin":
			l.infof(s.pos, s.name, "", "ignored: gosinit has no RPC interface (use gosinit status)")
			continue
		default:
			msg := "unknown section: supervisord ignores it"
			if sug := suggestSection(s.name); sug != "" {
				msg += textf.Sprintf("; did you mean [%s]?", sug)
			}
			l.warnf(s.pos, s.name, "", "%s", msg)
			continue
		}
		for _, k := range s.order {
			if known[k] {
				continue
			}
			msg := "unknown key: supervisord ignores it"
			if sug := suggestKey(k, known); sug != "" {
				msg += textf.Sprintf("; did you mean %s?", sug)
			}
			l.warnf(s.keys[k].pos, s.name, k, "%s", msg)
		}
	}
}

// groups builds every [group:x] and every program's own group, in
// supervisord's order: priority, then name.
func (l *loader) groups(g *Gosinit) []*Group {
	out := []*Group{}
	inGroup := map[string]string{} // program section -> group that took it
	from := map[*Group]*section{}  // the section each group comes from
	v := l.hereVars(true)
	for _, s := range l.doc.sections {
		rest, ok := strings.CutPrefix(s.name, "group:")
		if !ok {
			continue
		}
		name := pyStrip(rest)
		if err := validName(name); err != nil {
			l.errorf(s.pos, s.name, "", "%v", err)
		}
		programs, at, _, _ := l.get(s, "programs", v)
		priority, _, _ := typed(l, s, "priority", 999, v, parseInt)
		grp := &Group{Name: name, Kind: "program", Priority: priority, Processes: []*Process{}}
		if programs == "" {
			l.warnf(at, s.name, "programs", "the group has no programs")
		}
		for _, p := range listOfStrings(programs) {
			ps, fs := l.doc.byName["program:"+p], l.doc.byName["fcgi-program:"+p]
			switch {
			case ps == nil && fs == nil && strings.ContainsAny(p, " \t\n"):
				l.errorf(at, s.name, "programs", "unknown program %q: separate the names with commas", p)
				continue
			case ps == nil && fs == nil:
				l.errorf(at, s.name, "programs", "unknown program %q (there is no [program:%s] section)", p, p)
				continue
			case ps != nil && fs != nil:
				l.errorf(at, s.name, "programs", "%q is ambiguous: there is a [program:%s] and an [fcgi-program:%s]", p, p, p)
				continue
			case ps == nil:
				// options.py runs it as a plain program: its socket=
				// is not read, and stdin is not a socket.
				l.warnf(at, s.name, "programs", "%q is an [fcgi-program:%s]: in a [group:x] it runs as a plain program, without its socket (its stdin is not a socket), as in supervisord", p, p)
				ps = fs
			}
			if other, dup := inGroup[ps.name]; dup && other == name {
				l.warnf(at, s.name, "programs", "program %q is listed twice", p)
			} else if dup {
				l.warnf(at, s.name, "programs", "program %q is also in [group:%s]: its processes run once per listing, as in supervisord", p, other)
			}
			inGroup[ps.name] = name
			grp.Processes = append(grp.Processes, l.program(ps, name, g)...)
		}
		seen := map[string]bool{}
		for _, p := range grp.Processes {
			if seen[p.Name] {
				l.warnf(at, s.name, "programs", "two processes are named %q in this group: supervisord runs only one of them; give them distinct names", p.Name)
			}
			seen[p.Name] = true
		}
		out = append(out, grp)
		from[grp] = s
	}
	for _, s := range l.doc.sections {
		rest, ok := strings.CutPrefix(s.name, "program:")
		if !ok || inGroup[s.name] != "" {
			continue
		}
		name := pyStrip(rest)
		priority, _, _ := typed(l, s, "priority", 999, v, parseInt)
		if err := validName(name); err != nil {
			l.errorf(s.pos, s.name, "", "%v", err)
			continue
		}
		grp := &Group{Name: name, Kind: "program", Priority: priority, Processes: l.program(s, name, g)}
		out = append(out, grp)
		from[grp] = s
	}
	for _, s := range l.doc.sections {
		var grp *Group
		switch {
		case strings.HasPrefix(s.name, "eventlistener:"):
			grp = l.listenerPool(s, g)
		case strings.HasPrefix(s.name, "fcgi-program:") && inGroup[s.name] == "":
			grp = l.fcgiGroup(s, g)
		}
		if grp != nil {
			out = append(out, grp)
			from[grp] = s
		}
	}
	slices.SortStableFunc(out, func(a, b *Group) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), strings.Compare(a.Name, b.Name))
	})
	// supervisord adds groups in this order and skips a name it already
	// has: the later one never runs, there or here (Runnable); say so.
	first := map[string]*Group{}
	for _, grp := range out {
		if f := first[grp.Name]; f != nil {
			sec := from[grp]
			l.warnf(sec.pos, sec.name, "", "another section also makes a group named %q ([%s] comes first): only that one runs, as in supervisord; give them distinct names", grp.Name, from[f].name)
			continue
		}
		first[grp.Name] = grp
	}
	return out
}

// fcgiGroup builds the group of one [fcgi-program:x] as options.py does:
// named after the program; socket= (expanded with program_name, required)
// is unix:///ABSOLUTE-PATH or tcp://HOST:PORT; socket_owner and
// socket_mode only for a unix socket, whose mode is 0700 unless set;
// socket_backlog from 1 to 65535, else the kernel's maximum.
func (l *loader) fcgiGroup(s *section, g *Gosinit) *Group {
	name := pyStrip(strings.TrimPrefix(s.name, "fcgi-program:"))
	if err := validName(name); err != nil {
		l.errorf(s.pos, s.name, "", "%v", err)
		return nil
	}
	var v vars = &scope{nameMap("here", l.here, "program_name", name), l.svVars, l.osVars}
	grp := &Group{Name: name, Kind: "fcgi-program"}
	grp.Priority, _, _ = typed(l, s, "priority", 999, v, parseInt)
	sock := &Socket{Mode: 0o700}
	var at Pos
	var set bool
	sock.Backlog, at, set = typed(l, s, "socket_backlog", 0, v, parseInt)
	if set && (sock.Backlog < 1 || sock.Backlog > 65535) {
		l.errorf(at, s.name, "socket_backlog", "invalid socket_backlog %d: it must be 1 to 65535", sock.Backlog)
		sock.Backlog = 0
	}
	owner, ownerAt, ownerSet, _ := l.get(s, "socket_owner", v)
	if ownerSet {
		sock.Owner, sock.ownerPos = owner, ownerAt
		if u, grpName, _ := strings.Cut(owner, ":"); u == "" || strings.Contains(owner, ":") && grpName == "" {
			l.errorf(ownerAt, s.name, "socket_owner", "invalid socket_owner %q: it must be USER or USER:GROUP", owner)
		}
	}
	mode, modeAt, modeSet := typed(l, s, "socket_mode", 0o700, v, parseMode)
	sock.Mode = uint32(mode)
	url, urlAt, urlSet, ok := l.get(s, "socket", v)
	sock.urlPos = urlAt
	switch {
	case !ok:
	case !urlSet || url == "":
		l.errorf(urlAt, s.name, "socket", "an [fcgi-program:x] needs a socket= line: unix:///PATH or tcp://HOST:PORT")
	case strings.HasPrefix(url, "unix://"):
		path := url[len("unix://"):]
		if !strings.HasPrefix(path, "/") {
			l.errorf(urlAt, s.name, "socket", "unix socket path %s is not an absolute path", path)
			break
		}
		sock.Path = l.normalizePath(path)
		sock.URL = "unix://" + sock.Path
	default:
		if ownerSet || modeSet {
			key, at := "socket_owner", ownerAt
			if !ownerSet {
				key, at = "socket_mode", modeAt
			}
			l.errorf(at, s.name, key, "socket_owner and socket_mode apply only to a unix socket (socket=unix:///PATH)")
		}
		host, port, ok := parseTCPSocket(url)
		if !ok {
			l.errorf(urlAt, s.name, "socket", "bad socket %q: it must be unix:///PATH or tcp://HOST:PORT (PORT 1 to 65535)", url)
			break
		}
		sock.Host, sock.Port, sock.Mode = strings.ToLower(host), port, 0
		sock.URL = "tcp://" + sock.Host + ":" + strconv.Itoa(port)
	}
	grp.Socket = sock
	grp.Processes = l.program(s, name, g)
	for _, p := range grp.Processes {
		p.Socket = sock
	}
	return grp
}

// parseTCPSocket matches options.py's tcp://([^\s:]+):(\d+)$ and checks
// the port as datatypes.port_number does.
func parseTCPSocket(url string) (host string, port int, ok bool) {
	rest, ok := strings.CutPrefix(url, "tcp://")
	if !ok {
		return "", 0, false
	}
	host, digits, ok := strings.Cut(rest, ":")
	if !ok || host == "" || strings.ContainsFunc(host, pyIsSpace) || digits == "" {
		return "", 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return "", 0, false
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > 0xffff {
		return "", 0, false
	}
	return host, n, true
}

// listenerPool builds the pool of one [eventlistener:x], as options.py
// does: priority -1 (listeners start first and stop last), buffer_size
// 10, the events= line required and every name a supervisor event type,
// redirect_stderr refused (stderr would corrupt the protocol on stdout).
func (l *loader) listenerPool(s *section, g *Gosinit) *Group {
	name := pyStrip(strings.TrimPrefix(s.name, "eventlistener:"))
	if err := validName(name); err != nil {
		l.errorf(s.pos, s.name, "", "%v", err)
		return nil
	}
	v := l.hereVars(true)
	grp := &Group{Name: name, Kind: "eventlistener", ResultHandler: DefaultResultHandler}
	grp.Priority, _, _ = typed(l, s, "priority", -1, v, parseInt)
	var at Pos
	var set bool
	grp.BufferSize, at, set = typed(l, s, "buffer_size", 10, v, parseInt)
	if set && grp.BufferSize < 1 {
		l.errorf(at, s.name, "buffer_size", "invalid buffer_size (%d): it must be at least 1", grp.BufferSize)
		grp.BufferSize = 10
	}
	if rh, at, set, ok := l.get(s, "result_handler", v); set && ok {
		grp.ResultHandler = rh
		switch rh {
		case DefaultResultHandler:
		case "supervisor_stdout:event_handler":
			l.infof(at, s.name, "result_handler", "done by gosinit: each result is written to stdout as \"NAME | CHANNEL | DATA\"")
		default:
			l.warnf(at, s.name, "result_handler", "%s is Python code gosinit cannot run: every RESULT the listener sends counts as processed", rh)
		}
	}
	events, evAt, _, ok := l.get(s, "events", v)
	seen := map[string]bool{}
	var never []string
	for _, e := range listOfStrings(events) {
		e = strings.ToUpper(e)
		if seen[e] {
			continue
		}
		seen[e] = true
		if e == "" {
			// supervisord refuses it too: "Unknown event type  in [...] events"
			l.errorf(evAt, s.name, "events", "an empty event type name: remove the stray comma")
			continue
		}
		types := ConcreteEvents(e)
		if types == nil {
			l.errorf(evAt, s.name, "events", "unknown event type %s", e)
			continue
		}
		grp.Events = append(grp.Events, e)
		for _, t := range types {
			if neverSent[t] && !seen["never:"+t] {
				seen["never:"+t] = true
				never = append(never, t)
			}
		}
	}
	if ok && len(seen) == 0 {
		l.errorf(evAt, s.name, "events", "an event listener needs an events= line naming the event types it wants")
	}
	if len(never) > 0 && len(never) == countSent(grp.Events) {
		l.warnf(evAt, s.name, "events", "gosinit never sends %s events (it has no capture mode and no RPC interface): this listener will receive no events", strings.Join(never, ", "))
	} else if len(never) > 0 {
		l.infof(evAt, s.name, "events", "gosinit never sends %s events", strings.Join(never, ", "))
	}
	if rs, at, set := typed(l, s, "redirect_stderr", false, v, parseBool); set && rs {
		l.errorf(at, s.name, "redirect_stderr", "redirect_stderr=true is not allowed for an event listener: its stderr would corrupt the protocol on its stdout")
	}
	grp.Processes = l.program(s, name, g)
	for _, p := range grp.Processes {
		p.Listener = true
		p.RedirectStderr = false
	}
	return grp
}

// countSent is how many concrete types the events stand for.
func countSent(events []string) int {
	seen := map[string]bool{}
	for _, e := range events {
		for _, t := range ConcreteEvents(e) {
			seen[t] = true
		}
	}
	return len(seen)
}

// listOfStrings is datatypes.list_of_strings: comma-separated, stripped.
func listOfStrings(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = pyStrip(parts[i])
	}
	return parts
}

// program builds the processes of one [program:x], as options.py
// _processes_from_section does, sorted by priority then name.
func (l *loader) program(s *section, groupName string, g *Gosinit) []*Process {
	_, rest, _ := strings.Cut(s.name, ":")
	name := pyStrip(rest)
	if err := validName(name); err != nil {
		l.errorf(s.pos, s.name, "", "%v", err)
		return []*Process{}
	}
	common := nameMap("here", l.here, "program_name", name,
		"host_node_name", l.env.Hostname, "group_name", groupName)
	var v vars = &scope{common, l.svVars, l.osVars}

	var p Process // the settings every process shares
	p.Group, p.Program, p.Pos = groupName, name, s.pos
	p.Priority, _, _ = typed(l, s, "priority", 999, v, parseInt)
	p.Autostart, _, _ = typed(l, s, "autostart", true, v, parseBool)
	p.Autorestart, _, _ = typed(l, s, "autorestart", AutorestartUnexpected, v, parseAutorestart)
	startsecs, at, _ := typed(l, s, "startsecs", 1, v, parseInt)
	l.negative(at, s.name, "startsecs", startsecs, "RUNNING as soon as it is spawned")
	p.Startsecs = time.Duration(startsecs) * time.Second
	p.Startretries, at, _ = typed(l, s, "startretries", 3, v, parseInt)
	l.negative(at, s.name, "startretries", p.Startretries, "the program gives up after its first failed start (not \"retry for ever\")")
	p.Stopsignal, at, _ = typed(l, s, "stopsignal", Signal(15), v, ParseSignal)
	if p.Stopsignal == 0 {
		l.warnf(at, s.name, "stopsignal", "signal 0 stops nothing: the program is killed after stopwaitsecs")
	}
	stopwaitsecs, at, _ := typed(l, s, "stopwaitsecs", 10, v, parseInt)
	l.negative(at, s.name, "stopwaitsecs", stopwaitsecs, "SIGKILL follows the stopsignal at once")
	p.Stopwaitsecs = time.Duration(stopwaitsecs) * time.Second
	p.Stopasgroup, _, _ = typed(l, s, "stopasgroup", false, v, parseBool)
	p.Killasgroup, _, _ = typed(l, s, "killasgroup", p.Stopasgroup, v, parseBool)
	p.Exitcodes, _, _ = typed(l, s, "exitcodes", []int{0}, v, parseExitcodes)
	p.RedirectStderr, _, _ = typed(l, s, "redirect_stderr", false, v, parseBool)
	numprocs, numAt, _ := typed(l, s, "numprocs", 1, v, parseInt)
	numprocsStart, _, _ := typed(l, s, "numprocs_start", 0, v, parseInt)
	for _, k := range [...]string{"stdout_capture_maxbytes", "stderr_capture_maxbytes"} {
		if n, at, set := typed(l, s, k, int64(0), v, parseByteSize); set && n != 0 {
			l.warnf(at, s.name, k, "has no effect: gosinit has no capture mode (PROCESS_COMMUNICATION events)")
		}
	}
	stdoutEvents, _, _ := typed(l, s, "stdout_events_enabled", false, v, parseBool)
	stderrEvents, _, _ := typed(l, s, "stderr_events_enabled", false, v, parseBool)
	if url, at, set, ok := l.get(s, "serverurl", v); set && ok && strings.ToUpper(pyStrip(url)) != "AUTO" {
		l.warnf(at, s.name, "serverurl", "has no effect: gosinit has no RPC interface, and SUPERVISOR_SERVER_URL is not set")
	}
	if u, at, ok := typed(l, s, "user", "", v, asString); ok {
		p.User = &u
		p.userPos = at
	}
	if n, _, ok := typed(l, s, "umask", 0, v, parseUmask); ok {
		um := Umask(n)
		p.Umask = &um
	}
	p.Essential, _, _ = typed(l, s, "essential", false, v, parseBool)

	procName := "%(program_name)s"
	if _, raw, ok := l.lookup(s, "process_name"); ok {
		procName = raw
	}
	procName = pyStrip(procName)
	if err := validName(procName); err != nil {
		l.errorf(l.keyPos(s, "process_name"), s.name, "process_name", "%v", err)
		return nil
	}
	if numprocs > 1 && !strings.Contains(procName, "%(process_num)") {
		if _, _, ok := l.lookup(s, "process_name"); ok {
			l.errorf(l.keyPos(s, "process_name"), s.name, "process_name", "must contain %%(process_num) when numprocs > 1 (numprocs=%d)", numprocs)
		} else {
			l.errorf(numAt, s.name, "numprocs", "numprocs=%d needs a process_name containing %%(process_num), e.g. process_name=%%(program_name)s_%%(process_num)02d", numprocs)
		}
		return nil
	}
	if numprocs > maxNumprocs {
		l.errorf(numAt, s.name, "numprocs", "%d is more than gosinit allows (%d)", numprocs, maxNumprocs)
		return nil
	}
	if numprocs < 1 {
		l.warnf(numAt, s.name, "numprocs", "numprocs=%d: the program has no process", numprocs)
	}
	if p.Stopasgroup && !p.Killasgroup {
		l.errorf(l.keyPos(s, "killasgroup"), s.name, "killasgroup", "cannot be false when stopasgroup=true")
	}
	stdoutPrefix := l.prefix(s, "stdout_prefix", g.StdoutPrefix, g.stdoutPrefixPos)
	stderrPrefix := l.prefix(s, "stderr_prefix", g.StderrPrefix, g.stderrPrefixPos)
	if p.RedirectStderr && stderrPrefix.sec == s.name {
		l.warnf(stderrPrefix.pos, s.name, "stderr_prefix", "ignored because redirect_stderr=true: stderr lines get stdout_prefix")
	}

	// Per process. supervisord keeps one expansion dict for the whole loop,
	// so ENV_X from this program's environment= stays visible to the next
	// process unless the process environment has X (options.py quirk).
	progEnv := map[string]any{}
	var procs []*Process
	for num := numprocsStart; num < numprocsStart+numprocs; num++ {
		var pv vars = &scope{{"process_num": num, "numprocs": numprocs}, common, progEnv, l.svVars, l.osVars}
		for k := range progEnv {
			if _, ok := l.svVars[k]; ok {
				delete(progEnv, k)
			} else if _, ok := l.osVars[k]; ok {
				delete(progEnv, k)
			}
		}
		proc := p
		proc.Exitcodes = append(make([]int, 0, len(p.Exitcodes)), p.Exitcodes...)
		proc.Num = num
		env, ok := l.environment(s, pv)
		if !ok {
			return nil
		}
		proc.Environment = make(map[string]string, len(l.svVars)+len(env))
		for k, x := range l.svVars {
			proc.Environment[k[len("ENV_"):]] = x.(string)
		}
		for _, e := range env {
			proc.Environment[e.Key] = e.Value
			progEnv["ENV_"+e.Key] = e.Value
		}
		if d, _, ok := typed(l, s, "directory", "", pv, asString); ok {
			proc.Directory = &d
		}
		proc.Stdout, proc.stdoutPos = l.logSpec(s, "stdout", pv)
		proc.Stderr, proc.stderrPos = l.logSpec(s, "stderr", pv)
		proc.Stdout.Events, proc.Stderr.Events = stdoutEvents, stderrEvents
		if proc.RedirectStderr {
			if proc.Stderr.Path != "" {
				l.warnf(proc.stderrPos, s.name, "stderr_logfile", "ignored because redirect_stderr=true")
			}
			proc.Stderr.Path, proc.Stderr.Auto = "", false
		}
		cmd, _, present, ok := l.get(s, "command", pv)
		if !present {
			l.errorf(s.pos, s.name, "command", "missing: every program needs a command")
			return nil
		}
		if !ok {
			return nil
		}
		proc.Command = cmd
		argv, err := shlexSplit(cmd)
		if err != nil {
			l.errorf(l.keyPos(s, "command"), s.name, "command", "cannot split %q: %v", truncate(cmd), err)
			return nil
		}
		proc.Argv = argv
		if len(argv) == 0 {
			l.warnf(l.keyPos(s, "command"), s.name, "command", "empty: the program will fail to start")
		}
		if proc.Name, err = pyFormat(procName, pv); err != nil {
			l.errorf(l.keyPos(s, "process_name"), s.name, "process_name", "%v", err)
			return nil
		}
		proc.Stdout.Prefix = stdoutPrefix.forStream(l, pv, &proc.Stdout)
		if !proc.RedirectStderr {
			proc.Stderr.Prefix = stderrPrefix.forStream(l, pv, &proc.Stderr)
		}
		procs = append(procs, &proc)
	}
	if procs == nil {
		procs = []*Process{}
	}
	slices.SortStableFunc(procs, func(a, b *Process) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), strings.Compare(a.Name, b.Name))
	})
	return procs
}

// prefixSetting is a stdout_prefix or stderr_prefix, from the program or
// from [gosinit], not yet expanded.
type prefixSetting struct {
	raw, key, sec string
	pos           Pos
}

func (l *loader) prefix(s *section, key, def string, defPos Pos) prefixSetting {
	if _, raw, ok := l.lookup(s, key); ok {
		return prefixSetting{raw, key, s.name, l.keyPos(s, key)}
	}
	return prefixSetting{def, key, "gosinit", defPos}
}

// expand formats the prefix for one process. INI strips the spaces that
// end a value, and a prefix usually wants one ("web | "), so a prefix in
// double quotes is taken without them: stdout_prefix = "%(program_name)s | ".
func (p *prefixSetting) expand(l *loader, v vars) string {
	x, err := pyFormat(p.raw, v)
	if err != nil {
		l.errorf(p.pos, p.sec, p.key, "%v", err)
	}
	if len(x) >= 2 && x[0] == '"' && x[len(x)-1] == '"' {
		x = x[1 : len(x)-1]
	}
	return x
}

// forStream is the prefix of one stream. A program's own stdout_prefix
// applies wherever its output goes; the [gosinit] default applies only to
// output that goes to gosinit's own stdout or stderr (the container's log,
// where lines of different programs meet), so log files stay byte for
// byte what supervisord writes.
func (p *prefixSetting) forStream(l *loader, v vars, ls *LogSpec) string {
	if p.sec == "gosinit" && !IsStdStream(ls.Path) {
		return ""
	}
	return p.expand(l, v)
}

// IsStdStream says whether a log path means gosinit's own stdout or stderr.
func IsStdStream(path string) bool {
	switch path {
	case "/dev/stdout", "/dev/stderr", "/proc/self/fd/1", "/proc/self/fd/2":
		return true
	}
	return false
}

// logSpec reads one stream's *_logfile, *_logfile_backups,
// *_logfile_maxbytes and *_syslog. The logfile value is expanded twice,
// as supervisord does (so a literal % is %%%% there).
func (l *loader) logSpec(s *section, stream string, v vars) (LogSpec, Pos) {
	key := stream + "_logfile"
	ls := LogSpec{Auto: true}
	e, raw, present := l.lookup(s, key)
	at := s.pos
	if present && !e.bad {
		at = e.pos
		x, err := pyFormat(raw, v)
		if err == nil {
			x, err = pyFormat(x, v)
		}
		if err != nil {
			l.errorf(at, s.name, key, "%v", twice(err, "log file names"))
		} else {
			switch strings.ToLower(x) {
			case "none", "off":
				ls.Auto = false
			case "auto":
			case "syslog":
				// supervisord's rewrite: no file, and *_syslog=true.
				ls.Auto = false
				ls.Syslog = true
				l.warnf(at, s.name, key, "syslog is deprecated in supervisord: write %s_syslog=true instead (output goes to syslog, and to no file)", stream)
			default:
				ls.Auto = false
				ls.Path = l.expanduser(x)
			}
		}
	}
	var mbAt Pos
	ls.Backups, mbAt, _ = typed(l, s, key+"_backups", 10, v, parseInt)
	l.negative(mbAt, s.name, key+"_backups", ls.Backups, "no backups: the file is truncated when it is full")
	ls.Maxbytes, mbAt, _ = typed(l, s, key+"_maxbytes", int64(50<<20), v, parseByteSize)
	if sy, _, set := typed(l, s, stream+"_syslog", false, v, parseBool); set && sy {
		ls.Syslog = true
	}
	if ls.Auto && ls.Maxbytes == 0 {
		l.warnf(mbAt, s.name, key+"_maxbytes", "AUTO log file without rotation (maxbytes=0) can fill the disk; set a size > 0")
	}
	return ls, at
}
