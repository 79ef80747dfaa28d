package jsonlite_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gosinit/gosinit/internal/jsonlite"
)

// nest is v inside n arrays (or objects, with obj: {"a":...}).
func nest(n int, v string, obj bool) string {
	open, close := "[", "]"
	if obj {
		open, close = `{"a":`, "}"
	}
	return strings.Repeat(open, n) + v + strings.Repeat(close, n)
}

// manyKeys is an object with n keys k0...k(n-1), each twice when dup.
func manyKeys(n int, dup bool) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		k := strconv.Quote("k" + strconv.Itoa(i))
		b.WriteString(k + ":" + strconv.Itoa(i))
		if dup {
			b.WriteString("," + k + `:"again` + strconv.Itoa(i) + `"`)
		}
	}
	b.WriteString("}")
	return b.String()
}

// parseInputs are documents for the differential Parse tests; the fuzz
// test starts from them too. Some are valid, some not.
var parseInputs = []string{
	// values and white space
	`{}`, `[]`, `null`, `true`, `false`, `"x"`, `0`, " \t\r\n{\"pid\" : 1 }\n ", "[ 1 , 2 ]\r\n",
	`{"a":{"b":[1,{"c":"deep"},[],{}]},"d":[null,true,false,"s",-1.5]}`,
	`{"pid":1,"Pid":2,"PID":3}`, `{"a":1,"a":2}`, `{"a":[1],"b":0,"a":{"x":null}}`, `{"":1,"":""}`,
	manyKeys(15, false), manyKeys(16, true), manyKeys(40, true),
	// numbers
	`-0`, `-0.0`, `0.0`, `1e5`, `1E+5`, `1e-5`, `-12.5E-3`, `1.5e300`, `1e400`, `-1e400`, `1e-400`, `5e-324`,
	`9223372036854775807`, `9223372036854775808`, `-9223372036854775808`, `-9223372036854775809`,
	`18446744073709551615`, `18446744073709551616`, `123456789012345678901234567890123456789`,
	`01`, `-01`, `00`, `-`, `--1`, `+1`, `.5`, `1.`, `1.e3`, `1e`, `1e+`, `1e-`, `1ee2`, `0x10`, `1_000`, `1.5.5`,
	`NaN`, `Infinity`, `-Infinity`, `1 2`, `[01]`, `{"a":-}`, `{"a":-a}`, `{"a":1.a}`, `[1e]`, `[-0]`,
	// strings
	`"a\u0041\n\t\"\\\/\b\f\r"`, `"\u0000"`, `"\u00e9\u00E9"`, `"\ud83d\ude00 \uD83D\uDE00"`,
	`"\ud800x \udc00 \ud800\ud800 \ud800\u0041 \udbff\udfff \udc00\ud800"`, `"\ud800\n"`, `"\ud800\\u"`, `"\ud800"`,
	`"\ud800\ue000"`, `"\ud7ff\udc00"`, `"\ud800\udbff"`, `"\udbff\ue000"`, `"\ud800\udfff"`, `"\udc00\udc00"`,
	"\"\xff\xfe \xed\xa0\x80 \xc0\xaf \xe2\x80 \xf4\x90\x80\x80 é\"", "{\"k\xffey\":\"v\"}", `{"k\u0065y":1,"key":2}`,
	"\"\x7f\"", "\"\u2028\u2029\"", "\"<&>\"", "\"\x01\"", "\"\t\"", "\"a\nb\"", `"\q"`, `"\'"`, `"\u12G4"`, `"\u12"`,
	`"\U0041"`, `"\`, `"x`, `"\u`, `"\u00`, `'x'`, `"abc"x`,
	// literals
	`tru`, `truex`, `trUe`, `nul`, `nulL`, `fals`, `falsy`, `True`, `NULL`, `[true false]`,
	// structure
	``, ` `, `{`, `[`, `}`, `]`, `{"pid"`, `{"pid":`, `{"pid":1`, `{"pid":1,`, `{"pid":1,}`, `{,}`, `[,]`, `[,1]`,
	`{"a" 1}`, `{'a':1}`, `{a:1}`, `{"a"::1}`, `{1:2}`, `{"a":1 "b":2}`, `{"a":1}}`, `{"a":1]`, `[1}`, `[1,]`, `[1 2]`,
	`[1`, `{} {}`, `{}x`, `[]]`, `{"a":[}`,
	"\xef\xbb\xbf{}", "{}\x00", "\v{}", "\f{}", "{}\f", "\u00a0{}", "{}\u2028", "\x00", "\xff",
	// nesting: 10000 levels are allowed, 10001 are not
	nest(9999, "", false), nest(10000, "", false), nest(10001, "", false), nest(10000, "1", true), nest(10001, "1", true),
	`{"x":` + nest(9999, "", false) + `}`, `{"x":` + nest(10000, "", false) + `}`,
	nest(5000, nest(5000, "null", true), false), nest(5000, nest(5001, "null", true), false),
	nest(20000, "", false)[:20000], nest(10001, "", false)[:15000],
}

