package proc

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/internal/jsonlite"
	"github.com/gosinit/gosinit/internal/textf"
)

// DefaultStatusFile is where PID 1 writes its status when it may write /run.
const DefaultStatusFile = "/run/gosinit/status.json"

// FallbackStatusFile is where a gosinit that cannot write /run/gosinit (not
// root) writes its status, and where `gosinit status` looks next:
// $XDG_RUNTIME_DIR/gosinit/status.json, else /tmp/gosinit-UID/status.json.
// An XDG_RUNTIME_DIR that is not the user's (`su app` keeps root's
// /run/user/0) or is gone counts as none, for writer and reader alike.
func FallbackStatusFile() string {
	var st unix.Stat_t
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && unix.Stat(d, &st) == nil && st.Uid == uint32(os.Geteuid()) {
		return filepath.Join(d, "gosinit", "status.json")
	}
	return filepath.Join(os.TempDir(), "gosinit-"+itoa(os.Getuid()), "status.json")
}

// Status is the content of the status file. PID 1 writes it after every
// state change (never on a timer); `gosinit status` reads it. It holds
// nothing secret: no environment, no command lines.
type Status struct {
	Pid     int    `json:"pid"`
	Started int64  `json:"started"` // unix seconds
	Config  string `json:"config,omitempty"`
	// Logfile is gosinit's own log file ([supervisord] logfile= or -l,
	// absolute), for supervisorctl maintail; empty when it writes none.
	Logfile string `json:"logfile,omitempty"`
	// Generation counts reload attempts; it is published together with
	// that reload's result (Reload, ReloadErrors, Changes), so a reader that
	// sees it change sees the result of the reload it asked for.
	Generation int `json:"generation"`
	// ReloadRequests counts the SIGHUPs PID 1 has acted on, and Reloading
	// says a reload is under way or queued behind one. A reader that sent
	// SIGHUP waits until ReloadRequests has moved past what it saw before
	// and Reloading is false: then the result shown is of a reload that
	// read the configuration after its signal.
	ReloadRequests int  `json:"reload_requests"`
	Reloading      bool `json:"reloading"`
	// Reload is the result of the last reload: "ok", or the errors.
	Reload       string   `json:"reload,omitempty"`
	ReloadErrors []string `json:"reload_errors,omitempty"`
	// ReloadWarnings: the last reload's file's warnings ("did you mean"),
	// which gosinit reload prints, as gosinit check would.
	ReloadWarnings []string        `json:"reload_warnings,omitempty"`
	Changes        []string        `json:"changes,omitempty"` // the last reload's changes (and those of the reloads it queued behind), supervisorctl update's words
	Shutdown       bool            `json:"shutdown"`
	Processes      []ProcessStatus `json:"processes"`

	// Owner is the uid that owns the file, as ReadStatus found it (not
	// written): whom its contents are to be believed for.
	Owner uint32 `json:"-"`
}

// ProcessStatus is one process, with the fields of supervisor's
// getProcessInfo plus gosinit's own.
type ProcessStatus struct {
	// The zero-size func array makes ProcessStatus incomparable: nothing
	// compares two with ==, and the equality function the compiler
	// generates for a comparable struct costs text (557 bytes here).
	_ [0]func()

	Name          string `json:"name"`
	Group         string `json:"group"`
	State         State  `json:"state"`
	Statename     string `json:"statename"`
	Description   string `json:"description"`
	Start         int64  `json:"start"` // unix seconds of the last spawn, 0 if never
	Stop          int64  `json:"stop"`  // unix seconds of the last exit, 0 if never
	Now           int64  `json:"now"`
	Pid           int    `json:"pid"`
	Exitstatus    int    `json:"exitstatus"`
	Spawnerr      string `json:"spawnerr"`
	StdoutLogfile string `json:"stdout_logfile"`
	StderrLogfile string `json:"stderr_logfile"`
	Restarts      int    `json:"restarts"`
	Essential     bool   `json:"essential"`
}

// Describe is supervisorctl's description column for p at time now.
func (p *ProcessStatus) Describe(now time.Time) string {
	switch p.State {
	case Running:
		up := now.Unix() - p.Start
		if up < 0 {
			up = 0
		}
		return textf.Sprintf("pid %d, uptime %s", p.Pid, timedelta(up))
	case Backoff, Fatal:
		if p.Spawnerr == "" {
			return textf.Sprintf("unknown error (try \"tail %s\")", p.Name)
		}
		return p.Spawnerr
	case Stopped, Exited:
		if p.Start == 0 {
			return "Not started"
		}
		return stopStamp(time.Unix(p.Stop, 0))
	}
	return ""
}

