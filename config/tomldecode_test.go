package config

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// decodeTOML is checked against github.com/BurntSushi/toml v1.6.0, the
// decoder it replaced, and against toml-test's suite, which that module
// ships in internal/toml-test/tests.
//
// Deliberate differences from BurntSushi v1.6.0, all inputs TOML calls
// invalid that BurntSushi accepts (often losing a value on the way):
//
//   - a table defined twice through a mix of dotted keys and headers:
//     [a] b.c = 1 then [a.b]; [a.b.c] then [a] b.c.d = 1; a.b.c = 1 then
//     a.b = 2 (BurntSushi drops c);
//   - an inline table or an array of tables extended by dotted keys or
//     headers: a = {} then [a.b]; {x = {y = 1}, x.z = 2};
//   - a time offset past 23:59 (+12:60, +24:00);
//   - six quotes or more after \\ in a multi-line basic string:
//     """\\"""""" (BurntSushi takes the backslash to escape a quote);
//   - arrays and inline tables nested over 1000 deep (tomlMaxDepth):
//     PID 1 must not overflow its stack.
//
// tomlStricter recognises exactly these errors. Otherwise the verdicts and
// values are the same, TOML 1.1 syntax that BurntSushi accepts included
// (newlines and a trailing comma in inline tables, \e and \xHH, times
// without seconds): toml-test's invalid cases for those are in
// tomlAccepted11.

// tomlAccepted11 lists toml-test's invalid cases (TOML 1.0) that are valid
// TOML 1.1 and that BurntSushi, so we, accept.
var tomlAccepted11 = map[string]bool{
	"datetime/no-secs.toml":            true,
	"local-datetime/no-secs.toml":      true,
	"local-time/no-secs.toml":          true,
	"inline-table/linebreak-01.toml":   true,
	"inline-table/linebreak-02.toml":   true,
	"inline-table/linebreak-03.toml":   true,
	"inline-table/linebreak-04.toml":   true,
	"inline-table/trailing-comma.toml": true,
	"string/basic-byte-escapes.toml":   true,
}

// tomlStricter says err, decoding data, is one of the deliberate
// differences above.
func tomlStricter(err error, data []byte) bool {
	msg := err.Error()
	for _, s := range []string{"already", "cannot be extended", "duplicate key", "time offset out of range"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return strings.Contains(msg, "too many quotes") && strings.Contains(string(data), `\\""""""`)
}

var tomlSuite = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/BurntSushi/toml").Output()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "internal", "toml-test", "tests")
	if _, err := os.Stat(dir); err != nil {
		return "", err
	}
	return dir, nil
})

// tomlSuiteFiles lists toml-test's cases, relative to the suite's valid/
// or invalid/ directory.
func tomlSuiteFiles(t testing.TB, kind string) (string, []string) {
	dir, err := tomlSuite()
	if err != nil {
		t.Skipf("toml-test suite not found in the BurntSushi/toml module: %v", err)
	}
	dir = filepath.Join(dir, kind)
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".toml") {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, files
}

// burntSushi decodes data the way the old front end did.
func burntSushi(data []byte) (map[string]any, error) {
	var m map[string]any
	_, err := toml.Decode(string(data), &m)
	return m, err
}

// tomlNorm makes decoded values comparable with reflect.DeepEqual: a
// time.Time (a tomlTime made one) becomes its kind and text, a float its
// bits (NaN being one).
func tomlNorm(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = tomlNorm(e)
		}
		return m
	case []map[string]any:
		a := make([]map[string]any, len(x))
		for i, e := range x {
			a[i] = tomlNorm(e).(map[string]any)
		}
		return a
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = tomlNorm(e)
		}
		return a
	case tomlFloat:
		if strings.TrimLeft(string(x), "+-") == "nan" { // ParseFloat takes no sign on NaN
			return tomlNorm(math.NaN())
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(string(x), "_", ""), 64)
		if err != nil {
			return [1]string{"bad float " + string(x)}
		}
		return tomlNorm(f)
	case float64:
		if math.IsNaN(x) {
			return [1]uint64{0}
		}
		return [1]uint64{math.Float64bits(x)}
	case tomlTime:
		loc := time.UTC
		if x.zone != "UTC" {
			loc = time.FixedZone(x.zone, x.off)
		}
		return tomlNorm(time.Date(x.year, time.Month(x.month), x.day, x.hour, x.minute, x.sec, x.nsec, loc))
	case time.Time:
		switch name := x.Location().String(); name {
		case "datetime-local", "date-local", "time-local":
			return [2]string{name, x.Format("2006-01-02T15:04:05.999999999")}
		}
		return [2]string{"offset", x.Format(time.RFC3339Nano)}
	}
	return v
}

