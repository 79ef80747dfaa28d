package jsonlite_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gosinit/gosinit/internal/jsonlite"
)

// Types for the differential tests.

type named string

type level int

func (l level) MarshalJSON() ([]byte, error) {
	return json.Marshal([]string{"lvl", "<" + string(rune('0'+l)) + ">"})
}

// spaced writes JSON with whitespace, HTML characters and U+2028, which
// the encoder must compact and escape as encoding/json does.
type spaced struct{ S string }

func (s *spaced) MarshalJSON() ([]byte, error) {
	return []byte(" {\n \"s\" : \"" + s.S + "\" ,\t\"list\": [ 1 , 2 ,\r\n{ } , [ ] ] }\n"), nil
}

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { return []byte(`{"a":}`), nil }

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errors.New("no good") }

type empty struct{}

type inner struct {
	A int               `json:"a"`
	B string            `json:"b,omitempty"`
	C []int             `json:"c"`
	D map[string]string `json:"d,omitempty"`
	E *inner            `json:"e,omitempty"`
}

type outer struct {
	Name     string         `json:"name"`
	Named    named          `json:"named"`
	Skip     string         `json:"-"`
	Dash     string         `json:"-,"`
	private  int            // unexported: left out
	NoTag    bool           // Go name
	BadTag   int            `json:"a\\b"` // invalid name: Go name
	OnlyOpt  int            `json:",omitempty"`
	Ptr      *int           `json:"ptr"`
	NilPtr   *int           `json:"nil_ptr"`
	Inner    inner          `json:"inner"`
	PInner   *inner         `json:"p_inner"`
	Slice    []inner        `json:"slice"`
	NilSlice []string       `json:"nil_slice"`
	Empty    []string       `json:"empty"`
	Array    [3]int8        `json:"array"`
	Zero     [0]int         `json:"zero"`
	Map      map[named]int  `json:"map"`
	NilMap   map[string]int `json:"nil_map"`
	Any      any            `json:"any"`
	NilAny   any            `json:"nil_any"`
	Level    level          `json:"level"`
	PLevel   *level         `json:"p_level"`
	Spaced   spaced         `json:"spaced"`
	PSpaced  *spaced        `json:"p_spaced"`
	Struct   empty          `json:"struct,omitempty"`
	OE       struct {
		B   bool           `json:"b,omitempty"`
		I   int64          `json:"i,omitempty"`
		U   uint16         `json:"u,omitempty"`
		F   float32        `json:"f,omitempty"`
		S   string         `json:"s,omitempty"`
		P   *string        `json:"p,omitempty"`
		A   any            `json:"a,omitempty"`
		M   map[string]int `json:"m,omitempty"`
		L   []int          `json:"l,omitempty"`
		Arr [0]int         `json:"arr,omitempty"`
	} `json:"oe"`
}

var trickyStrings = []string{
	"",
	"plain",
	`quote " backslash \ slash /`,
	"\x00\x01\x07\b\t\n\v\f\r\x1b\x1f\x7f",
	"<script>&amp;</script>",
	"line\u2028para\u2029end",
	"bad \xff byte", "\xe2\x80", "\xed\xa0\x80 surrogate", "\xc0\xaf overlong",
	"é ü 中文 😀 \U0010ffff",
	"\ufffd",
}

func marshalCases() []struct {
	name string
	v    any
} {
	seven := 7
	lv := level(3)
	full := outer{
		Name: "web", Named: "n<>", Skip: "x", Dash: "d", private: 1, NoTag: true, BadTag: 2,
		Ptr:    &seven,
		Inner:  inner{A: 1, B: "b", C: []int{1, 2}, D: map[string]string{"z": "1", "a": "2", "<": "3", "é": "4", "A": "5"}},
		PInner: &inner{E: &inner{A: -1, C: []int{}}},
		Slice:  []inner{{}, {A: 2}},
		Empty:  []string{},
		Array:  [3]int8{-128, 0, 127},
		Map:    map[named]int{"b": 2, "a": 1, "&": 3},
		Any:    map[string]any{"x": []any{1, "two", 3.5, nil, true, &seven}},
		Level:  2, PLevel: &lv,
		Spaced: spaced{"a<b>&c\u2028"}, PSpaced: &spaced{"p"},
	}
	cases := []struct {
		name string
		v    any
	}{
		{"zero struct", outer{}},
		{"full struct", full},
		{"pointer to struct", &full}, // addressable: pointer-receiver MarshalJSON is used
		{"nil pointer", (*outer)(nil)},
		{"nil", nil},
		{"true", true},
		{"ints", []any{int8(math.MinInt8), int16(math.MinInt16), int32(math.MinInt32), int64(math.MinInt64), math.MaxInt64, 0, -1}},
		{"uints", []any{uint8(255), uint16(math.MaxUint16), uint32(math.MaxUint32), uint64(math.MaxUint64), uintptr(12), uint(0)}},
		{"float64s", []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e20, 1e21, 123456789e13, 1e-6, 1e-7, 9.9999e-7, 5e-324,
			math.MaxFloat64, -math.MaxFloat64, 1.0 / 3, 100, 1e100, 1.5e-100, 12345678.9}},
		{"float32s", []float32{0, 1, 0.1, 1e20, 1e21, 1e-6, 1e-7, 3.4e38, 1.0 / 3, 16777216, 1.4e-45}},
		{"strings", trickyStrings},
		{"map of tricky keys", func() map[string]int {
			m := map[string]int{}
			for i, s := range trickyStrings {
				m[s] = i
			}
			return m
		}()},
		{"named map key type", map[named][]named{"k": {"v"}}},
		{"nested empty", map[string]any{"a": []any{}, "b": map[string]any{}, "c": [][]int{{}, nil}, "d": struct{}{}}},
		{"array of pointers", [2]*int{nil, &seven}},
		{"marshaler value", level(5)},
		{"marshaler pointer nil", (*spaced)(nil)},
		{"marshaler not addressable", spaced{"v"}}, // value: pointer method not used
		{"interface holding marshaler", []any{level(1), &spaced{"i"}, spaced{"j"}}},
		{"deep", func() any {
			var v any = 1
			for i := range 300 {
				w := v
				v = []any{i, map[string]any{"<k>": &w}}
			}
			return v
		}()},
	}
	return cases
}

