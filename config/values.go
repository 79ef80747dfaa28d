package config

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gosinit/gosinit/internal/textf"
)

// Value types, as supervisor/datatypes.py converts them. Each parser takes
// the expanded string and returns an error whose text completes
// "FILE:LINE: [section] key: ".

// pyIsSpace is Python's str.isspace for one character: Go's unicode.IsSpace
// plus the ASCII file, group, record and unit separators. Not inlined
// (issue 2).
//
//go:noinline
func pyIsSpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

func pyStrip(s string) string  { return strings.TrimFunc(s, pyIsSpace) }
func pyRstrip(s string) string { return strings.TrimRightFunc(s, pyIsSpace) }

// pyInt parses like Python's int(s): surrounding whitespace, a sign, and
// underscores between digits are allowed.
func pyInt(s string) (int64, error) {
	return pyIntBase(s, 10)
}

func pyIntBase(s string, base int) (int64, error) {
	t := pyStrip(s)
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if base == 8 && len(t) > 1 && t[0] == '0' && (t[1] == 'o' || t[1] == 'O') {
		t = strings.TrimPrefix(t[2:], "_")
	}
	if t == "" || t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
		return 0, errSyntax
	}
	var u uint64
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == '_' {
			continue
		}
		d := uint64(c) - '0'
		if c < '0' || d >= uint64(base) {
			return 0, errSyntax
		}
		if u > (math.MaxInt64-d)/uint64(base) {
			return 0, errRange
		}
		u = u*uint64(base) + d
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}

var (
	errSyntax = errors.New("syntax")
	errRange  = errors.New("range")
)

func parseInt(s string) (int, error) {
	n, err := pyInt(s)
	if err == nil && (n > math.MaxInt32 || n < math.MinInt32) {
		err = errRange
	}
	if err != nil {
		if err == errRange {
			return 0, textf.Errorf("%q is out of range", s)
		}
		return 0, textf.Errorf("%q is not an integer", s)
	}
	return int(n), nil
}

var (
	truthy = []string{"yes", "true", "on", "1"}
	falsy  = []string{"no", "false", "off", "0"}
)

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func parseBool(s string) (bool, error) {
	ls := strings.ToLower(s)
	switch {
	case oneOf(ls, truthy):
		return true, nil
	case oneOf(ls, falsy):
		return false, nil
	}
	return false, textf.Errorf("%q is not a boolean (true/false, yes/no, on/off, 1/0)", s)
}

func parseAutorestart(s string) (Autorestart, error) {
	ls := strings.ToLower(s)
	switch {
	case oneOf(ls, truthy):
		return AutorestartTrue, nil
	case oneOf(ls, falsy):
		return AutorestartFalse, nil
	case ls == "unexpected":
		return AutorestartUnexpected, nil
	}
	return 0, textf.Errorf("%q is not one of true, false, unexpected", s)
}

// parseByteSize is datatypes.byte_size: an integer with an optional KB, MB
// or GB suffix (any case, 1024-based).
func parseByteSize(s string) (int64, error) {
	ls := strings.ToLower(s)
	mult := int64(1)
	num := ls
	if utf8.RuneCountInString(ls) >= 2 {
		switch ls[len(ls)-2:] {
		case "kb":
			mult, num = 1<<10, ls[:len(ls)-2]
		case "mb":
			mult, num = 1<<20, ls[:len(ls)-2]
		case "gb":
			mult, num = 1<<30, ls[:len(ls)-2]
		}
	}
	n, err := pyInt(num)
	if err == nil && (n > math.MaxInt64/mult || n < math.MinInt64/mult) {
		err = errRange
	}
	if err != nil {
		return 0, textf.Errorf("%q is not a byte size (an integer with an optional KB, MB or GB)", s)
	}
	return n * mult, nil
}

// parseUmask is datatypes.octal_type: Python's int(s, 8). It and
// parseMode return an int, which callers convert to a Umask: typed[int]
// serves them, where a typed for Umask's shape (uint32) cost 390 bytes of
// text (issue 2's size).
func parseUmask(s string) (int, error) {
	n, err := pyIntBase(s, 8)
	if err != nil || n < 0 || n > 0o7777 {
		return 0, textf.Errorf("%q is not an octal umask", s)
	}
	return int(n), nil
}

// parseMode is socket_mode: datatypes.octal_type, Python's int(s, 8).
func parseMode(s string) (int, error) {
	n, err := pyIntBase(s, 8)
	if err != nil || n < 0 || n > 0o7777 {
		return 0, textf.Errorf("%q is not an octal mode", s)
	}
	return int(n), nil
}

