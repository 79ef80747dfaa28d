package textf

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

type stringer int

func (s stringer) String() string { return "S" + fmt.Sprint(int(s)) }

type nilStringer struct{ s string }

func (n *nilStringer) String() string { return n.s }

// The operands textf supports, of every kind, with awkward values.
var operands = []any{
	"", "plain", "tab\there", "quote\"back\\slash", "é ü 日本", "\x00\xff invalid", "<&>",
	"a`b", "line\nbreak",
	[]byte("bytes"), []byte{}, []byte{0, 200},
	errors.New("an error"), &fs.PathError{Op: "open", Path: "/x", Err: syscall.ENOENT},
	syscall.EPERM, time.Duration(1500) * time.Millisecond, stringer(7),
	true, false,
	0, 1, -1, 42, -42, 255, 1 << 40, math.MaxInt64, math.MinInt64,
	int8(-8), int16(300), int32(-70000), int64(-5), uint(7), uint8(200), uint16(65535),
	uint32(4000000000), uint64(math.MaxUint64), uintptr(0x1000),
	0.0, 1.5, -2.25, 1e6, 1e21, 1e-7, math.Inf(1), math.Inf(-1), math.NaN(), float32(0.1),
	[]string{}, []string{"a", "b c"}, []string{"q\"", ""},
	[]int{}, []int{1, -2, 300},
	nil,
	'x', 'é', rune(0x1F600),
}

var verbs = []string{
	"%v", "%s", "%q", "%d", "%x", "%X", "%o", "%O", "%b", "%c", "%U", "%#U", "%t",
	"%e", "%f", "%g", "%E", "%G", "%F",
	"%5v", "%-5v|", "%05d", "%-05d|", "%+d", "% d", "%#x", "%#o", "%#q", "%+q",
	"%.2s", "%.3d", "%8.3f", "%-8.2e|", "%08.3f", "%.0f", "%10q", "%-10s|", "%03o",
	"%02x", "%02d", "%#.3o", "%#.1o", "%+.3d", "%#.4x", "%3c", "%05s", "%05q", "%05t", "%05v", "%-05s|", "% x", "%# x", "%.1x", "%x|%X", "%6.2v",
}

// supported says which (verb, operand) pairs textf promises to format as
// fmt does: the pairs of its package doc.
func supported(verb byte, a any) bool {
	switch a.(type) {
	case nil:
		return verb == 'v'
	case string, []byte, error, fmt.Stringer:
		if _, ok := a.(stringer); ok {
			return strings.IndexByte("vsqxX", verb) >= 0
		}
		return strings.IndexByte("vsqxX", verb) >= 0
	case bool:
		return verb == 'v' || verb == 't'
	case float64, float32:
		return strings.IndexByte("veEfFgG", verb) >= 0
	case []string:
		return strings.IndexByte("vsq", verb) >= 0
	case []int:
		return verb == 'v' || verb == 'd'
	}
	// integers
	return strings.IndexByte("vdxXoObcqU", verb) >= 0
}

func verbOf(format string) byte {
	for i := len(format) - 1; i >= 0; i-- {
		c := format[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return c
		}
	}
	return 0
}

