package proc

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gosinit/gosinit/config"
)

// benchSupervisor is a Supervisor with n running processes and no children.
func benchSupervisor(b testing.TB, n int) *Supervisor {
	s := &Supervisor{now: time.Now, started: time.Now(), log: newLogger(config.LevelCritical)}
	s.statusPath = filepath.Join(b.TempDir(), "status.json")
	for i := 0; i < n; i++ {
		c := &config.Process{Name: fmt.Sprintf("prog_%03d", i), Group: "g", Stdout: config.LogSpec{Path: "/dev/stdout"}}
		s.procs = append(s.procs, &process{cfg: c, m: machine{state: Running}, pid: 1000 + i, start: time.Now()})
	}
	return s
}

// BenchmarkStatusWrite is the cost of one status write on PID 1 with 200
// processes: build, marshal, write a temp file, rename.
func BenchmarkStatusWrite(b *testing.B) {
	s := benchSupervisor(b, 200)
	b.ReportAllocs()
	for b.Loop() {
		s.writeStatus()
	}
}

func TestStatusWriteRoundTrip(t *testing.T) {
	s := benchSupervisor(t, 3)
	s.writeStatus()
	st, err := ReadStatus(s.statusPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Processes) != 3 || st.Processes[0].Statename != "RUNNING" || st.Processes[0].Description == "" {
		t.Fatalf("status %+v", st)
	}
}