// TestDaysIn checks daysIn against time.Date over every month a TOML date
// can name.
func TestDaysIn(t *testing.T) {
	for year := 0; year <= 9999; year++ {
		for month := 1; month <= 12; month++ {
			want := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if got := daysIn(year, month); got != want {
				t.Fatalf("daysIn(%d, %d) = %d, want %d", year, month, got, want)
			}
		}
	}
}

func tomlEqual(a, b map[string]any) bool {
	return reflect.DeepEqual(tomlNorm(a), tomlNorm(b))
}

func TestTOMLConformanceValid(t *testing.T) {
	dir, files := tomlSuiteFiles(t, "valid")
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		want, err := burntSushi(data)
		if err != nil {
			t.Errorf("%s: BurntSushi: %v", f, err)
			continue
		}
		got, _, err := decodeTOML(data)
		if err != nil {
			t.Errorf("valid/%s: %v", f, err)
			continue
		}
		if !tomlEqual(got, want) {
			t.Errorf("valid/%s:\n got %#v\nwant %#v", f, got, want)
		}
	}
	t.Logf("%d valid cases checked", len(files))
}

func TestTOMLConformanceInvalid(t *testing.T) {
	dir, files := tomlSuiteFiles(t, "invalid")
	rejected := 0
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := decodeTOML(data)
		if tomlAccepted11[f] {
			want, bsErr := burntSushi(data)
			if err != nil || bsErr != nil || !tomlEqual(got, want) {
				t.Errorf("invalid/%s (valid TOML 1.1): got %v, %v; BurntSushi %v, %v", f, got, err, want, bsErr)
			}
			continue
		}
		if err == nil {
			t.Errorf("invalid/%s: accepted: %#v", f, got)
			continue
		}
		var te *tomlError
		if !errors.As(err, &te) || te.line < 1 || te.msg == "" {
			t.Errorf("invalid/%s: %v has no line", f, err)
		}
		rejected++
	}
	if len(files) < 400 {
		t.Errorf("only %d invalid cases", len(files))
	}
	t.Logf("%d invalid cases rejected, %d accepted as TOML 1.1", rejected, len(tomlAccepted11))
}

func TestTOMLDecodeErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		line int
		msg  string
	}{
		{"[supervisord]\nnodaemon = true\n\n[program.web]\ncommand = \"/bin/web\n", 5, `strings cannot contain newlines`},
		{"[program.web]\ncommand = 'a'\ncommand = 'b'\n", 3, `duplicate key program.web.command`},
		{"a = \"\\q\"", 1, `invalid escape \q`},
		{"a = \"\\uD800\"", 1, `invalid escape \uD800: not a Unicode scalar value`},
		{"[a]\n[b]\n[a]\n", 3, `table a is already defined on line 1`},
		{"a = 1\n[a.b]\n", 2, `key a is already defined as a value, not a table`},
		{"a = {x = 1}\n[a.b]\n", 2, `table a is an inline table (line 1) and cannot be extended`},
		{"a = []\n[[a]]\n", 2, `key a is already defined as a value, not an array of tables`},
		{"[a]\nb.c = 1\n[a.b]\n", 3, `table a.b is already defined by dotted keys on line 2`},
		{"a = \"\"\"\nx\n\ny\n\"\"\" b = 1", 5, `unexpected 'b' after a value: expected a new line`},
		{"[a.b]\n[[a]]", 2, `table a already exists (made by the header on line 1)`},
		{"[[a]]\n[a]", 2, `table a is already defined as an array of tables on line 1`},
		{"[x]\ny.z = 1\ny.z.w = 2", 3, `key x.y.z is already defined as a value, not a table`},
		{"a = {b = 1,\nc = {d = 1}}\na.c.e = 1", 3, `table a is an inline table (line 1) and cannot be extended`},
		{"a = 1979-02-29", 1, `invalid date-time "1979-02-29": day out of range`},
		{"a = 012", 1, `invalid number "012"`},
		{"a = 9223372036854775808", 1, `integer 9223372036854775808 is out of range`},
		{"a = 1e999", 1, `float 1e999 is out of range`},
		{"a = [1 2]", 1, `unexpected '2' in array: expected ',' or ']'`},
		{"# web\n[program:web]\ncommand = 'x'\n", 2, `unexpected ':' in table header: expected ']' (TOML writes [program.NAME]; an INI file must not end in .toml)`},
		{"[[a:b]]", 1, `unexpected ':' in table header: expected ']]' (TOML writes [a.NAME]; an INI file must not end in .toml)`},
		{"a = \"x\x00\"", 1, `control character U+0000 is not allowed here`},
		{"a = 'x'\r\nb\r = 1", 2, `unexpected '\r' after key b: expected '='`},
		{"\"a\nb\" = 1", 1, `strings cannot contain newlines`},
		{"a = 1\n\n= 2", 3, `unexpected '=': expected a key`},
		{"a = \"\xff\"", 1, `invalid UTF-8`},
		{"a =", 1, `unexpected end of file: expected a value`},
		{"a = " + strings.Repeat("[{b=", 501) + "1", 1, `arrays and inline tables nested over 1000 deep`},
	} {
		_, _, err := decodeTOML([]byte(c.in))
		var te *tomlError
		if !errors.As(err, &te) {
			t.Errorf("%q: got %v, want a *tomlError", c.in, err)
			continue
		}
		if te.line != c.line || te.msg != c.msg {
			t.Errorf("%q: got line %d %q, want line %d %q", c.in, te.line, te.msg, c.line, c.msg)
		}
	}
}