// parseExitcodes is datatypes.list_of_exitcodes: a comma list of 0-255.
// An empty value is an empty list.
func parseExitcodes(s string) ([]int, error) {
	codes := []int{}
	if s == "" {
		return codes, nil
	}
	for _, f := range strings.Split(s, ",") {
		n, err := pyInt(f)
		if err != nil || n < 0 || n > 255 {
			return nil, textf.Errorf("%q is not a list of exit codes (integers 0-255 separated by commas)", s)
		}
		codes = append(codes, int(n))
	}
	return codes, nil
}

// Level words, as supervisord's loggers.LevelsByDescription.
var levelWords = []struct {
	word  string
	level Level
}{
	{"critical", LevelCritical}, {"error", LevelError}, {"warn", LevelWarn},
	{"info", LevelInfo}, {"debug", LevelDebug}, {"trace", LevelTrace}, {"blather", LevelBlather},
}

// ParseLevel parses a loglevel word (any case). "warning" is not one.
func ParseLevel(s string) (Level, error) {
	ls := strings.ToLower(s)
	for _, w := range levelWords {
		if w.word == ls {
			return w.level, nil
		}
	}
	hint := ""
	if ls == "warning" {
		hint = "; supervisord's word is warn"
	}
	return 0, textf.Errorf("unknown log level %q (critical, error, warn, info, debug, trace, blather)%s", s, hint)
}

// String returns supervisord's word for the level ("info").
func (l Level) String() string {
	for _, w := range levelWords {
		if w.level == l {
			return w.word
		}
	}
	return strconv.Itoa(int(l))
}

// canonNames are the canonical names (Python's signal.Signals(n).name),
// without SIG, of signals 1 to 31, space-separated; 34 and 64 are RTMIN
// and RTMAX. A string, not a map: its initialization cost the binary more.
const canonNames = "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS"

// signalCanon is the canonical name of s, if Python's signal module has one.
func signalCanon(s Signal) (string, bool) {
	switch {
	case s == 34:
		return "RTMIN", true
	case s == 64:
		return "RTMAX", true
	case s < 1 || s > 31:
		return "", false
	}
	return strings.Fields(canonNames)[s-1], true
}

// ParseSignal parses a signal as supervisord does: a number, or a name
// with or without SIG in any case ("TERM", "sigterm", "15").
func ParseSignal(s string) (Signal, error) {
	if n, err := pyInt(s); err == nil {
		if _, ok := signalCanon(Signal(n)); ok || n == 0 {
			return Signal(n), nil
		}
		return 0, textf.Errorf("unknown signal number %q", s)
	}
	name := strings.ToUpper(pyStrip(s))
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	// every name that supervisord's datatypes.signal_number accepts: the
	// canonical ones, their aliases, and signal's SIG_ constants
	for i, c := range strings.Fields(canonNames) {
		if name[3:] == c {
			return Signal(i + 1), nil
		}
	}
	switch name {
	case "SIGCLD":
		return 17, nil
	case "SIGIOT":
		return 6, nil
	case "SIGPOLL":
		return 29, nil
	case "SIGRTMIN":
		return 34, nil
	case "SIGRTMAX":
		return 64, nil
	case "SIG_BLOCK", "SIG_DFL":
		return 0, nil
	case "SIG_IGN", "SIG_UNBLOCK":
		return 1, nil
	case "SIG_SETMASK":
		return 2, nil
	}
	return 0, textf.Errorf("unknown signal %q", s)
}

// String returns the name without SIG ("TERM"), or the number.
func (s Signal) String() string {
	if n, ok := signalCanon(s); ok {
		return n
	}
	return strconv.Itoa(int(s))
}

// validName is datatypes.process_or_group_name: no space, colon or slash.
func validName(s string) error {
	for _, c := range " :/" {
		if strings.ContainsRune(s, c) {
			return textf.Errorf("name %q contains %q (names must not contain a space, ':' or '/')", s, c)
		}
	}
	return nil
}

// replaceAll is strings.ReplaceAll for a non-empty old, and repeat is
// strings.Repeat of one byte: strings.Replace and strings.Repeat would
// cost the binary 5 kB for the few places config uses them (issue 2).
func replaceAll(s, old, new string) string { return strings.Join(strings.Split(s, old), new) }

// repeat is not inlined (1.2 kB of the binary, issue 2).
//
//go:noinline
func repeat(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}