// toAny is v as encoding/json decodes into an any with UseNumber.
func toAny(t testing.TB, v jsonlite.Value) any {
	t.Helper()
	switch v.Kind() {
	case jsonlite.Null:
		return nil
	case jsonlite.Bool:
		b, _ := v.Bool()
		return b
	case jsonlite.Number:
		s, _ := v.Literal()
		return json.Number(s)
	case jsonlite.String:
		s, _ := v.Str()
		return s
	case jsonlite.Array:
		a, _ := v.Array()
		out := []any{}
		for _, e := range a {
			out = append(out, toAny(t, e))
		}
		return out
	case jsonlite.Object:
		ms, _ := v.Members()
		out := map[string]any{}
		for _, m := range ms {
			if _, dup := out[m.Key]; dup {
				t.Fatalf("key %q twice in Members", m.Key)
			}
			out[m.Key] = toAny(t, m.Value)
		}
		return out
	}
	t.Fatalf("Parse gave a %v value", v.Kind())
	return nil
}

// checkParse compares Parse(data) with encoding/json: the same documents
// accepted, the same values read, the same syntax errors at the same byte.
func checkParse(t *testing.T, data []byte) {
	t.Helper()
	v, err := jsonlite.Parse(data)
	valid := json.Valid(data)
	if (err == nil) != valid {
		t.Fatalf("Parse(%.200q) error %v, json.Valid %v", data, err, valid)
	}
	var stdErr *json.SyntaxError
	if err := json.Unmarshal(data, new(any)); err != nil && !errors.As(err, &stdErr) {
		// Unmarshal into an any has only number range errors left.
		if !valid || !strings.Contains(err.Error(), "cannot unmarshal number") {
			t.Fatalf("json.Unmarshal(%.200q): %v", data, err)
		}
	}
	if err != nil {
		var e *jsonlite.Error
		if !errors.As(err, &e) {
			t.Fatalf("Parse(%.200q) error %T %v, want a *jsonlite.Error", data, err, err)
		}
		// encoding/json counts the bytes read, the one at fault among them.
		// At the end of the input it counts none, and may report the
		// space it pretends comes after the last byte.
		wantMsg := stdErr.Error()
		wantOff := int(stdErr.Offset) - 1
		if wantMsg == "unexpected end of JSON input" ||
			e.Offset == len(data) && int(stdErr.Offset) == len(data) && strings.HasPrefix(wantMsg, "invalid character ' '") {
			wantOff = len(data)
		}
		if e.Msg != wantMsg || e.Offset != wantOff {
			t.Fatalf("Parse(%.200q) error at byte %d %q, encoding/json's at %d %q", data, e.Offset, e.Msg, wantOff, wantMsg)
		}
		if v.Kind() != jsonlite.Missing {
			t.Fatalf("Parse(%.200q) returned a %v with error %v", data, v.Kind(), err)
		}
		return
	}
	var want any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&want); err != nil {
		t.Fatalf("encoding/json Decode(%.200q): %v", data, err)
	}
	if got := toAny(t, v); !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse(%.200q):\ngot  %#.300v\nwant %#.300v", data, got, want)
	}
}

func TestParse(t *testing.T) {
	for _, in := range parseInputs {
		name := in
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			checkParse(t, []byte(in))
		})
	}
}

// TestParseEveryByte puts each byte where a value starts, inside a
// string, after a backslash, in a \u escape, inside a literal and a
// number, and after a value.
func TestParseEveryByte(t *testing.T) {
	for b := range 256 {
		c := string([]byte{byte(b)})
		for _, doc := range []string{
			c, "[" + c + "]", `"` + c + `"`, `"\` + c + `"`, `"\u00` + c + `0"`, `"\ud800\u` + c + `c00"`,
			"t" + c + "ue", "1" + c, "-" + c, "1." + c, "1e" + c, "[1" + c + "2]", `{"a"` + c + `1}`, "{" + c + "}",
		} {
			checkParse(t, []byte(doc))
		}
	}
}