// tomlCorners are corner cases of TOML's grammar and rules, decoded by
// both decoders in TestTOMLCorners and seeds of FuzzTOMLDecode.
var tomlCorners = []string{
	"a=1979-05-27T07:32:00.1234567891234Z",
	"a=1979-05-27T07:32:00.Z",
	"a=1979-05-27T07:32Z",
	"a=1979-05-27T07:32:00-00:00",
	"a=1979-05-27t07:32:00z",
	"a=1979-05-27 07:32",
	"a=1979-05-27  07:32:00",
	"a=1979-05-27 ",
	"a=1979-05-27 # c",
	"a=0000-01-01",
	"a=2000-02-29",
	"a=1900-02-29",
	"a=1979-5-27",
	"a=1979-05-27T7:32:00",
	"a=07:32:00.5",
	"a=07:32:00Z",
	"a=07:32:",
	"a=07:32:0",
	"a=24:00:00",
	"a=23:59:60",
	"a=1979-05-27T07:32:00+0100",
	"a=1979-05-27T07:32:00+01",
	"a=1979-05-27T07:32:00+1:00",
	"a=1979-05-27T07:32:00.999999999999+01:00",
	"a=[1979-05-27,07:32:00]",
	"a={b=1979-05-27}",
	"a=+1", "a=-0", "a=+0", "a=0_0", "a=1_000", "a=1__0", "a=_1", "a=1_",
	"a=0x_1", "a=0x1_", "a=0xDEAD_beef", "a=0X1", "a=0o777", "a=0o8", "a=0b102", "a=-0x1", "a=0x",
	"a=9223372036854775807", "a=-9223372036854775808", "a=-9223372036854775809", "a=0x7fffffffffffffff", "a=0b1111111111111111111111111111111111111111111111111111111111111111",
	"a=1.0", "a=1.", "a=.5", "a=1.5e", "a=1e+", "a=1E5", "a=1e-5", "a=-1.5E+5", "a=1_0.0_1e1_0", "a=01.5", "a=0.5", "a=00.5", "a=0e0", "a=1e05", "a=-0.0", "a=+0.0",
	"a=inf", "a=+inf", "a=-inf", "a=nan", "a=+nan", "a=-nan", "a=infinity", "a=Inf", "a=NaN", "a=1e-400", "a=4.9e-324", "a=1.7976931348623157e308", "a=1.8e308",
	"a=1.5_", "a=1._5", "a=1.e5", "a=1e5.0", "a=0x1.5", "a=1e5e5",
	"a=true", "a=truee", "a=True", "a=false#x", "a=true,",
	"a=\"\\u0041\\U0001F600\"", "a=\"\\uDFFF\"", "a=\"\\U00110000\"", "a=\"\\u00\"", "a=\"\\x41\"", "a=\"\\xff\"", "a=\"\\x4\"", "a=\"\\e\"", "a=\"\\ \"", "a=\"\\\"",
	"a=\"\\u+041\"", "a=\"\\u-041\"", "a=\"\\u_041\"", "a=\"\\x+1\"",
	"a=\"\"\"\n\"\"\"", "a=\"\"\"\r\n\"\"\"", "a=\"\"\"\r\"\"\"", "a=\"\"\"a\\\n  b\"\"\"", "a=\"\"\"a\\   \n\n  b\"\"\"", "a=\"\"\"a\\  x\"\"\"",
	"a=\"\"\"\"\"\"\"", "a=\"\"\"\"\"\"\"\"", "a=\"\"\"\"\"\"\"\"\"", "a='''''''", "a=''''''''", "a='''a'''''",
	"a=\"\"\"a\"\"b\"\"\"", "a=\"\"\"\\\"\"\"\"", "a=\"\"\"\ta\x7f\"\"\"", "a='''\n\n'''", "a='''\\n'''", "a='\t'",
	"a=\"\"\"a\\\r\n b\"\"\"", "a=\"\"\"a\\\"\"\"", "a=\"\"\"\\\n\"\"\"", "a=\"\"\"\\ \"\"\"",
	"a=[]", "a=[,]", "a=[1,]", "a=[1,,]", "a=[\n1\n,\n2\n,\n]", "a=[ # c\n1 # c\n, # c\n]", "a=[1 2]", "a=[[1],[2,[3]]]", "a=[{},{b=1}]", "a=[1,'a',1.5,[],{}]",
	"a={}", "a={ }", "a={b=1}", "a={b=1,}", "a={,b=1}", "a={b=1 c=2}", "a={b.c=1,b.d=2}", "a={b={c=1},b.d=2}", "a={b=1,b=2}", "a={\n# x\nb=1\n}", "a={b=[\n1]}",
	"a={b.c=1}\na.d=1", "a={}\n[a]", "a=[]\n[[a]]", "a=[{}]\n[[a]]", "[[a]]\n[a]", "[a]\n[[a]]", "[[a]]\n[[a.b]]\n[a.b.c]\n[[a]]\n[a.b]",
	"[a]\n[a.b]\n[a]", "[a.b]\n[a]", "[a.b]\n[a]\n[a.b]", "[a]\nb.c=1\n[a.b.d]", "[a]\nb.c=1\n[a.b]", "a.b=1\n[a]", "a.b=1\n[a.c]", "a.b.c=1\na.b.d=2", "a.b=1\na.b.c=2",
	"[a.b.c]\n[a]\nb.d=1", "[a.b.c]\n[a.b]\nd=1", "[[a.b]]\n[a]\nb.c=1", "[a]\n[a.b.c]\n[a.b]", "[a]\nb=1\n[a.b.c]",
	"[ a . b ]", "[ a ]\n[a . b]", "[[ a ]]", "[ [a]]", "[[a] ]", "[a]]", "[]", "[[]]", "[a", "[a.]", "[.a]", "[a..b]", "['a'.\"b\"]", "[\"\"]", "['']", "[a] b=1", "[a] #c",
	"a . b = 1", "a.\"b.c\" = 1", "'a'.'b' = 1", "\"\" = 1", "'' = 1", "a = 1\n\"a\" = 2", "a = 1\n'a' = 2", "1 = 1", "1.2 = 3", "-_ = 1", "a=1 #c", "a=1#c", "a=1 b",
	"= 1", "a = ", "a", "a =\n1", "a\n= 1", "a=1\r\n", "a=1\r", "#\r\na=1", "#c\r", "a=1\x00", "# \x7f", "# \t", "a=\"\x7f\"", "a='\x1f'",
	"\ufeffa=1", "\ufeff", " \ufeffa=1", "a=1\n\ufeff",
	"a=\"\xc3\xa9\"", "a='\xe2\x82'", "# \xff", "\"\xc3\xa9\"=1",
	"a=1\n[b]\nc=2\n[b.d]\n[[b.e]]\nf=3\n[[b.e]]\n[b.e.g]\nh=4",
	"[[a]]\nb.c=1\n[a.b.d]",
	"[[a]]\n[a.b]\n[[a]]\n[a.b]",
	"a.b.c=1\n[a.b.d]",
	"[x.y]\n[x]\ny.z=1",
	"[x]\n[x.y.z]\n[x.y]\nw=1",
	"a={b=1}\na.c=2",
	"a=[]\na.b=1",
	"[[a]]\na.b=1",
	"[a]\n\"b\".c=1\n[a.'b']",
	"a.b=1\n\"a\".c=2",
	"a=1\nb=[{c=1},{c=2,d={e=1}}]",
	"a=\"\"\"\na\r\n\"\"\"",
	"[a]\nx=1\n[a.b]\n[a]",
	"a=+_1", "a=-_1", "a=1_e5", "a=1e_5", "a=1.0_e5", "a=0.0", "a=-0e0", "a=1e0_0",
	"a=0o", "a=0b", "a=0o_7", "a=0o7_", "a=0b1__0", "a=+0o7", "a=00", "a=-00", "a=0_1",
	"a=1979-05-27T", "a=1979-05-27T07", "a=1979-05-27T07:32:00.", "a=1979-05-27T07:32:00+", "a=1979-05-27T07:32:00+01:", "a=1979-05-27x07:32:00",
	"a=1979-00-27", "a=1979-13-27", "a=1979-05-00", "a=1979-05-32", "a=1979-04-31", "a=-1979-05-27", "a=19790-05-27", "a=1979-05-27T07:32:00ZZ",
	"a=12:60:00", "a=12:00:60", "a=12:00:00.", "a=12:00:00.1.1", "a=12:00:00-01:00", "a=12:0", "a=1:00:00",
	"a=1979-05-27T25:00:00", "a=1979-05-27T07:32:00+23:59", "a=1979-05-27T07:32:00-23:59",
}

