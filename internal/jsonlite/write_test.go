package jsonlite_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/gosinit/gosinit/internal/jsonlite"
)

// marshal is encoding/json's output for v: Marshal with escapeHTML, else
// an Encoder with SetEscapeHTML(false), less its newline.
func marshal(t testing.TB, v any, escapeHTML bool) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// writeAny writes v, a tree of the types the Writer has methods for, in
// the order encoding/json writes it (map keys sorted).
func writeAny(w *jsonlite.Writer, v any) {
	switch v := v.(type) {
	case nil:
		w.Null()
	case bool:
		w.Bool(v)
	case int:
		w.Int(int64(v))
	case int64:
		w.Int(v)
	case uint64:
		w.Uint(v)
	case string:
		w.String(v)
	case []string:
		w.Strings(v)
	case map[string]string:
		w.StringMap(v)
	case []any:
		w.BeginArray()
		for _, e := range v {
			writeAny(w, e)
		}
		w.EndArray()
	case map[string]any:
		w.BeginObject()
		for _, k := range slices.Sorted(maps.Keys(v)) {
			w.Key(k)
			writeAny(w, v[k])
		}
		w.EndObject()
	default:
		panic("writeAny: unexpected type")
	}
}

// trickyStrings need escaping one way or another.
var trickyStrings = []string{
	"",
	"plain",
	`quote " backslash \ slash /`,
	"\x00\x01\x07\b\t\n\v\f\r\x1b\x1f\x7f",
	"<script>&amp;</script>",
	"line\u2028para\u2029end",
	"bad \xff byte", "\xe2\x80", "\xe2\x80\xa8\xe2\x80", "\xed\xa0\x80 surrogate", "\xed\xbf\xbf", "\xc0\xaf overlong",
	"\xf4\x90\x80\x80 above U+10FFFF", "\xf8\x88\x80\x80\x80", "trailing \xc3",
	"é ü 中文 😀 \U0010ffff",
	"\ufffd", "\ufeffBOM",
}

func TestAppendString(t *testing.T) {
	var inputs []string
	inputs = append(inputs, trickyStrings...)
	// Every byte, alone and between others.
	for b := range 256 {
		inputs = append(inputs, string([]byte{byte(b)}), "a"+string([]byte{byte(b)})+"z")
	}
	// Every pair of bytes whose first is not ASCII (the rest are above),
	// in strings of 256 pairs.
	for b0 := 0x80; b0 < 256; b0++ {
		var s []byte
		for b1 := range 256 {
			s = append(s, byte(b0), byte(b1), ' ')
		}
		inputs = append(inputs, string(s))
	}
	// Every code point, surrogates as their (invalid) three bytes, in
	// strings of 4096.
	for lo := rune(0); lo <= utf8.MaxRune; lo += 4096 {
		var s []byte
		for r := lo; r < lo+4096 && r <= utf8.MaxRune; r++ {
			if 0xD800 <= r && r < 0xE000 {
				s = append(s, 0xED, byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
			} else {
				s = utf8.AppendRune(s, r)
			}
		}
		inputs = append(inputs, string(s))
	}
	for _, escapeHTML := range []bool{true, false} {
		for _, s := range inputs {
			want := marshal(t, s, escapeHTML)
			if got := jsonlite.AppendString(nil, s, escapeHTML); !bytes.Equal(got, want) {
				t.Errorf("AppendString(%.100q, %v):\ngot  %.200s\nwant %.200s", s, escapeHTML, got, want)
			}
		}
	}
	if got := jsonlite.AppendString([]byte("x:"), "<", false); string(got) != `x:"<"` {
		t.Errorf("AppendString does not append: %s", got)
	}
}

// FuzzAppendString compares string escaping with encoding/json's, HTML
// escaping on and off.
func FuzzAppendString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, escapeHTML := range []bool{true, false} {
			want := marshal(t, s, escapeHTML)
			if got := jsonlite.AppendString(nil, s, escapeHTML); !bytes.Equal(got, want) {
				t.Fatalf("AppendString(%q, %v) = %s, want %s", s, escapeHTML, got, want)
			}
		}
	})
}

// A struct as a caller writes it by hand: the Writer's output must be
// json.Marshal's for the struct.
type program struct {
	Name     string            `json:"name"`
	Command  []string          `json:"command"`
	Priority int               `json:"priority"`
	Umask    uint64            `json:"umask"`
	Env      map[string]string `json:"environment"`
	Codes    []int             `json:"exitcodes"`
	Prefix   string            `json:"stdout_prefix,omitempty"`
	Children []program         `json:"children,omitempty"`
	Parent   *program          `json:"parent"`
	Enabled  bool              `json:"enabled"`
}