func TestSprintfMatchesFmt(t *testing.T) {
	n := 0
	for _, verb := range verbs {
		v := verbOf(verb)
		for _, a := range operands {
			if !supported(v, a) {
				continue
			}
			if strings.Contains(verb, "|%X") {
				// two verbs, one operand each
				got, want := Sprintf(verb, a, a), fmt.Sprintf(verb, a, a)
				if got != want {
					t.Errorf("Sprintf(%q, %#v x2) = %q, fmt says %q", verb, a, got, want)
				}
				continue
			}
			n++
			got, want := Sprintf(verb, a), fmt.Sprintf(verb, a)
			if got != want {
				t.Errorf("Sprintf(%q, %#v) = %q, fmt says %q", verb, a, got, want)
			}
		}
	}
	if n < 500 {
		t.Fatalf("only %d cases compared", n)
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		format string
		args   []any
	}{
		{"", nil},
		{"no verbs", nil},
		{"100%%", nil},
		{"%s:%d: [%s] %s: %v", []any{"/etc/a.conf", 12, "program:web", "stopsignal", errors.New("bad")}},
		{"%-*s%-10s%s", []any{33, "web", "RUNNING", "pid 12, uptime 0:00:01"}},
		{"%*d|%-*d|", []any{5, 3, -5, 3}},
		{"%.*s|", []any{2, "abcdef"}},
		{"%d:%02d:%02d", []any{1, 2, 3}},
		{",%03d %s ", []any{7, "INFO"}},
		{"%d %s", []any{1}},            // missing
		{"%d", []any{1, "extra", nil}}, // extra
		{"%!", nil},                    // bad verb, no operand
		{"%", nil},                     // no verb
		{"%z", []any{1}},               // unknown verb
		{"%d", []any{"str"}},           // wrong type
		{"%s", []any{true}},            // wrong type
		{"%x", []any{[]string{"ab"}}},  // unsupported combination: not compared
		{"héllo %s wörld", []any{"ü"}}, // UTF-8 around verbs
		{"%q", []any{[]string{"a b"}}}, // quoted list
		{"%v %v", []any{nil, []int(nil)}},
	} {
		got, want := Sprintf(tc.format, tc.args...), fmt.Sprintf(tc.format, tc.args...)
		if tc.format == "%x" || tc.format == "%z" || tc.format == "%d" && len(tc.args) == 1 && tc.args[0] == "str" || tc.format == "%s" && len(tc.args) == 1 && tc.args[0] == true {
			// outside the supported pairs: textf only promises an error
			// marker, never a crash
			if !strings.Contains(got, "%!") {
				t.Errorf("Sprintf(%q, %v) = %q, want a %%! marker", tc.format, tc.args, got)
			}
			continue
		}
		if tc.format == "%d" && len(tc.args) == 3 {
			// fmt names the extra operands' types; textf cannot
			if got != "1%!(EXTRA ?=extra, <nil>)" {
				t.Errorf("Sprintf(%q, %v) = %q", tc.format, tc.args, got)
			}
			continue
		}
		if got != want {
			t.Errorf("Sprintf(%q, %v) = %q, fmt says %q", tc.format, tc.args, got, want)
		}
	}
}

func TestErrorf(t *testing.T) {
	base := &fs.PathError{Op: "open", Path: "/x", Err: syscall.ENOENT}
	err := Errorf("load %s: %w", "a.conf", base)
	if want := fmt.Errorf("load %s: %w", "a.conf", base).Error(); err.Error() != want {
		t.Errorf("Errorf = %q, want %q", err, want)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Error("errors.Is(err, ErrNotExist) = false through one %w")
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe != base {
		t.Error("errors.As did not find the wrapped *PathError")
	}
	two := Errorf("%w and %w", syscall.EPERM, base)
	if !errors.Is(two, syscall.EPERM) || !errors.Is(two, os.ErrNotExist) {
		t.Error("errors.Is does not see both operands of two %w")
	}
	if got, want := two.Error(), fmt.Errorf("%w and %w", syscall.EPERM, base).Error(); got != want {
		t.Errorf("two %%w = %q, want %q", got, want)
	}
	if errors.Unwrap(Errorf("plain %d", 1)) != nil {
		t.Error("an Errorf without %w wraps something")
	}
	wrap := "%w" // not a constant: vet rightly rejects %w outside Errorf
	if got := Sprintf(wrap, base); !strings.HasPrefix(got, "%!w(") {
		t.Errorf("Sprintf with %%w = %q, want a %%!w marker", got)
	}
}

func TestAppendfAndFprintf(t *testing.T) {
	b := Appendf([]byte("2026-11-26 04:41:35"), ",%03d %s ", 7, "INFO")
	if got, want := string(b), "2026-11-26 04:41:35,007 INFO "; got != want {
		t.Errorf("Appendf = %q, want %q", got, want)
	}
	var sb strings.Builder
	n, err := Fprintf(&sb, "%s=%d\n", "k", 3)
	if err != nil || n != 4 || sb.String() != "k=3\n" {
		t.Errorf("Fprintf = %d, %v, %q", n, err, sb.String())
	}
}

func TestPanickingStringer(t *testing.T) {
	var p *nilStringer
	got := Sprintf("x %v y", p)
	if !strings.Contains(got, "PANIC") {
		t.Errorf("a panicking String method gave %q, want a PANIC marker", got)
	}
}

func TestAllocs(t *testing.T) {
	b := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		b = Appendf(b[:0], "%s %d %q", "name", 42, "x")
	})
	// the operands are boxed by the caller; Appendf itself must not
	// allocate per verb beyond small temporaries
	if allocs > 4 {
		t.Errorf("Appendf allocates %.0f times a call", allocs)
	}
}

