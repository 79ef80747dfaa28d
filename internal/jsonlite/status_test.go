package jsonlite_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/gosinit/gosinit/internal/jsonlite"
)

// status and processStatus are proc.Status and proc.ProcessStatus (this
// package cannot import proc, which imports it): the status file, written
// and read by hand as their owner does, against encoding/json's reading
// of the struct tags.
type status struct {
	Pid            int             `json:"pid"`
	Started        int64           `json:"started"`
	Config         string          `json:"config,omitempty"`
	Generation     int             `json:"generation"`
	ReloadRequests int             `json:"reload_requests"`
	Reloading      bool            `json:"reloading"`
	Reload         string          `json:"reload,omitempty"`
	ReloadErrors   []string        `json:"reload_errors,omitempty"`
	Changes        []string        `json:"changes,omitempty"`
	Shutdown       bool            `json:"shutdown"`
	Processes      []processStatus `json:"processes"`
}

type state int

type processStatus struct {
	Name          string `json:"name"`
	Group         string `json:"group"`
	State         state  `json:"state"`
	Statename     string `json:"statename"`
	Description   string `json:"description"`
	Start         int64  `json:"start"`
	Stop          int64  `json:"stop"`
	Now           int64  `json:"now"`
	Pid           int    `json:"pid"`
	Exitstatus    int    `json:"exitstatus"`
	Spawnerr      string `json:"spawnerr"`
	StdoutLogfile string `json:"stdout_logfile"`
	StderrLogfile string `json:"stderr_logfile"`
	Restarts      int    `json:"restarts"`
	Essential     bool   `json:"essential"`
}

func writeStatus(w *jsonlite.Writer, s *status) {
	w.BeginObject()
	w.Key("pid")
	w.Int(int64(s.Pid))
	w.Key("started")
	w.Int(s.Started)
	if s.Config != "" {
		w.Key("config")
		w.String(s.Config)
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
			writeProcess(w, &s.Processes[i])
		}
		w.EndArray()
	}
	w.EndObject()
}