// FuzzParse holds Parse to encoding/json on random documents, and Indent
// to json.Indent on the valid ones.
func FuzzParse(f *testing.F) {
	for _, in := range parseInputs {
		if len(in) < 1000 {
			f.Add([]byte(in))
		}
	}
	for _, in := range compactDocs {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data)
		if !json.Valid(data) {
			return
		}
		var compact, want bytes.Buffer
		json.Compact(&compact, data)
		json.Indent(&want, compact.Bytes(), ">", " ")
		if got := jsonlite.Indent(nil, compact.Bytes(), ">", " "); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("Indent(%s):\ngot  %s\nwant %s", compact.Bytes(), got, want.Bytes())
		}
	})
}

func TestParseErrorText(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, "byte 0: unexpected end of JSON input"},
		{`{"pid": 1, "proc`, "byte 16: unexpected end of JSON input"},
		{`{"pid": x}`, "byte 8: invalid character 'x' looking for beginning of value"},
		{`{"pid": 1 "a"}`, `byte 10: invalid character '"' after object key:value pair`},
		{`{"a":"` + "\x01", `byte 6: invalid character '\x01' in string literal`},
		{`{"a":tRue}`, `byte 6: invalid character 'R' in literal true (expecting 'r')`},
		{`{} x`, `byte 3: invalid character 'x' after top-level value`},
		{`[01]`, `byte 2: invalid character '1' after array element`},
		{nest(10001, "", false), `byte 10000: invalid character '[' exceeded max depth`},
		{`tru`, `byte 3: invalid character ' ' in literal true (expecting 'e')`},
		{`[1e`, `byte 3: invalid character ' ' in exponent of numeric literal`},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			_, err := jsonlite.Parse([]byte(tc.in))
			if err == nil {
				t.Fatalf("Parse(%.200q) succeeded", tc.in)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("Parse(%.200q):\ngot  %s\nwant %s", tc.in, got, tc.want)
			}
		})
	}
}

// accessDoc is the document TestAccessors reads.
const accessDoc = `{"pid":12,"name":"web","ok":true,"neg":-3,"big":18446744073709551615,"frac":1.5,"exp":1e2,
"negzero":-0,"nul":null,"list":["a","b"],"empty":[],"mixed":["a",1],"withnull":["a",null],
"obj":{"a":{"b":[1,{"c":"deep"}]}},"dup":1,"dup":"two","esc":"\u003c\ud800"}`