func TestTOMLCorners(t *testing.T) {
	stricter := 0
	for _, in := range tomlCorners {
		if msg := tomlCompare([]byte(in)); msg != "" {
			t.Error(msg)
		}
		if _, _, err := decodeTOML([]byte(in)); err != nil && tomlStricter(err, []byte(in)) {
			if _, bsErr := burntSushi([]byte(in)); bsErr == nil {
				stricter++
			}
		}
	}
	t.Logf("%d corner cases checked, %d rejected where BurntSushi accepts", len(tomlCorners), stricter)
}

// tomlCompare decodes data with both decoders and says how they differ
// beyond tomlStricter, or "".
func tomlCompare(data []byte) string {
	got, _, err := decodeTOML(data)
	want, bsErr := burntSushi(data)
	if err != nil {
		var te *tomlError
		if !errors.As(err, &te) || te.line < 1 || te.line > strings.Count(string(data), "\n")+1 {
			return fmt.Sprintf("%q: error %v names no line in the input", data, err)
		}
	}
	switch {
	case err != nil && bsErr != nil:
	case err != nil:
		if !tomlStricter(err, data) {
			return fmt.Sprintf("%q: we reject (%v), BurntSushi accepts %#v", data, err, want)
		}
	case bsErr != nil:
		return fmt.Sprintf("%q: we accept %#v, BurntSushi rejects: %v", data, got, bsErr)
	case !tomlEqual(got, want):
		return fmt.Sprintf("%q:\n got %#v\nwant %#v", data, got, want)
	}
	return ""
}