func TestMarshalMatchesEncodingJSON(t *testing.T) {
	for _, tc := range marshalCases() {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			got, err := jsonlite.Marshal(tc.v)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Marshal:\ngot  %s\nwant %s", got, want)
			}

			want, _ = json.MarshalIndent(tc.v, "> ", "\t")
			got, err = jsonlite.MarshalIndent(tc.v, "> ", "\t")
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("MarshalIndent: %v\ngot  %s\nwant %s", err, got, want)
			}

			for _, escape := range []bool{false, true} {
				for _, indent := range []string{"", "  "} {
					var wantBuf, gotBuf bytes.Buffer
					std := json.NewEncoder(&wantBuf)
					std.SetEscapeHTML(escape)
					std.SetIndent("", indent)
					if err := std.Encode(tc.v); err != nil {
						t.Fatal(err)
					}
					lite := jsonlite.NewEncoder(&gotBuf)
					lite.SetEscapeHTML(escape)
					lite.SetIndent("", indent)
					if err := lite.Encode(tc.v); err != nil {
						t.Fatalf("Encode(escape %v, indent %q): %v", escape, indent, err)
					}
					if !bytes.Equal(gotBuf.Bytes(), wantBuf.Bytes()) {
						t.Errorf("Encode(escape %v, indent %q):\ngot  %s\nwant %s", escape, indent, gotBuf.Bytes(), wantBuf.Bytes())
					}
				}
			}
		})
	}
}

func TestMarshalErrors(t *testing.T) {
	type embedded struct{ A int }
	type withEmbedded struct{ embedded }
	type withOmitzero struct {
		A int `json:"a,omitzero"`
	}
	// Two fields with one name (built at run time: vet rejects the tags).
	dup := reflect.New(reflect.StructOf([]reflect.StructField{
		{Name: "A", Type: reflect.TypeFor[int](), Tag: `json:"x"`},
		{Name: "B", Type: reflect.TypeFor[int](), Tag: `json:"x"`},
	})).Elem().Interface()
	type withText struct{ T textual }
	tests := []struct {
		name string
		v    any
		// stdErr: encoding/json fails too; else only jsonlite does, as
		// the value is outside its subset.
		stdErr bool
		want   string
	}{
		{"chan", make(chan int), true, "json: unsupported type chan int"},
		{"func field", struct{ F func() }{func() {}}, true, "json: unsupported type func()"},
		{"complex", complex(1, 2), true, "json: unsupported type complex128"},
		{"NaN", math.NaN(), true, "json: unsupported value: NaN"},
		{"Inf", []float32{float32(math.Inf(-1))}, true, "json: unsupported value: -Inf"},
		{"invalid MarshalJSON output", badJSON{}, true, "json: error calling MarshalJSON for type jsonlite_test.badJSON: byte 5: invalid character '}' looking for beginning of value"},
		{"MarshalJSON error", map[string]any{"f": failing{}}, true, "json: error calling MarshalJSON for type jsonlite_test.failing: no good"},
		{"cycle", func() any { m := map[string]any{}; m["m"] = m; return m }(), true, "nested more than 10000 levels deep"},
		{"bytes", []byte("x"), false, "json: unsupported type []uint8: encoding/json would write it as base64"},
		{"embedded struct", withEmbedded{}, false, "json: unsupported type jsonlite_test.withEmbedded: embedded struct embedded is not supported"},
		{"omitzero", withOmitzero{}, false, `json: unsupported type jsonlite_test.withOmitzero: field A: tag option "omitzero" is not supported`},
		{"duplicate name", dup, false, `two fields are named "x"`},
		{"int map key", map[int]string{1: "a"}, false, "json: unsupported type map[int]string: map keys must be strings"},
		{"TextMarshaler", withText{}, false, "json: unsupported type jsonlite_test.textual: it implements encoding.TextMarshaler"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := json.Marshal(tc.v); (err != nil) != tc.stdErr {
				t.Fatalf("encoding/json error %v, want error %v", err, tc.stdErr)
			}
			got, err := jsonlite.Marshal(tc.v)
			if err == nil {
				t.Fatalf("Marshal = %s, want an error", got)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

type textual struct{}

func (textual) MarshalText() ([]byte, error) { return []byte("t"), nil }

// FuzzMarshalString compares string escaping with encoding/json's, HTML
// escaping on and off.
func FuzzMarshalString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := map[string][]string{s: {s}}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := jsonlite.Marshal(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("Marshal(%q) = %s, %v; want %s", s, got, err, want)
		}
		var wantBuf, gotBuf bytes.Buffer
		std := json.NewEncoder(&wantBuf)
		std.SetEscapeHTML(false)
		std.Encode(v)
		lite := jsonlite.NewEncoder(&gotBuf)
		lite.SetEscapeHTML(false)
		lite.Encode(v)
		if !bytes.Equal(gotBuf.Bytes(), wantBuf.Bytes()) {
			t.Fatalf("Encode(%q) without HTML escaping = %s, want %s", s, gotBuf.Bytes(), wantBuf.Bytes())
		}
	})
}