func TestAccessors(t *testing.T) {
	doc, err := jsonlite.Parse([]byte(accessDoc))
	if err != nil {
		t.Fatal(err)
	}
	at := func(v jsonlite.Value, i int) jsonlite.Value {
		a, _ := v.Array()
		return a[i]
	}
	// off is the offset of key's value, plus n.
	off := func(key string, n int) int {
		return strings.Index(accessDoc, strconv.Quote(key)+":") + len(key) + 3 + n
	}
	tests := []struct {
		name    string
		get     func() (any, error)
		want    any
		wantOff int
		wantErr string // without "byte N: "
	}{
		{"int", func() (any, error) { return doc.Get("pid").Int() }, int64(12), 0, ""},
		{"negative int", func() (any, error) { return doc.Get("neg").Int() }, int64(-3), 0, ""},
		{"minus zero", func() (any, error) { return doc.Get("negzero").Int() }, int64(0), 0, ""},
		{"uint", func() (any, error) { return doc.Get("big").Uint() }, uint64(18446744073709551615), 0, ""},
		{"int overflow", func() (any, error) { return doc.Get("big").Int() }, int64(0), off("big", 0), "cannot read number 18446744073709551615 as int64"},
		{"negative uint", func() (any, error) { return doc.Get("neg").Uint() }, uint64(0), off("neg", 0), "cannot read number -3 as uint64"},
		{"fraction", func() (any, error) { return doc.Get("frac").Int() }, int64(0), off("frac", 0), "cannot read number 1.5 as int64"},
		{"exponent", func() (any, error) { return doc.Get("exp").Int() }, int64(0), off("exp", 0), "cannot read number 1e2 as int64"},
		{"literal", func() (any, error) { return doc.Get("exp").Literal() }, "1e2", 0, ""},
		{"string", func() (any, error) { return doc.Get("name").Str() }, "web", 0, ""},
		{"escaped string", func() (any, error) { return doc.Get("esc").Str() }, "<\ufffd", 0, ""},
		{"bool", func() (any, error) { return doc.Get("ok").Bool() }, true, 0, ""},
		{"string as int", func() (any, error) { return doc.Get("name").Int() }, int64(0), off("name", 0), "cannot read string as int64"},
		{"int as string", func() (any, error) { return doc.Get("pid").Str() }, "", off("pid", 0), "cannot read number 12 as string"},
		{"array as bool", func() (any, error) { return doc.Get("list").Bool() }, false, off("list", 0), "cannot read array as bool"},
		{"bool as number", func() (any, error) { return doc.Get("ok").Literal() }, "", off("ok", 0), "cannot read bool as number"},
		{"strings", func() (any, error) { return doc.Get("list").Strings() }, []string{"a", "b"}, 0, ""},
		{"empty strings", func() (any, error) { return doc.Get("empty").Strings() }, []string{}, 0, ""},
		{"null strings", func() (any, error) { return doc.Get("nul").Strings() }, []string(nil), 0, ""},
		{"strings with a number", func() (any, error) { return doc.Get("mixed").Strings() }, []string(nil), off("mixed", 5), "cannot read number 1 as string"},
		{"strings with null", func() (any, error) { return doc.Get("withnull").Strings() }, []string{"a", ""}, 0, ""},
		{"object as strings", func() (any, error) { return doc.Get("obj").Strings() }, []string(nil), off("obj", 0), "cannot read object as array"},
		{"null as int", func() (any, error) { return doc.Get("nul").Int() }, int64(0), 0, ""},
		{"null as string", func() (any, error) { return doc.Get("nul").Str() }, "", 0, ""},
		{"missing as bool", func() (any, error) { return doc.Get("nope").Bool() }, false, 0, ""},
		{"missing as members", func() (any, error) { return doc.Get("nope").Members() }, []jsonlite.Member(nil), 0, ""},
		{"key of a missing value", func() (any, error) { return doc.Get("nope").Get("x").Get("y").Uint() }, uint64(0), 0, ""},
		{"key of null", func() (any, error) { return doc.Get("nul").Get("x").Str() }, "", 0, ""},
		{"last of a repeated key", func() (any, error) { return doc.Get("dup").Str() }, "two", 0, ""},
		{"nested", func() (any, error) { return at(doc.Get("obj").Get("a").Get("b"), 1).Get("c").Str() }, "deep", 0, ""},
		{"key of an array", func() (any, error) { return doc.Get("obj").Get("a").Get("b").Get("c").Str() }, "", off("b", 0), "cannot read array as object"},
		{"key of a key of a number", func() (any, error) { return doc.Get("pid").Get("x").Get("y").Int() }, int64(0), off("pid", 0), "cannot read number 12 as object"},
		{"members of a key of a string", func() (any, error) { return doc.Get("name").Get("x").Members() }, []jsonlite.Member(nil), off("name", 0), "cannot read string as object"},
		{"array", func() (any, error) {
			a, err := doc.Get("mixed").Array()
			if len(a) != 2 || a[0].Kind() != jsonlite.String || a[1].Kind() != jsonlite.Number {
				t.Errorf("Array() = %v", a)
			}
			return len(a), err
		}, 2, 0, ""},
		{"members", func() (any, error) {
			ms, err := doc.Get("obj").Get("a").Members()
			if len(ms) != 1 || ms[0].Key != "b" || ms[0].Value.Kind() != jsonlite.Array {
				t.Errorf("Members() = %v", ms)
			}
			return len(ms), err
		}, 1, 0, ""},
		{"members of the root", func() (any, error) {
			ms, err := doc.Members()
			var keys []string
			for _, m := range ms {
				keys = append(keys, m.Key)
			}
			return strings.Join(keys, " "), err
		}, "pid name ok neg big frac exp negzero nul list empty mixed withnull obj dup esc", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.get()
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Errorf("error %v", err)
				}
				return
			}
			var e *jsonlite.Error
			if !errors.As(err, &e) || e.Offset != tc.wantOff || e.Msg != tc.wantErr {
				t.Errorf("error %T %v, want byte %d: %s", err, err, tc.wantOff, tc.wantErr)
			}
		})
	}
}

func TestKinds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want jsonlite.Kind
		off  int
	}{
		{` null`, jsonlite.Null, 1}, {`true`, jsonlite.Bool, 0}, {"\n-1", jsonlite.Number, 1}, {`""`, jsonlite.String, 0},
		{` []`, jsonlite.Array, 1}, {`{}`, jsonlite.Object, 0},
	} {
		v, err := jsonlite.Parse([]byte(tc.in))
		if err != nil || v.Kind() != tc.want || v.Offset() != tc.off {
			t.Errorf("Parse(%q) = %v at %d, %v; want %v at %d", tc.in, v.Kind(), v.Offset(), err, tc.want, tc.off)
		}
	}
	var zero jsonlite.Value
	if zero.Kind() != jsonlite.Missing || zero.Get("x").Kind() != jsonlite.Missing {
		t.Errorf("zero Value is %v", zero.Kind())
	}
	if got := jsonlite.Object.String() + " " + jsonlite.Missing.String() + " " + jsonlite.Kind(42).String(); got != "object missing kind 42" {
		t.Errorf("Kind names: %s", got)
	}
}
