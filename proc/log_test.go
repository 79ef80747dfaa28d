package proc

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gosinit/gosinit/config"
)

// debugOutput writes what supervisord's "%(name)r %(channel)s output:\n%(data)s"
// makes of a chunk: bytes that are not UTF-8 as "Undecodable: " and their
// repr (supervisord 4.2.5 logs b'a\x00b\xffc\n' so; raw bytes were logged).
func TestDebugOutput(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("hello\n"), []byte("a\xffb\x00%s%!\n\n"), bytes.Repeat([]byte("x"), 70000)} {
		var got bytes.Buffer
		newLogger(config.LevelDebug, &got).debugOutput("web", "stdout", data)
		text := string(data)
		if len(data) == 10 {
			text = `Undecodable: b'a\xffb\x00%s%!\n\n'`
		}
		want := fmt.Appendf(nil, "DEBG '%s' %s output:\n%s\n", "web", "stdout", text)
		// past the time, "2026-11-26 04:41:35,123 "
		if g, w := got.Bytes()[24:], want; !bytes.Equal(g, w) {
			t.Errorf("chunk of %d bytes: got %q, want %q", len(data), g, w)
		}
	}
	var b bytes.Buffer
	newLogger(config.LevelInfo, &b).debugOutput("web", "stdout", []byte("x"))
	if b.Len() != 0 {
		t.Errorf("at loglevel info: %q, want nothing", b.Bytes())
	}
}

// appendLogTime must print what Format("2006-01-02 15:04:05") and ",%03d"
// of the milliseconds print: every minute of some days (a DST switch, a
// leap day, a year's end) with changing seconds and milliseconds, and
// random instants from year -9999 to 99999, in UTC, fixed offsets either
// side of it and America/New_York.
func TestAppendLogTime(t *testing.T) {
	zones := testZones(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, loc := range zones {
		t.Run(loc.String(), func(t *testing.T) {
			check := func(tm time.Time) {
				t.Helper()
				want := tm.Format("2006-01-02 15:04:05") + fmt.Sprintf(",%03d", tm.Nanosecond()/1e6)
				if got := string(appendLogTime([]byte("x"), tm)); got != "x"+want {
					t.Fatalf("appendLogTime(%v) = %q, want %q", tm, got, "x"+want)
				}
			}
			for _, day := range []time.Time{
				time.Date(2026, 3, 8, 0, 0, 0, 0, loc),
				time.Date(2024, 2, 29, 0, 0, 0, 0, loc),
				time.Date(2026, 12, 31, 0, 0, 0, 0, loc),
			} {
				for m := 0; m < 24*60; m++ {
					check(day.Add(time.Duration(m)*time.Minute + time.Duration(m%60)*time.Second + time.Duration(m*7919%1000)*time.Millisecond + 999999))
				}
			}
			for range 20000 {
				year := rng.IntN(110000) - 10000
				tm := time.Date(year, time.Month(1+rng.IntN(12)), 1+rng.IntN(31), rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1e9), loc)
				check(tm)
			}
			check(time.Now().In(loc))
		})
	}
}