// FuzzTOMLDecode compares decodeTOML with BurntSushi/toml on arbitrary
// input: the same verdict and the same value, but for tomlStricter's
// errors. The seeds are testdata/*.toml, toml-test's suite and
// tomlCorners.
//
//	go test -run '^$' -fuzz FuzzTOMLDecode -fuzztime 300s ./config
func FuzzTOMLDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.toml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	if _, err := tomlSuite(); err == nil {
		for _, kind := range []string{"valid", "invalid"} {
			d, files := tomlSuiteFiles(f, kind)
			for _, s := range files {
				if data, err := os.ReadFile(filepath.Join(d, s)); err == nil {
					f.Add(data)
				}
			}
		}
	}
	for _, c := range tomlCorners {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if msg := tomlCompare(data); msg != "" {
			t.Fatal(msg)
		}
	})
}

func BenchmarkTOMLDecode(b *testing.B) {
	data, err := os.ReadFile("testdata/all_program_keys_toml.toml")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("gosinit", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, _, err := decodeTOML(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("BurntSushi", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := burntSushi(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestTOMLFloatRange holds floatOverflows (parseTOMLFloat's range check,
// made without strconv.ParseFloat) to ParseFloat's ErrRange: at the exact
// boundary, around it, and on random floats of every magnitude.
func TestTOMLFloatRange(t *testing.T) {
	mid := maxFloatMidpoint
	below := mid[:len(mid)-1] + string(mid[len(mid)-1]-1)
	cases := []string{
		"1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1.8e308",
		"1e308", "1e309", "10e307", "0.1e310", "0.01e310", "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9",
		mid[:1] + "." + mid[1:] + "e308", below[:1] + "." + below[1:] + "e308", mid[:1] + "." + mid[1:] + "000e+308", mid[:1] + "." + mid[1:] + "0001e308",
		mid + ".0", below + ".999", "0.0e99999999999999999", "0e400", "1e-400", "4.9e-324", "1_000.5e305", "-1.8e308", "1e+0308",
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		cases = append(cases, fmt.Sprintf("%d.%de%d", r.IntN(100000), r.IntN(1000), r.IntN(700)-350))
	}
	for _, c := range cases {
		_, err := strconv.ParseFloat(strings.ReplaceAll(c, "_", ""), 64)
		want := err != nil
		v, ok := parseTOMLFloat(c)
		if got := !ok && v != ""; got != want || (!got && !ok) {
			t.Errorf("parseTOMLFloat(%q): out of range %v (ok %v), ParseFloat: %v", c, got, ok, err)
		}
	}
}