// stopStamp is t.Format("Jan 02 03:04 PM") in t's location, by hand:
// Format would link Go's whole time formatter into the binary (issue 2).
func stopStamp(t time.Time) string {
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	_, month, day := t.Date()
	hour, minute, _ := t.Clock()
	ampm := "AM"
	if hour >= 12 {
		ampm = "PM"
	}
	hour %= 12
	if hour == 0 {
		hour = 12
	}
	m := 3 * (int(month) - 1)
	b := make([]byte, 0, len("Jan 02 03:04 PM"))
	b = append(b, months[m:m+3]...)
	b = append(b, ' ', byte('0'+day/10), byte('0'+day%10),
		' ', byte('0'+hour/10), byte('0'+hour%10),
		':', byte('0'+minute/10), byte('0'+minute%10), ' ')
	b = append(b, ampm...)
	return string(b)
}

// timedelta prints seconds like Python's str(timedelta): H:MM:SS,
// "1 day, 2:03:04", "3 days, 0:00:01".
func timedelta(secs int64) string {
	days := secs / 86400
	secs %= 86400
	s := textf.Sprintf("%d:%02d:%02d", secs/3600, secs%3600/60, secs%60)
	switch {
	case days == 1:
		return "1 day, " + s
	case days > 1:
		return textf.Sprintf("%d days, %s", days, s)
	}
	return s
}

// writeStatus writes s to path atomically: a temp file in the same
// directory, then rename, so a reader sees the old or the new file, never a
// torn one. The file is 0644: it holds nothing secret. The JSON is built
// in buf, which is returned for the next write: PID 1 rewrites the file
// after every state change, and a start of 50 programs would otherwise
// leave a few MB of buffers to the collector.
func writeStatus(path string, s *Status, buf []byte) ([]byte, error) {
	w := jsonlite.Writer{B: buf[:0], EscapeHTML: true}
	s.writeJSON(&w)
	b := append(w.B, '\n')
	if err := replaceFile(path, b); err != nil {
		return b, textf.Errorf("write status file %s: %w", path, err)
	}
	return b, nil
}

// replaceFile writes b to path through a temp file and a rename. The
// temp file's name is gosinit's own (pid and time), created exclusively,
// so two gosinits given one path never write into each other's (the
// reader could see a torn file), and a planted name is never followed.
// It is made 0644 whatever the umask: readers of every user need it.
func replaceFile(path string, b []byte) error {
	tmp := path + "." + itoa(os.Getpid()) + "." + strconv.FormatInt(time.Now().UnixNano()%1e9, 10) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o644)
	if err == nil {
		_, err = f.Write(b)
		if err == nil {
			err = unix.Fchmod(int(f.Fd()), 0o644)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp, path)
		}
	}
	if err != nil {
		os.Remove(tmp)
		// the errno alone: the temp file's name changes with every write,
		// and the loop logs a failure only when its text changes
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		} else if le, ok := err.(*os.LinkError); ok {
			err = le.Err
		}
	}
	return err
}

// maxStatusSize bounds what ReadStatus reads: 200 programs take about
// 100 kB.
const maxStatusSize = 16 << 20