func writeProgram(w *jsonlite.Writer, p *program) {
	if p == nil {
		w.Null()
		return
	}
	w.BeginObject()
	w.Key("name")
	w.String(p.Name)
	w.Key("command")
	w.Strings(p.Command)
	w.Key("priority")
	w.Int(int64(p.Priority))
	w.Key("umask")
	w.Uint(p.Umask)
	w.Key("environment")
	w.StringMap(p.Env)
	w.Key("exitcodes")
	if p.Codes == nil {
		w.Null()
	} else {
		w.BeginArray()
		for _, c := range p.Codes {
			w.Int(int64(c))
		}
		w.EndArray()
	}
	if p.Prefix != "" {
		w.Key("stdout_prefix")
		w.String(p.Prefix)
	}
	if len(p.Children) > 0 {
		w.Key("children")
		w.BeginArray()
		for i := range p.Children {
			writeProgram(w, &p.Children[i])
		}
		w.EndArray()
	}
	w.Key("parent")
	writeProgram(w, p.Parent)
	w.Key("enabled")
	w.Bool(p.Enabled)
	w.EndObject()
}

// writerCases are values with a Writer call sequence for each: the
// sequence for a value of a Go type, the generic walk for the rest.
func writerCases() []struct {
	name  string
	v     any
	write func(*jsonlite.Writer)
} {
	full := &program{
		Name: "web<1>", Command: []string{"nginx", "-g", "daemon off;", "a&b"}, Priority: -999, Umask: 0o22,
		Env:   map[string]string{"Z": "1", "A": "2", "<": "3", "é": "4", "a": "5", "": "6", "\xff": "7", "A\x00": "8"},
		Codes: []int{0, 2, math.MaxInt64, math.MinInt64}, Prefix: "[%(program_name)s] ",
		Children: []program{{Name: "empty", Command: []string{}, Env: map[string]string{}, Codes: []int{}}, {Name: "nils"}},
		Parent:   &program{Name: "\u2028parent\t", Enabled: true},
		Enabled:  true,
	}
	cases := []struct {
		name  string
		v     any
		write func(*jsonlite.Writer)
	}{
		{"zero struct", program{}, func(w *jsonlite.Writer) { writeProgram(w, &program{}) }},
		{"full struct", full, func(w *jsonlite.Writer) { writeProgram(w, full) }},
		{"slice of structs", []*program{full, nil, {}}, func(w *jsonlite.Writer) {
			w.BeginArray()
			for _, p := range []*program{full, nil, {}} {
				writeProgram(w, p)
			}
			w.EndArray()
		}},
		{"ints", []any{int64(math.MinInt64), int64(math.MaxInt64), 0, -1, 1, uint64(math.MaxUint64), uint64(0)}, nil},
		{"scalars at the top", nil, nil},
		{"true", true, nil},
		{"false", false, nil},
		{"number", -12, nil},
		{"string", "a<b>&c\u2028", nil},
		{"strings", trickyStrings, nil},
		{"nil strings", []string(nil), nil},
		{"empty strings", []string{}, nil},
		{"nil string map", map[string]string(nil), nil},
		{"empty string map", map[string]string{}, nil},
		{"map of tricky keys", func() map[string]any {
			m := map[string]any{}
			for i, s := range trickyStrings {
				m[s] = i
			}
			return m
		}(), nil},
		{"string map of tricky keys", func() map[string]string {
			m := map[string]string{}
			for _, s := range trickyStrings {
				m[s] = s
			}
			return m
		}(), nil},
		{"nested empties", map[string]any{"a": []any{}, "b": map[string]any{}, "c": []any{[]any{}, map[string]any{}, nil}, "d": []any{[]any{[]any{}}}}, nil},
		{"empty object", map[string]any{}, nil},
		{"empty array", []any{}, nil},
		{"deep", func() any {
			var v any = 1
			for i := range 300 {
				v = []any{i, map[string]any{"<k>": v, "s": []string{}}}
			}
			return v
		}(), nil},
	}
	return cases
}

// indents are prefix and indent pairs for MarshalIndent.
var indents = [][2]string{{"", "  "}, {"", "\t"}, {"> ", "\t"}, {"", ""}, {"//", "  "}}

func TestWriter(t *testing.T) {
	for _, tc := range writerCases() {
		t.Run(tc.name, func(t *testing.T) {
			checkWriter(t, tc.v, tc.write)
		})
	}
}

