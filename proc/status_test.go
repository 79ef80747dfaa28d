package proc

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York even where the system has no zoneinfo

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

// testZones are the zones the hand-written time formats are checked in:
// UTC, fixed offsets either side of it with odd minutes, and one with
// daylight saving time.
func testZones(t *testing.T) []*time.Location {
	t.Helper()
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return []*time.Location{
		time.UTC,
		time.FixedZone("NST", -(3*3600 + 30*60)),
		time.FixedZone("CHAST", 13*3600+45*60),
		newYork,
	}
}

// stopStamp must print what time.Format("Jan 02 03:04 PM") prints, for
// every hour and minute (12 AM and 12 PM included), every day of a leap
// year, in UTC, in zones east and west of it with odd offsets and in one
// with daylight saving time (its switch days included).
func TestStopStamp(t *testing.T) {
	zones := testZones(t)
	for _, loc := range zones {
		t.Run(loc.String(), func(t *testing.T) {
			check := func(tm time.Time) {
				t.Helper()
				if got, want := stopStamp(tm), tm.Format("Jan 02 03:04 PM"); got != want {
					t.Fatalf("stopStamp(%v) = %q, want %q", tm, got, want)
				}
			}
			// Every minute of some days: the DST switches, a leap
			// day, the ends of years, the epoch.
			days := []time.Time{
				time.Date(2026, 3, 8, 0, 0, 0, 0, loc),
				time.Date(2026, 11, 1, 0, 0, 0, 0, loc),
				time.Date(2024, 2, 29, 0, 0, 0, 0, loc),
				time.Date(2025, 12, 31, 0, 0, 0, 0, loc),
				time.Date(1969, 12, 31, 12, 0, 0, 0, loc),
			}
			for _, day := range days {
				for m := 0; m < 24*60; m++ {
					check(day.Add(time.Duration(m)*time.Minute + 59*time.Second))
				}
			}
			// Every day of a leap year, at every hour.
			start := time.Date(2024, 1, 1, 0, 30, 7, 0, loc)
			for d := 0; d < 366; d++ {
				for h := 0; h < 24; h++ {
					check(start.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour))
				}
			}
			// As Describe calls it: from unix seconds, in the local zone.
			for _, sec := range []int64{0, 1, -1, 1e9, 1798245695, 4102444799, 253402300799} {
				check(time.Unix(sec, 0).In(loc))
				check(time.Unix(sec, 0))
			}
		})
	}
}

// TestLoopSurvivesIdleWork: a panic in the work the loop does once idle
// (the status write, the settle) is logged and survived, as a panic in an
// event's handling is: PID 1 must not die of it. A process without its
// configuration makes writeStatus panic.
func TestLoopSurvivesIdleWork(t *testing.T) {
	var log strings.Builder
	s := &Supervisor{now: time.Now, started: time.Now(), log: newLogger(config.LevelCritical, &log)}
	s.statusPath = filepath.Join(t.TempDir(), "status.json")
	s.procs = []*process{{m: machine{state: Running}}}
	s.events = make(chan loopEvent, 1)
	s.sweeping, s.childless = true, true // the next drained pipe ends the loop
	s.dirty = true
	done := make(chan struct{})
	go func() { s.loop(); close(done) }()
	s.events <- loopEvent{kind: leDrained} // handled once the idle work is over
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not end")
	}
	if !strings.Contains(log.String(), "internal error (survived)") {
		t.Errorf("no survived panic logged:\n%s", log.String())
	}
}
