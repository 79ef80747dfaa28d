package main

import (
	"errors"
	"flag"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestFlagSetMatchesFlag holds flagSet to package flag: the same command
// lines give the same values, the same remaining arguments and the same
// error texts.
func TestFlagSetMatchesFlag(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"cmd", "-x"},
		{"-c", "a.conf", "cmd"},
		{"--c", "a.conf"},
		{"-c=a.conf", "--", "-g"},
		{"-c=", "x"},
		{"-g", "cmd"},
		{"-g=false", "cmd"},
		{"--g=0", "-n"},
		{"-g=maybe"},
		{"-g", "false"}, // a boolean takes no separate value: "false" is the command
		{"-c"},
		{"-bogus"},
		{"--bogus=1"},
		{"-h"},
		{"--help"},
		{"-help=1"},
		{"---c", "x"},
		{"-=x"},
		{"-", "x"},
		{"--"},
		{"--", "--"},
		{"-e", "3", "-e=4", "cmd"},
		{"-e", "bad"},
		{"-n", "-e", "x"},
		{"-n=nope"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			type result struct {
				c    string
				g, n bool
				e    []string
				rest []string
				err  string
			}
			eFunc := func(r *result) func(string) error {
				return func(s string) error {
					if s == "bad" {
						return errors.New("not a code")
					}
					r.e = append(r.e, s)
					return nil
				}
			}
			nFunc := func(r *result) func(string) error {
				return func(s string) error {
					if s != "true" {
						return errors.New("no value allowed")
					}
					r.n = true
					return nil
				}
			}
			var want result
			ref := flag.NewFlagSet("t", flag.ContinueOnError)
			ref.SetOutput(io.Discard)
			ref.StringVar(&want.c, "c", "", "")
			ref.BoolVar(&want.g, "g", false, "")
			ref.Func("e", "", eFunc(&want))
			ref.BoolFunc("n", "", nFunc(&want))
			if err := ref.Parse(args); err != nil {
				want.err = err.Error()
			}
			want.rest = ref.Args()

			var got result
			var out strings.Builder
			usages := 0
			fs := newFlags(&out, func() { usages++ })
			fs.StringVar(&got.c, "c")
			fs.BoolVar(&got.g, "g")
			fs.Func("e", eFunc(&got))
			fs.BoolFunc("n", nFunc(&got))
			err := fs.Parse(args)
			if err != nil {
				got.err = err.Error()
				if errors.Is(err, errHelp) {
					got.err = flag.ErrHelp.Error()
				} else if out.String() != got.err+"\n" {
					t.Errorf("printed %q, want the error %q", out.String(), got.err)
				}
				if usages != 1 {
					t.Errorf("usage shown %d times, want once", usages)
				}
			}
			got.rest = fs.Args()
			if got.c != want.c || got.g != want.g || got.n != want.n ||
				strings.Join(got.e, ",") != strings.Join(want.e, ",") ||
				strings.Join(got.rest, "|") != strings.Join(want.rest, "|") || got.err != want.err {
				t.Errorf("got %+v\nflag %+v", got, want)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true}, {"0.5", 500 * time.Millisecond, true}, {".25", 250 * time.Millisecond, true},
		{"3.", 3 * time.Second, true}, {"0", 0, true}, {"1.5s", 1500 * time.Millisecond, true}, {"500ms", 500 * time.Millisecond, true},
		{"1m30s", 90 * time.Second, true}, {"-1", 0, false}, {"-1s", 0, false}, {"abc", 0, false}, {"1.2.3", 0, false},
		{".", 0, false}, {"", 0, false}, {"1e3", 0, false},
	} {
		got, err := parseDuration(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseDuration(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
	// The error says what is wrong.
	for in, want := range map[string]string{
		"-1s":   `"-1s": a duration cannot be negative`,
		"-2":    `"-2": a duration cannot be negative`,
		"-x":    `"-x" is not a duration (e.g. 3s, 500ms)`,
		"1.2.3": `"1.2.3" is not a duration (e.g. 3s, 500ms)`,
	} {
		if _, err := parseDuration(in); err == nil || err.Error() != want {
			t.Errorf("parseDuration(%q): %v, want %q", in, err, want)
		}
	}
}

// TestParseDurationAsGo: parseDuration reads what time.ParseDuration reads,
// as it reads it, for random strings of digits, dots and units (no sign:
// gosinit takes none).
func TestParseDurationAsGo(t *testing.T) {
	pieces := []string{"0", "1", "5", "9", "12", "007", ".", ".5", "ns", "us", "µs", "μs", "ms", "s", "m", "h", "x", "9223372036", "854775807", "99999999999999999999"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		var b strings.Builder
		for range 1 + r.IntN(6) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		in := b.String()
		if plainDecimal(in) {
			continue // plain seconds: TestParseDuration
		}
		want, werr := time.ParseDuration(in)
		got, err := parseDuration(in)
		if (werr == nil) != (err == nil) || got != want && err == nil {
			t.Fatalf("parseDuration(%q) = %v, %v; time.ParseDuration %v, %v", in, got, err, want, werr)
		}
	}
}
