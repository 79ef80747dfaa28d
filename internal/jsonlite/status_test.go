package jsonlite_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gosinit/gosinit/internal/jsonlite"
	"github.com/gosinit/gosinit/proc"
)

// testTime is "now" for the descriptions.
var testTime = time.Unix(1767232800, 0)

// realisticStatus is a status file's content with n processes in every
// state, with descriptions and errors that need escaping.
func realisticStatus(n int) *proc.Status {
	states := []proc.State{proc.Running, proc.Starting, proc.Backoff, proc.Stopping, proc.Stopped, proc.Exited, proc.Fatal, proc.Unknown}
	st := &proc.Status{
		Pid: 1, Started: 1767225600, Config: "/etc/supervisor/conf.d/supervisord.conf",
		Generation: 3, ReloadRequests: 3, Reload: "error",
		ReloadErrors: []string{`/etc/supervisor/conf.d/web.conf:7: [program:web] command: unterminated quote in "nginx -g 'daemon off;"`},
		Changes:      []string{"web: stopped", "web: updated process group", "worker: added process group"},
	}
	for i := range n {
		p := proc.ProcessStatus{
			Name:          fmt.Sprintf("worker_%03d", i),
			Group:         fmt.Sprintf("pool%d", i%7),
			State:         states[i%len(states)],
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
		p.Statename = p.State.String()
		switch p.State {
		case proc.Backoff, proc.Fatal:
			p.Spawnerr = fmt.Sprintf("can't find command '/opt/<app %d>' & \"quoted\" \\ \t\u2028 \xff", i)
		}
		p.Description = p.Describe(testTime)
		st.Processes = append(st.Processes, p)
	}
	return st
}

func TestStatusRoundTrip(t *testing.T) {
	want := realisticStatus(200)
	b, err := jsonlite.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	std, _ := json.Marshal(want)
	if !bytes.Equal(b, std) {
		t.Fatalf("Marshal differs from encoding/json:\ngot  %.300s\nwant %.300s", b, std)
	}
	indented, _ := jsonlite.MarshalIndent(want.Processes, "", "  ")
	stdIndented, _ := json.MarshalIndent(want.Processes, "", "  ")
	if !bytes.Equal(indented, stdIndented) {
		t.Fatalf("MarshalIndent differs from encoding/json:\ngot  %.300s\nwant %.300s", indented, stdIndented)
	}

	var got proc.Status
	if err := jsonlite.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	// Invalid UTF-8 comes back as U+FFFD, as from encoding/json.
	var wantRead proc.Status
	if err := json.Unmarshal(b, &wantRead); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, &wantRead) {
		t.Fatalf("Unmarshal differs from encoding/json:\ngot  %+v\nwant %+v", got.Processes[2], wantRead.Processes[2])
	}
	for i := range want.Processes {
		want.Processes[i].Spawnerr = wantRead.Processes[i].Spawnerr
		want.Processes[i].Description = wantRead.Processes[i].Description
	}
	if !reflect.DeepEqual(&got, want) {
		t.Fatalf("round trip:\ngot  %+v\nwant %+v", got, *want)
	}
}

// FuzzUnmarshal reads random documents into a proc.Status, fresh and
// filled, with jsonlite and encoding/json: both must accept or reject the
// same input and, when they accept it, store the same values.
func FuzzUnmarshal(f *testing.F) {
	b, _ := json.Marshal(realisticStatus(9))
	f.Add(b)
	b, _ = json.MarshalIndent(realisticStatus(2), "", "\t")
	f.Add(b)
	for _, in := range decodeInputs {
		f.Add([]byte(in))
	}
	for _, in := range []string{
		`{"processes":[{"name":"a","state":20},{"name":"b"}],"processes":[{"pid":3}]}`,
		`{"processes":[]}`, `{"processes":null}`, `{"Processes":[{"STATE":30,"Essential":true}]}`,
		`{"reload_errors":["x"],"reload_errors":null,"changes":[]}`, `{"generation":-1,"shutdown":false}`,
		`{"processes":[{"state":1e1}]}`, `{"processes":[{"description":"\u2028<&>"}]}`,
	} {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, fresh := range []bool{true, false} {
			want, got := new(proc.Status), new(proc.Status)
			if !fresh {
				want, got = realisticStatus(3), realisticStatus(3)
				want.Processes, got.Processes = want.Processes[:1], got.Processes[:1]
			}
			errStd := json.Unmarshal(data, want)
			err := jsonlite.Unmarshal(data, got)
			if (err == nil) != (errStd == nil) {
				t.Fatalf("fresh %v: Unmarshal(%q) error %v, encoding/json's %v", fresh, data, err, errStd)
			}
			if err != nil {
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("fresh %v: Unmarshal(%q):\ngot  %+v\nwant %+v", fresh, data, got, want)
			}
			b, err := jsonlite.Marshal(got)
			if stdB, _ := json.Marshal(want); err != nil || !bytes.Equal(b, stdB) {
				t.Fatalf("Marshal after Unmarshal(%q): %v\ngot  %s\nwant %s", data, err, b, stdB)
			}
		}
	})
}

// The benchmarks run encoding/json and jsonlite side by side on a status
// with 200 processes: `go test -bench Status ./internal/jsonlite`.

func BenchmarkMarshalStatus(b *testing.B) {
	st := realisticStatus(200)
	for _, bc := range []struct {
		name    string
		marshal func(any) ([]byte, error)
	}{{"encoding-json", json.Marshal}, {"jsonlite", jsonlite.Marshal}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.marshal(st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnmarshalStatus(b *testing.B) {
	data, _ := json.Marshal(realisticStatus(200))
	for _, bc := range []struct {
		name      string
		unmarshal func([]byte, any) error
	}{{"encoding-json", json.Unmarshal}, {"jsonlite", jsonlite.Unmarshal}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var st proc.Status
				if err := bc.unmarshal(data, &st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