// checkWriter compares write's output (writeAny's of v if write is nil)
// with encoding/json's Marshal and MarshalIndent of v, with and without
// HTML escaping.
func checkWriter(t *testing.T, v any, write func(*jsonlite.Writer)) {
	t.Helper()
	if write == nil {
		write = func(w *jsonlite.Writer) { writeAny(w, v) }
	}
	for _, escapeHTML := range []bool{true, false} {
		w := jsonlite.Writer{EscapeHTML: escapeHTML}
		write(&w)
		if want := marshal(t, v, escapeHTML); !bytes.Equal(w.B, want) {
			t.Fatalf("escapeHTML %v:\ngot  %.500s\nwant %.500s", escapeHTML, w.B, want)
		}
		if !escapeHTML {
			continue
		}
		for _, in := range indents {
			want, err := json.MarshalIndent(v, in[0], in[1])
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonlite.Indent(nil, w.B, in[0], in[1]); !bytes.Equal(got, want) {
				t.Fatalf("Indent(%q, %q):\ngot  %.500s\nwant %.500s", in[0], in[1], got, want)
			}
		}
	}
}

// randomValue is a random tree of the values writeAny writes, at most
// depth levels deep.
func randomValue(r *rand.Rand, depth int) any {
	n := r.IntN(10)
	if depth == 0 {
		n = r.IntN(6)
	}
	switch n {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return r.Int64() >> r.IntN(64) * int64(1-2*r.IntN(2))
	case 3:
		return r.Uint64() >> r.IntN(64)
	case 4, 5:
		return randomString(r)
	case 6:
		var ss []string
		for range r.IntN(4) {
			ss = append(ss, randomString(r))
		}
		if ss == nil && r.IntN(2) == 0 {
			ss = []string{}
		}
		return ss
	case 7:
		m := map[string]string{}
		for range r.IntN(4) {
			m[randomString(r)] = randomString(r)
		}
		return m
	case 8:
		a := []any{}
		for range r.IntN(5) {
			a = append(a, randomValue(r, depth-1))
		}
		return a
	}
	m := map[string]any{}
	for range r.IntN(5) {
		m[randomString(r)] = randomValue(r, depth-1)
	}
	return m
}

func randomString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return trickyStrings[r.IntN(len(trickyStrings))]
	}
	const alphabet = "ab<>&\"\\/\x00\n\x7f\xc3\xa9\xe2\x80\xa8\xff"
	b := make([]byte, r.IntN(8))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func TestWriterRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 5))
	for range 2000 {
		checkWriter(t, randomValue(r, 5), nil)
	}
}

// compactDocs are compact documents for Indent, beyond what the Writer
// tests give it: escapes and brackets inside strings, numbers it does not
// write.
var compactDocs = []string{
	`{}`, `[]`, `""`, `0`, `-1.5e+300`, `null`, `true`,
	`[[]]`, `[{}]`, `{"a":{}}`, `{"a":[]}`, `[[],{},[[{}]]]`,
	`{"a":1,"b":[1,2,{"c":null}],"d":{"e":"f"}}`,
	`["{","}","[","]",",",":","\"","\\","\\\"","\\\\\"x"]`,
	`{"\"{[":"]}\\","k\u2028":"\u003c"}`,
	`[1.5,-0,1E5,2e-3,true,false,null]`,
}

func TestIndent(t *testing.T) {
	for _, src := range compactDocs {
		for _, in := range indents {
			var want bytes.Buffer
			if err := json.Indent(&want, []byte(src), in[0], in[1]); err != nil {
				t.Fatalf("json.Indent(%s): %v", src, err)
			}
			got := jsonlite.Indent([]byte("x"), []byte(src), in[0], in[1])
			if string(got) != "x"+want.String() {
				t.Errorf("Indent(%s, %q, %q):\ngot  %s\nwant x%s", src, in[0], in[1], got, want.Bytes())
			}
		}
	}
}

// TestWriterCommas checks the comma rule around every kind of value: a
// comma before any value or key but the first of its array or object.
func TestWriterCommas(t *testing.T) {
	var w jsonlite.Writer
	w.BeginArray()
	w.BeginObject()
	w.EndObject()
	w.BeginObject()
	w.Key("a")
	w.BeginArray()
	w.EndArray()
	w.Key("b")
	w.Strings(nil)
	w.Key("c")
	w.StringMap(map[string]string{"y": "1", "x": "2"})
	w.EndObject()
	w.Int(-1)
	w.Uint(1)
	w.Bool(false)
	w.Null()
	w.String("s")
	w.Strings([]string{"p", "q"})
	w.EndArray()
	want := `[{},{"a":[],"b":null,"c":{"x":"2","y":"1"}},-1,1,false,null,"s",["p","q"]]`
	if got := string(w.B); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