// ReadStatus reads and parses a status file: a regular file only (a FIFO
// or /dev/zero in its place would hang the reader or eat its memory), of
// at most maxStatusSize bytes. Status.Owner is the file's owner.
func ReadStatus(path string) (*Status, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size > maxStatusSize {
		return nil, textf.Errorf("status file %s: not a regular file of at most 16 MB", path)
	}
	b := make([]byte, st.Size+1) // one more: to see the end
	n := 0
	for n < len(b) {
		m, err := f.Read(b[n:])
		n += m
		if err == io.EOF || m == 0 {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	s, err := parseStatus(b[:n])
	if err != nil {
		return nil, textf.Errorf("status file %s: %w", path, err)
	}
	s.Owner = st.Uid
	return s, nil
}

// writeJSON writes s as encoding/json would write Status: the field tags
// above, in order (jsonlite has no reflect: issue 2's binary budget).
func (s *Status) writeJSON(w *jsonlite.Writer) {
	w.BeginObject()
	w.Key("pid")
	w.Int(int64(s.Pid))
	w.Key("started")
	w.Int(s.Started)
	if s.Config != "" {
		w.Key("config")
		w.String(s.Config)
	}
	if s.Logfile != "" {
		w.Key("logfile")
		w.String(s.Logfile)
	}
	w.Key("generation")
	w.Int(int64(s.Generation))
	w.Key("reload_requests")
	w.Int(int64(s.ReloadRequests))
	w.Key("reloading")
	w.Bool(s.Reloading)
	if s.Reload != "" {
		w.Key("reload")
		w.String(s.Reload)
	}
	if len(s.ReloadErrors) > 0 {
		w.Key("reload_errors")
		w.Strings(s.ReloadErrors)
	}
	if len(s.ReloadWarnings) > 0 {
		w.Key("reload_warnings")
		w.Strings(s.ReloadWarnings)
	}
	if len(s.Changes) > 0 {
		w.Key("changes")
		w.Strings(s.Changes)
	}
	w.Key("shutdown")
	w.Bool(s.Shutdown)
	w.Key("processes")
	if s.Processes == nil {
		w.Null()
	} else {
		w.BeginArray()
		for i := range s.Processes {
			s.Processes[i].WriteJSON(w)
		}
		w.EndArray()
	}
	w.EndObject()
}

// WriteJSON writes p as encoding/json would write ProcessStatus.
func (p *ProcessStatus) WriteJSON(w *jsonlite.Writer) {
	w.BeginObject()
	w.Key("name")
	w.String(p.Name)
	w.Key("group")
	w.String(p.Group)
	w.Key("state")
	w.Int(int64(p.State))
	w.Key("statename")
	w.String(p.Statename)
	w.Key("description")
	w.String(p.Description)
	w.Key("start")
	w.Int(p.Start)
	w.Key("stop")
	w.Int(p.Stop)
	w.Key("now")
	w.Int(p.Now)
	w.Key("pid")
	w.Int(int64(p.Pid))
	w.Key("exitstatus")
	w.Int(int64(p.Exitstatus))
	w.Key("spawnerr")
	w.String(p.Spawnerr)
	w.Key("stdout_logfile")
	w.String(p.StdoutLogfile)
	w.Key("stderr_logfile")
	w.String(p.StderrLogfile)
	w.Key("restarts")
	w.Int(int64(p.Restarts))
	w.Key("essential")
	w.Bool(p.Essential)
	w.EndObject()
}

// parseStatus reads a status file's JSON: the keys of Status and
// ProcessStatus, matched exactly; unknown keys are ignored, so that a newer
// gosinit's file still reads.
func parseStatus(data []byte) (*Status, error) {
	v, err := jsonlite.Parse(data)
	if err != nil {
		return nil, err
	}
	ms, err := v.Members()
	if err != nil {
		return nil, err
	}
	var s Status
	for _, m := range ms {
		var err error
		switch m.Key {
		case "pid":
			s.Pid, err = intValue(m.Value)
		case "started":
			s.Started, err = m.Value.Int()
		case "config":
			s.Config, err = m.Value.Str()
		case "logfile":
			s.Logfile, err = m.Value.Str()
		case "generation":
			s.Generation, err = intValue(m.Value)
		case "reload_requests":
			s.ReloadRequests, err = intValue(m.Value)
		case "reloading":
			s.Reloading, err = m.Value.Bool()
		case "reload":
			s.Reload, err = m.Value.Str()
		case "reload_errors":
			s.ReloadErrors, err = m.Value.Strings()
		case "reload_warnings":
			s.ReloadWarnings, err = m.Value.Strings()
		case "changes":
			s.Changes, err = m.Value.Strings()
		case "shutdown":
			s.Shutdown, err = m.Value.Bool()
		case "processes":
			var a []jsonlite.Value
			a, err = m.Value.Array()
			if a != nil {
				s.Processes = make([]ProcessStatus, len(a))
			}
			for i := range a {
				if err = s.Processes[i].parse(a[i]); err != nil {
					break
				}
			}
		}
		if err != nil {
			return nil, textf.Errorf("%s: %w", m.Key, err)
		}
	}
	return &s, nil
}

func (p *ProcessStatus) parse(v jsonlite.Value) error {
	ms, err := v.Members()
	if err != nil {
		return err
	}
	for _, m := range ms {
		var err error
		var n int
		switch m.Key {
		case "name":
			p.Name, err = m.Value.Str()
		case "group":
			p.Group, err = m.Value.Str()
		case "state":
			n, err = intValue(m.Value)
			p.State = State(n)
		case "statename":
			p.Statename, err = m.Value.Str()
		case "description":
			p.Description, err = m.Value.Str()
		case "start":
			p.Start, err = m.Value.Int()
		case "stop":
			p.Stop, err = m.Value.Int()
		case "now":
			p.Now, err = m.Value.Int()
		case "pid":
			p.Pid, err = intValue(m.Value)
		case "exitstatus":
			p.Exitstatus, err = intValue(m.Value)
		case "spawnerr":
			p.Spawnerr, err = m.Value.Str()
		case "stdout_logfile":
			p.StdoutLogfile, err = m.Value.Str()
		case "stderr_logfile":
			p.StderrLogfile, err = m.Value.Str()
		case "restarts":
			p.Restarts, err = intValue(m.Value)
		case "essential":
			p.Essential, err = m.Value.Bool()
		}
		if err != nil {
			return textf.Errorf("%s: %w", m.Key, err)
		}
	}
	return nil
}

// intValue reads a number into an int, which must hold it.
func intValue(v jsonlite.Value) (int, error) {
	n, err := v.Int()
	if err == nil && int64(int(n)) != n {
		return 0, textf.Errorf("%d does not fit an int", n)
	}
	return int(n), err
}