// FuzzSprintf compares textf with fmt on arbitrary formats over operands
// of the supported kinds, wherever every verb meets an operand it
// supports (elsewhere textf only promises a %! marker). `go test -fuzz
// FuzzSprintf ./internal/textf` explores; plain go test runs the seeds.
func FuzzSprintf(f *testing.F) {
	compared := 0
	defer func() {
		// the seeds alone must compare something, or the fuzz target
		// has stopped testing
		if !testing.Short() && compared == 0 && !strings.Contains(strings.Join(os.Args, " "), "-test.fuzz") {
			f.Error("no seed was compared with fmt")
		}
	}()
	for _, s := range []string{"%d", "%-*s|", "%05.2f %q", "%x %X %o", "%+d % d %#v", "%%%s%%", "%.3s", "%10.4q", "%c%U", "%*.*d"} {
		f.Add(s, int64(-42), "héllo\x00", 3.25, uint8(7))
	}
	f.Fuzz(func(t *testing.T, format string, i int64, s string, fl float64, w uint8) {
		args := []any{int(w % 40), i, s, fl, []string{s, "b"}, true, errors.New(s)}
		// Rotate the operands so that each verb position sees each kind.
		for r := range args {
			a := append(append([]any{}, args[r:]...), args[:r]...)
			n, ok := allSupported(format, a)
			if !ok {
				continue
			}
			a = a[:n]
			compared++
			got, want := Sprintf(format, a...), fmt.Sprintf(format, a...)
			if got != want {
				t.Fatalf("Sprintf(%q, %#v) = %q, fmt says %q", format, a, got, want)
			}
		}
	})
}

// allSupported says every verb of format meets an operand textf formats
// as fmt does, taking them from a in order, and every '*' an int; n is how
// many it takes.
func allSupported(format string, a []any) (n int, ok bool) {
	argi := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		sharp := false
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			sharp = sharp || format[i] == '#'
			i++
		}
		for pass := 0; pass < 2; pass++ { // width, then precision
			if pass == 1 {
				if i >= len(format) || format[i] != '.' {
					break
				}
				i++
			}
			if i < len(format) && format[i] == '*' {
				if argi >= len(a) {
					return 0, false
				}
				if _, ok := a[argi].(int); !ok {
					return 0, false
				}
				argi++
				i++
				continue
			}
			n := 0
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				n++
				i++
			}
			if n > 3 {
				return 0, false // fmt's and textf's limits on huge widths differ
			}
		}
		if i >= len(format) {
			return 0, false
		}
		if format[i] == '%' {
			continue
		}
		if format[i] >= 0x80 || argi >= len(a) || !supported(format[i], a[argi]) || sharp && strings.IndexByte("xXoOqUb", format[i]) < 0 {
			return 0, false
		}
		argi++
	}
	return argi, true
}
