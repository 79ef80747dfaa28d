package config

import (
	"reflect"
	"strings"
	"testing"
)

// Expected values below were taken from Python 3.11 and Debian's
// supervisor 4.2.5 (shlex.split, datatypes.dict_of_key_value_pairs, the %
// operator, configparser).

func TestShlexSplit(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"a b", []string{"a", "b"}, ""},
		{"a 'b c' d", []string{"a", "b c", "d"}, ""},
		{`a "b\"c" d`, []string{"a", `b"c`, "d"}, ""},
		{`a\ b`, []string{"a b"}, ""},
		{`'a'"b"`, []string{"ab"}, ""},
		{`""`, []string{""}, ""},
		{"x # y", []string{"x", "#", "y"}, ""},
		{"a\n b\tc", []string{"a", "b", "c"}, ""},
		{`"a\\b" 'a\\b'`, []string{`a\b`, `a\\b`}, ""},
		{`"a\xb"`, []string{`a\xb`}, ""},
		{"é à", []string{"é", "à"}, ""},
		{"", []string{}, ""},
		{`a\`, nil, "No escaped character"},
		{`'open`, nil, "No closing quotation"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := shlexSplit(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseEnvironment(t *testing.T) {
	tests := []struct {
		in   string
		want []envPair // nil: an error
	}{
		{"A=1,B=2", []envPair{{Key: "A", Value: "1"}, {Key: "B", Value: "2"}}},
		{`A="x y",B='z'`, []envPair{{Key: "A", Value: "x y"}, {Key: "B", Value: "z"}}},
		{"A=1 B=2", nil},
		{"A=1,B", nil},
		{"A=b@c", nil},
		{`A="b@c"`, []envPair{{Key: "A", Value: "b@c"}}},
		{"A=b#c\nD=1", nil},
		{"A=1,,B=2", nil},
		{`A=x"y z"`, []envPair{{Key: "A", Value: `x"y`}}},
		{`A="unterminated`, nil},
		{"K=/a/b:c.d+e-(f)", []envPair{{Key: "K", Value: "/a/b:c.d+e-(f)"}}},
		{"A=é", []envPair{{Key: "A", Value: "é"}}},
		{`"A"=1`, []envPair{{Key: `"A"`, Value: "1"}}},
		{"A=''", []envPair{{Key: "A", Value: ""}}},
		{"A=1;B=2", []envPair{{Key: "A", Value: "1"}, {Key: "B", Value: "2"}}},
		{"A=1, B=2 ,C=3", []envPair{{Key: "A", Value: "1"}, {Key: "B", Value: "2"}, {Key: "C", Value: "3"}}},
		{"A=1,A=2", []envPair{{Key: "A", Value: "2"}}},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseEnvironment(tt.in)
			if tt.want == nil && tt.in != "" {
				if err == nil {
					t.Fatalf("got %v, want an error", got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestPyFormat(t *testing.T) {
	v := &scope{{"a": "xy", "n": 5, "neg": -3,
		"ctl": "it's \\ \n\r\t\x01\x1f\x7f é", "dq": `say "hi" \`, "both": `both ' and "`}}
	tests := []struct{ in, want, wantErr string }{
		{"plain", "plain", ""},
		{"100%%", "100%", ""},
		{"%(a)5s|", "   xy|", ""},
		{"%(a)-5s|", "xy   |", ""},
		{"%(a).1s", "x", ""},
		{"%(n)05d", "00005", ""},
		{"%(n)+d", "+5", ""},
		{"%(n) d", " 5", ""},
		{"%(n)#x", "0x5", ""},
		{"%(n)#o", "0o5", ""},
		{"%(n).3d", "005", ""},
		{"%(n)e", "5.000000e+00", ""},
		{"%(n)g", "5", ""},
		{"%(n)r", "5", ""},
		{"%(a)r", "'xy'", ""},
		{"%(ctl)r", `"it's \\ \n\r\t\x01\x1f\x7f é"`, ""}, // Python's repr
		{"%(dq)r", `'say "hi" \\'`, ""},
		{"%(both)r", `'both \' and "'`, ""},
		{"%(n)5.1f", "  5.0", ""},
		{"%(n)-05d|", "5    |", ""},
		{"%(n)hd%(n)ld%(n)u%(n)i", "5555", ""},
		{"%(n)08.3d", "00000005", ""},
		{"%(n)-8.3x|", "005     |", ""},
		{"%(neg)03d", "-03", ""},
		{"%(n)c", "\x05", ""},
		{"%(a)%", "", "unsupported format character '%'"},
		{"%5%", "", "unsupported format character '%'"},
		{"%(a)c", "", "needs a number or a single character"},
		{"%(zz", "", "incomplete format key"},
		{"%(a)", "", "incomplete format"},
		{"50%", "", "incomplete format"},
		{"%(a)y", "", "unsupported format character 'y'"},
		{"%(a)d", "", "needs a number"},
		{"%s", "", "bare %s"},
		{"% s", "", "bare %s"},
		{"%(a)*d", "", "* width"},
		{"%(missing)s", "", "%(missing)s: unknown name"},
		{"%(ENV_NOPE)s", "", "environment variable NOPE is not set"},
		{"%(a)99999d", "", "width or precision above"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := pyFormat(tt.in, v)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestCommentStart(t *testing.T) {
	tests := []struct {
		line string
		want int
	}{
		{"command=echo a;b", -1},
		{"command=echo a ;b", 15},
		{"command=echo a #b", 15},
		{"command=echo a\t#b", 15},
		{"; comment", 0},
		{"   # indented comment", 0},
		{"a=x#y # c", 6},
		// configparser's round-based search: in round 1 the first '#'
		// (after a space) wins although the third ';' is earlier.
		{"a=x;y;z ;w #v", 11},
		{`a=nginx -g "daemon off;"`, -1},
	}
	for _, tt := range tests {
		if got := commentStart(tt.line); got != tt.want {
			t.Errorf("commentStart(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}

func TestSplitLines(t *testing.T) {
	got := splitLines("a\r\nb\rc\n\nd")
	if want := []string{"a", "b", "c", "", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestValues(t *testing.T) {
	t.Run("byte sizes", func(t *testing.T) {
		for in, want := range map[string]int64{"0": 0, "1024": 1024, "1KB": 1024, "50MB": 50 << 20,
			"2gb": 2 << 30, "3Mb": 3 << 20, " 7 ": 7, "1_000": 1000, "50 MB": 50 << 20} {
			if got, err := parseByteSize(in); err != nil || got != want {
				t.Errorf("parseByteSize(%q) = %d, %v; want %d", in, got, err, want)
			}
		}
		for _, in := range []string{"5 MiB", "1K", "1B", "1.5MB", "", "MB", "1__0"} {
			if got, err := parseByteSize(in); err == nil {
				t.Errorf("parseByteSize(%q) = %d, want an error", in, got)
			}
		}
	})
	t.Run("umask", func(t *testing.T) {
		for in, want := range map[string]int{"022": 0o22, "22": 0o22, "0o22": 0o22, "0O77": 0o77, "002": 2, "0": 0} {
			if got, err := parseUmask(in); err != nil || got != want {
				t.Errorf("parseUmask(%q) = %o, %v; want %o", in, got, err, want)
			}
		}
		for _, in := range []string{"089", "0x22", "", "-1"} {
			if _, err := parseUmask(in); err == nil {
				t.Errorf("parseUmask(%q): no error", in)
			}
		}
	})
	t.Run("signals", func(t *testing.T) {
		for in, want := range map[string]Signal{"TERM": 15, "SIGTERM": 15, "term": 15, " hup": 1, "9": 9,
			"SIGIOT": 6, "cld": 17, "RTMIN": 34, "64": 64, "0": 0} {
			if got, err := ParseSignal(in); err != nil || got != want {
				t.Errorf("ParseSignal(%q) = %d, %v; want %d", in, got, err, want)
			}
		}
		for _, in := range []string{"TERMINATE", "", "40", "-1", "SIG"} {
			if _, err := ParseSignal(in); err == nil {
				t.Errorf("ParseSignal(%q): no error", in)
			}
		}
		for sig, want := range map[Signal]string{15: "TERM", 6: "ABRT", 17: "CHLD", 29: "IO", 64: "RTMAX", 0: "0"} {
			if got := sig.String(); got != want {
				t.Errorf("Signal(%d).String() = %q, want %q", int(sig), got, want)
			}
		}
	})
	t.Run("booleans and autorestart", func(t *testing.T) {
		for _, in := range []string{"true", "YES", "On", "1"} {
			if b, err := parseBool(in); err != nil || !b {
				t.Errorf("parseBool(%q) = %v, %v", in, b, err)
			}
		}
		if _, err := parseBool("true "); err == nil {
			t.Error(`parseBool("true ") accepted`)
		}
		for in, want := range map[string]Autorestart{"unexpected": AutorestartUnexpected, "Yes": AutorestartTrue, "off": AutorestartFalse} {
			if got, err := parseAutorestart(in); err != nil || got != want {
				t.Errorf("parseAutorestart(%q) = %v, %v", in, got, err)
			}
		}
	})
	t.Run("integers", func(t *testing.T) {
		for in, want := range map[string]int{"5": 5, " -5 ": -5, "+7": 7, "1_0": 10, "007": 7} {
			if got, err := parseInt(in); err != nil || got != want {
				t.Errorf("parseInt(%q) = %d, %v; want %d", in, got, err, want)
			}
		}
		for _, in := range []string{"abc", "1.5", "0x10", "_1", "1_", "", "99999999999"} {
			if _, err := parseInt(in); err == nil {
				t.Errorf("parseInt(%q): no error", in)
			}
		}
	})
	t.Run("exitcodes", func(t *testing.T) {
		if got, err := parseExitcodes("0, 2 ,143"); err != nil || !reflect.DeepEqual(got, []int{0, 2, 143}) {
			t.Errorf("got %v, %v", got, err)
		}
		if got, err := parseExitcodes(""); err != nil || got == nil || len(got) != 0 {
			t.Errorf("empty: got %#v, %v", got, err)
		}
		for _, in := range []string{"0,", "256", "-1", "a"} {
			if _, err := parseExitcodes(in); err == nil {
				t.Errorf("parseExitcodes(%q): no error", in)
			}
		}
	})
}

func TestOneEdit(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"logfile_backup", "logfile_backups", true},
		{"autostrat", "autostart", true},
		{"stopwatisecs", "stopwaitsecs", true},
		{"numproc", "numprocs", true},
		{"command", "command", false},
		{"comand", "command", true},
		{"cmd", "command", false},
		{"priorty", "priority", true},
		{"ab", "ba", true},
		{"abc", "cba", false},
	}
	for _, tt := range tests {
		if got := oneEdit(tt.a, tt.b); got != tt.want {
			t.Errorf("oneEdit(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestPyGlob(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{"testdata/include_tree.d/*.conf", []string{"testdata/include_tree.d/10-web.conf", "testdata/include_tree.d/20-worker.conf"}},
		{"testdata/include_tree.d/.*.conf", []string{"testdata/include_tree.d/.hidden.conf"}},
		{"testdata/include_tree.d/[!1]*.conf", []string{"testdata/include_tree.d/20-worker.conf"}},
		{"testdata/include_tree.d/?0-web.conf", []string{"testdata/include_tree.d/10-web.conf"}},
		{"testdata/include_tree.*/extra/*.ini", []string{"testdata/include_tree.d/extra/cron.ini"}},
		{"testdata/include_tree.d/10-web.conf", []string{"testdata/include_tree.d/10-web.conf"}},
		{"testdata/nothing/*.conf", nil},
	}
	for _, tt := range tests {
		got := pyGlob(tt.pattern)
		if len(got) > 1 {
			// pyGlob returns directory order; Load sorts
			for i := 1; i < len(got); i++ {
				for j := i; j > 0 && got[j] < got[j-1]; j-- {
					got[j], got[j-1] = got[j-1], got[j]
				}
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("pyGlob(%q) = %q, want %q", tt.pattern, got, tt.want)
		}
	}
}

func TestReplaceAllRepeatAsStrings(t *testing.T) {
	for _, s := range []string{"", "%", "%%", "a%b%", "1_000_000", "_", "__x__", "%(here)s", "x%(here)s/%(here)s%(here)", "é%(here)sß"} {
		for _, c := range [][2]string{{"%", "%%"}, {"_", ""}, {"%(here)s", "/etc/x"}, {"%(here)s", ""}} {
			if got, want := replaceAll(s, c[0], c[1]), strings.ReplaceAll(s, c[0], c[1]); got != want {
				t.Errorf("replaceAll(%q, %q, %q) = %q, want %q", s, c[0], c[1], got, want)
			}
		}
	}
	for n := range 5 {
		if got, want := repeat('0', n), strings.Repeat("0", n); got != want {
			t.Errorf("repeat('0', %d) = %q, want %q", n, got, want)
		}
	}
}

// sortDiags drops exact repeats only: diagnostics whose fields would run
// together the same way (a Section ending where a Key begins) both stay.
func TestSortDiagsDropsExactRepeats(t *testing.T) {
	a := Diag{File: "f", Line: 3, Section: "program:a", Key: "b", Msg: "m"}
	shifted := Diag{File: "f", Line: 3, Section: "program:", Key: "ab", Msg: "m"}
	intoMsg := Diag{File: "f", Line: 3, Section: "program:a", Key: "", Msg: "bm"}
	otherFile := Diag{File: "f3", Line: 0, Section: "program:a", Key: "b", Msg: "m"}
	first := Diag{File: "f", Line: 1, Msg: "m"}
	got := sortDiags([]Diag{a, shifted, a, intoMsg, otherFile, first, shifted, otherFile}, []string{"f", "f3"})
	want := []Diag{first, a, shifted, intoMsg, otherFile}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", Errors(got), Errors(want))
	}
}