func writeProcess(w *jsonlite.Writer, p *processStatus) {
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

// asInt reads an int field.
func asInt(v jsonlite.Value) (int, error) {
	n, err := v.Int()
	return int(n), err
}

// readStatus reads a status file field by field: keys matched exactly,
// others ignored, null and absent keys leaving the zero value.
func readStatus(data []byte) (*status, error) {
	v, err := jsonlite.Parse(data)
	if err != nil {
		return nil, err
	}
	ms, err := v.Members()
	if err != nil {
		return nil, err
	}
	var s status
	for _, m := range ms {
		var err error
		switch m.Key {
		case "pid":
			s.Pid, err = asInt(m.Value)
		case "started":
			s.Started, err = m.Value.Int()
		case "config":
			s.Config, err = m.Value.Str()
		case "generation":
			s.Generation, err = asInt(m.Value)
		case "reload_requests":
			s.ReloadRequests, err = asInt(m.Value)
		case "reloading":
			s.Reloading, err = m.Value.Bool()
		case "reload":
			s.Reload, err = m.Value.Str()
		case "reload_errors":
			s.ReloadErrors, err = m.Value.Strings()
		case "changes":
			s.Changes, err = m.Value.Strings()
		case "shutdown":
			s.Shutdown, err = m.Value.Bool()
		case "processes":
			var a []jsonlite.Value
			a, err = m.Value.Array()
			if a != nil {
				s.Processes = make([]processStatus, len(a))
			}
			for i := range a {
				if err = readProcess(a[i], &s.Processes[i]); err != nil {
					break
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Key, err)
		}
	}
	return &s, nil
}

// readProcess reads one process with Get, the other way to do it: each
// key looked up, the first error kept (a v that is not an object fails
// at the first Get).
func readProcess(v jsonlite.Value, p *processStatus) error {
	var err error
	keep := func(e error) {
		if err == nil {
			err = e
		}
	}
	str := func(key string) string {
		s, e := v.Get(key).Str()
		keep(e)
		return s
	}
	i64 := func(key string) int64 {
		n, e := v.Get(key).Int()
		keep(e)
		return n
	}
	b, e := v.Get("essential").Bool()
	keep(e)
	*p = processStatus{
		Name: str("name"), Group: str("group"), State: state(i64("state")), Statename: str("statename"),
		Description: str("description"), Start: i64("start"), Stop: i64("stop"), Now: i64("now"),
		Pid: int(i64("pid")), Exitstatus: int(i64("exitstatus")), Spawnerr: str("spawnerr"),
		StdoutLogfile: str("stdout_logfile"), StderrLogfile: str("stderr_logfile"),
		Restarts: int(i64("restarts")), Essential: b,
	}
	return err
}

// realisticStatus is a status file's content with n processes, with
// descriptions and errors that need escaping.
func realisticStatus(n int) *status {
	st := &status{
		Pid: 1, Started: 1767225600, Config: "/etc/supervisor/conf.d/supervisord.conf",
		Generation: 3, ReloadRequests: 3, Reload: "error",
		ReloadErrors: []string{`/etc/supervisor/conf.d/web.conf:7: [program:web] command: unterminated quote in "nginx -g 'daemon off;"`},
		Changes:      []string{"web: stopped", "web: updated process group", "worker: added process group"},
	}
	for i := range n {
		p := processStatus{
			Name:          fmt.Sprintf("worker_%03d", i),
			Group:         fmt.Sprintf("pool%d", i%7),
			State:         state(i % 8 * 10),
			Statename:     "RUNNING",
			Description:   fmt.Sprintf("pid %d, uptime 0:%02d:00", 1000+i, i%60),
			Start:         1767225600 + int64(i),
			Stop:          1767229200 + int64(i),
			Now:           1767232800,
			Pid:           1000 + i,
			Exitstatus:    i % 256,
			StdoutLogfile: fmt.Sprintf("/var/log/supervisor/worker_%03d-stdout---supervisor-x%dq.log", i, i),
			StderrLogfile: "/dev/stderr",
			Restarts:      i % 5,
			Essential:     i%10 == 0,
		}
		if i%3 == 0 {
			p.Spawnerr = fmt.Sprintf("can't find command '/opt/<app %d>' & \"quoted\" \\ \t\u2028 \xff", i)
		}
		st.Processes = append(st.Processes, p)
	}
	return st
}

func TestStatusRoundTrip(t *testing.T) {
	statuses := map[string]*status{
		"realistic": realisticStatus(200),
		"zero":      {},
		"empty":     {Processes: []processStatus{}, ReloadErrors: []string{}, Changes: []string{"x"}},
	}
	for name, want := range statuses {
		t.Run(name, func(t *testing.T) {
			w := jsonlite.Writer{EscapeHTML: true}
			writeStatus(&w, want)
			std, _ := json.Marshal(want)
			if !bytes.Equal(w.B, std) {
				t.Fatalf("written differs from json.Marshal:\ngot  %.300s\nwant %.300s", w.B, std)
			}
			indented := jsonlite.Indent(nil, w.B, "", "  ")
			if stdIndented, _ := json.MarshalIndent(want, "", "  "); !bytes.Equal(indented, stdIndented) {
				t.Fatalf("indented differs from json.MarshalIndent:\ngot  %.300s\nwant %.300s", indented, stdIndented)
			}
			for _, doc := range [][]byte{w.B, indented} {
				checkReadStatus(t, doc)
			}
		})
	}
}

// checkReadStatus reads data with readStatus and json.Unmarshal: the
// same error or none, the same values.
func checkReadStatus(t *testing.T, data []byte) {
	t.Helper()
	got, err := readStatus(data)
	var want status
	errStd := json.Unmarshal(data, &want)
	if (err == nil) != (errStd == nil) {
		t.Fatalf("readStatus(%.200s): error %v, encoding/json's %v", data, err, errStd)
	}
	if err == nil && !reflect.DeepEqual(got, &want) {
		t.Fatalf("readStatus(%.200s):\ngot  %+v\nwant %+v", data, got, want)
	}
}

// TestReadStatus reads documents the Writer does not write: keys in
// another order, unknown keys, nulls and absent keys, wrong types.
func TestReadStatus(t *testing.T) {
	for _, in := range []string{
		`{"processes":[{"name":"a","state":20},{"name":"b"}],"pid":7,"unknown":{"x":[1,{"y":null}]}}`,
		`{"processes":[{"state":20,"essential":true,"spawnerr":"\u003c\ud800"}],"pid":7,"pid":8}`,
		`{"processes":[]}`, `{"processes":null}`, `null`, `{}`, ` {"reload_errors":["x"],"reload_errors":null,"changes":[]} `,
		`{"pid":null,"config":null,"reloading":null,"changes":[null,"a"],"processes":[{"pid":null,"name":null}]}`,
		`{"generation":-1,"shutdown":false,"started":9223372036854775807}`,
		`{"pid":"1"}`, `{"pid":1.5}`, `{"pid":1e2}`, `{"started":9223372036854775808}`, `{"reloading":0}`,
		`{"changes":"x"}`, `{"changes":[1]}`, `{"processes":{}}`, `{"processes":[1]}`, `{"processes":[{"now":"x"}]}`,
		`[]`, `"x"`, `1`, `{"pid":1}x`, `{"pid":`,
	} {
		t.Run(in, func(t *testing.T) {
			checkReadStatus(t, []byte(in))
		})
	}
	_, err := readStatus([]byte(`{"pid":1,"processes":[{"name":"a"},{"pid":"x"}]}`))
	if want := `processes: byte 42: cannot read string as int64`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	_, err = readStatus([]byte(`{"pid":1,` + strings.Repeat(" ", 10) + `"x":tru}`))
	if want := `byte 26: invalid character '}' in literal true (expecting 'e')`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// The benchmarks run encoding/json and jsonlite side by side on a status
// with 200 processes: `go test -bench Status ./internal/jsonlite`.

func BenchmarkWriteStatus(b *testing.B) {
	st := realisticStatus(200)
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonlite", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			w := jsonlite.Writer{B: buf[:0], EscapeHTML: true}
			writeStatus(&w, st)
			buf = w.B
		}
	})
}

func BenchmarkReadStatus(b *testing.B) {
	data, _ := json.Marshal(realisticStatus(200))
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var st status
			if err := json.Unmarshal(data, &st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonlite", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := readStatus(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
