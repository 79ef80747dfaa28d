package proc

import (
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/internal/textf"
)

// logger writes gosinit's activity log in supervisord's format
// ("2026-11-25 06:30:00,123 INFO spawned: 'web' with pid 12") to stderr and,
// when [supervisord] logfile is set, to that file. The owner loop is the
// main writer; copier goroutines report write failures through it, so it
// holds a mutex.
type logger struct {
	mu    sync.Mutex
	level config.Level
	outs  []io.Writer
	buf   []byte
}

func newLogger(level config.Level, outs ...io.Writer) *logger {
	return &logger{level: level, outs: outs}
}

// levelName is supervisord's four-letter name of a level (a switch, not a
// map: the map's initialization cost the binary more).
func levelName(l config.Level) string {
	switch l {
	case config.LevelCritical:
		return "CRIT"
	case config.LevelError:
		return "ERRO"
	case config.LevelWarn:
		return "WARN"
	case config.LevelInfo:
		return "INFO"
	case config.LevelDebug:
		return "DEBG"
	case config.LevelTrace:
		return "TRAC"
	case config.LevelBlather:
		return "BLAT"
	}
	return ""
}

// setOutputs replaces where the log goes.
func (l *logger) setOutputs(outs ...io.Writer) {
	l.mu.Lock()
	l.outs = outs
	l.mu.Unlock()
}

// remove stops the log going to w.
func (l *logger) remove(w io.Writer) {
	l.mu.Lock()
	var outs []io.Writer
	for _, o := range l.outs {
		if o != w {
			outs = append(outs, o)
		}
	}
	l.outs = outs
	l.mu.Unlock()
}

func (l *logger) enabled(level config.Level) bool { return l != nil && level >= l.level }

func (l *logger) logf(level config.Level, format string, args ...any) {
	if !l.enabled(level) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.begin(level)
	b = textf.Appendf(b, format, args...)
	l.end(b)
}

// debugOutput logs a chunk of a program's output at debug level, as
// supervisord does: "'web' stdout output:" and the chunk on the next
// lines, as eventText gives it (a chunk that is not UTF-8 becomes
// "Undecodable: b'...'", never raw bytes in the activity log).
func (l *logger) debugOutput(name, channel string, data []byte) {
	if !l.enabled(config.LevelDebug) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.begin(config.LevelDebug)
	b = append(b, "'"+name+"' "+channel+" output:\n"+eventText(data)...)
	l.end(b)
}

// begin starts a line in l.buf: the time and the level. l.mu is held.
func (l *logger) begin(level config.Level) []byte {
	b := appendLogTime(l.buf[:0], time.Now())
	b = append(b, ' ')
	b = append(b, levelName(level)...)
	return append(b, ' ')
}

// appendLogTime appends t as supervisord stamps its log lines,
// "2026-11-26 04:41:35,123": time's Format("2006-01-02 15:04:05") and the
// milliseconds, by hand. Format would link Go's whole time formatter into
// the binary (issue 2).
func appendLogTime(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	if year < 0 {
		b = append(b, '-')
		year = -year
	}
	if year >= 1e4 { // all its digits, as Format
		b = strconv.AppendInt(b, int64(year/100), 10)
	} else {
		b = twoDigits(b, year/100)
	}
	b = twoDigits(b, year%100)
	for i, n := range [...]int{int(month), day, hour, minute, sec} {
		b = twoDigits(append(b, "-- ::"[i]), n)
	}
	ms := t.Nanosecond() / 1e6
	return twoDigits(append(b, ',', byte('0'+ms/100)), ms%100)
}

// twoDigits appends n, 0 to 99, as two digits.
func twoDigits(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

// end finishes the line begin started and writes it. l.mu is held.
func (l *logger) end(b []byte) {
	b = append(b, '\n')
	for _, w := range l.outs {
		w.Write(b) // a failing log sink must not stop anything
	}
	l.buf = b
}

// The level helpers are not inlined: proc calls them at some 60 places,
// and inlined they cost 1.8 kB of the binary (issue 2).
//
//go:noinline
func (l *logger) critf(f string, a ...any) { l.logf(config.LevelCritical, f, a...) }

//go:noinline
func (l *logger) errorf(f string, a ...any) { l.logf(config.LevelError, f, a...) }

//go:noinline
func (l *logger) warnf(f string, a ...any) { l.logf(config.LevelWarn, f, a...) }

//go:noinline
func (l *logger) infof(f string, a ...any) { l.logf(config.LevelInfo, f, a...) }

//go:noinline
func (l *logger) debugf(f string, a ...any) { l.logf(config.LevelDebug, f, a...) }
