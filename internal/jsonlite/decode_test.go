package jsonlite_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/gosinit/gosinit/internal/jsonlite"
)

type item struct {
	A int    `json:"a"`
	B string `json:"b"`
}

type target struct {
	Pid     int              `json:"pid"`
	Name    string           `json:"name,omitempty"`
	Flag    bool             // matched as "Flag", or any case of it
	I8      int8             `json:"i8"`
	U       uint32           `json:"u"`
	F32     float32          `json:"f32"`
	F       float64          `json:"f"`
	Level   level            `json:"level"` // a Marshaler, read as its int
	Named   named            `json:"named"`
	List    []string         `json:"list"`
	Items   []item           `json:"items"`
	Arr     [2]int           `json:"arr"`
	Map     map[string]int   `json:"map"`
	PMap    map[named]*item  `json:"pmap"`
	Nested  map[string][]int `json:"nested"`
	P       *item            `json:"p"`
	PP      **int            `json:"pp"`
	Skip    int              `json:"-"`
	private int
	Kelvin  int `json:"k"`
	Long    int `json:"s"`
}

// deep is a value nested in n arrays under key "x" of an object (so
// the whole document nests n+1 deep).
func deep(n int) string {
	return `{"pid":1,"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
}

// decodeInputs are documents for the differential Unmarshal tests; the
// fuzz test starts from them too. Some are valid, some not.
var decodeInputs = []string{
	`{}`, `null`, " \t\r\n{\"pid\" : 1 }\n ", `{"PID":2}`, `{"pid":1,"Pid":2}`, `{"pId":3}`,
	`{"name":"a\u0041\n\t\"\\\/\b\f\r"}`,
	`{"name":"\ud83d\ude00 \ud800x \udc00 \ud800\ud800 \ud800\u0041 \uD83D\uDE00 \u00e9"}`,
	"{\"name\":\"\xff\xfe \xed\xa0\x80 \xc0\xaf \xe2\x80 é\"}",
	"{\"n\xffame\":\"key with bad utf-8\"}", `{"n\u0061me":"escaped key"}`,
	`{"name":null}`, `{"flag":true}`, `{"FLAG":false}`, `{"Flag":"true"}`, `{"Flag":1}`,
	"{\"\u212a\":1}", "{\"\u017f\":2}", `{"K":3,"S":4}`, // Kelvin sign and long s fold to k and s
	`{"i8":127}`, `{"i8":128}`, `{"i8":-128}`, `{"i8":-0}`, `{"u":-1}`, `{"u":4294967295}`, `{"u":4294967296}`,
	`{"u":1e2}`, `{"u":1.0}`, `{"pid":9223372036854775807}`, `{"pid":9223372036854775808}`, `{"pid":-9223372036854775808}`,
	`{"f":1e2}`, `{"f":-0.0}`, `{"f":1e400}`, `{"f":1e-400}`, `{"f":-12.5E-3}`, `{"f32":3.5e38}`, `{"f32":1e-50}`,
	`{"f":"1"}`, `{"level":3}`, `{"named":"n"}`,
	`{"list":["a","b"]}`, `{"list":[]}`, `{"list":null}`, `{"list":"x"}`, `{"list":[1]}`, `{"list":[null,"b"]}`,
	`{"items":[{"a":1},{"b":"x","zz":[1,{"q":null}]}]}`, `{"items":[{"a":1}],"items":[{"b":"y"}]}`, `{"items":{}}`,
	`{"arr":[1]}`, `{"arr":[1,2,3]}`, `{"arr":[]}`, `{"arr":null}`,
	`{"map":{"b":1,"a":2}}`, `{"map":{"a":null}}`, `{"map":{}}`, `{"map":null}`, `{"map":[]}`, `{"map":{"a":"1"}}`,
	`{"pmap":{"k":{"a":1},"n":null}}`, `{"nested":{"x":[1,2],"y":[]}}`,
	`{"p":null}`, `{"p":{"a":5}}`, `{"p":{"a":5},"p":{"b":"c"}}`, `{"p":7}`, `{"pp":null}`, `{"pp":7}`, `{"pp":"x"}`,
	`{"unknown":{"deep":[1,2,{"x":"y"}],"n":-0.5e+7},"pid":4}`, `{"-":1}`, `{"Skip":1}`, `{"private":1}`,
	`{"pid":1.0}`, `{"pid":"1"}`, `{"pid":[]}`, `{"pid":{}}`, `{"pid":true}`, `{"pid":null}`,
	`[]`, `"x"`, `1`, `true`, `[{"pid":1}]`,
	// syntax errors
	``, ` `, `{`, `{"pid"`, `{"pid":`, `{"pid":1`, `{"pid":1,`, `{"pid":1,}`, `{,}`, `{"a" 1}`, `{'a':1}`,
	`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":+1}`, `{"a":1e}`, `{"a":1e+}`, `{"a":-}`, `{"a":-a}`, `{"a":1.a}`,
	`{"a":tru}`, `{"a":truex}`, `{"a":trUe}`, `{"a":nul}`, `{"a":nulL}`, `{"a":fals}`, `{"a":falsy}`,
	"{\"a\":\"\x01\"}", `{"a":"\q"}`, `{"a":"\u12G4"}`, `{"a":"\u12"}`, `{"a":"\`, `{"a":"x`, `{"a":"\u`,
	`{"a":[1,]}`, `{"a":[1 2]}`, `{"a":[`, `{"a":[1`, `{} {}`, `{}x`, `{"a":NaN}`, `{"a":Infinity}`,
	"\xef\xbb\xbf{}", "{\"a\":1}\x00", "\v{}", "\f{}", `{"a":1}}`, `{"a":1]`, `[1}`, `{"a"::1}`, `{1:2}`,
	deep(9999), deep(10000), `{"pid":1,"x":{"a":` + strings.Repeat(`{"a":`, 9998) + `1` + strings.Repeat(`}`, 9998) + `}}`,
	`{"pid":1,"x":{"a":` + strings.Repeat(`{"a":`, 9999) + `1` + strings.Repeat(`}`, 9999) + `}}`,
}

// prefilled is a target with data for Unmarshal to merge into, reuse or
// replace, as encoding/json does.
func prefilled() *target {
	n := 5
	pn := &n
	items := make([]item, 3, 6)
	items[0], items[1], items[2] = item{1, "one"}, item{2, "two"}, item{3, "three"}
	return &target{
		Pid: 9, Name: "old", List: []string{"x", "y"}, Items: items[:2], Arr: [2]int{7, 8},
		Map: map[string]int{"old": 1}, P: &item{A: 1, B: "b"}, PP: &pn,
	}
}

func TestUnmarshalMatchesEncodingJSON(t *testing.T) {
	for _, fresh := range []bool{true, false} {
		for _, in := range decodeInputs {
			name := in
			if len(name) > 60 {
				name = name[:60]
			}
			if !fresh {
				name = "prefilled " + name
			}
			t.Run(name, func(t *testing.T) {
				want, got := new(target), new(target)
				if !fresh {
					want, got = prefilled(), prefilled()
				}
				errStd := json.Unmarshal([]byte(in), want)
				err := jsonlite.Unmarshal([]byte(in), got)
				if (err == nil) != (errStd == nil) {
					t.Fatalf("Unmarshal error %v, encoding/json's %v", err, errStd)
				}
				if err == nil && !reflect.DeepEqual(got, want) {
					t.Errorf("Unmarshal:\ngot  %+v\nwant %+v", got, want)
				}
			})
		}
	}
}

func TestUnmarshalErrors(t *testing.T) {
	type withIface struct{ A any }
	type withBytes struct{ B []byte }
	tests := []struct {
		in   string
		v    any
		want string
	}{
		{`{"pid": 1, "proc`, new(target), "unexpected end of JSON input"},
		{``, new(target), "unexpected end of JSON input"},
		{`{"pid": x}`, new(target), "byte 8: invalid character 'x' looking for beginning of value"},
		{`{"pid": 1 "a"}`, new(target), `byte 10: invalid character '"' after object key:value pair`},
		{`{"a":"` + "\x01", new(target), `byte 6: invalid character '\x01' in string literal`},
		{`{"a":tRue}`, new(target), `byte 6: invalid character 'R' in literal true (expecting 'r')`},
		{`{} x`, new(target), `byte 3: invalid character 'x' after top-level value`},
		{deep(10000), new(target), `byte 10012: invalid character '[' exceeded max depth`},
		{`{"pid": "1"}`, new(target), "byte 8: cannot unmarshal string into jsonlite_test.target.pid of type int"},
		{`{"items":[{},{"a":1.5}]}`, new(target), "byte 18: cannot unmarshal number 1.5 into jsonlite_test.target.items[1].a of type int"},
		{`{"pmap":{"k\"":{"b":[]}}}`, new(target), `byte 20: cannot unmarshal array into jsonlite_test.target.pmap["k\""].b of type string`},
		{`{"i8":300}`, new(target), "byte 6: cannot unmarshal number 300 into jsonlite_test.target.i8 of type int8"},
		{`[1]`, new(target), "byte 0: cannot unmarshal array into jsonlite_test.target of type jsonlite_test.target"},
		{`{"A":1}`, new(withIface), "byte 5: cannot unmarshal number into jsonlite_test.withIface.A: unsupported type interface {}: not in jsonlite's subset"},
		{`{"B":"eA=="}`, new(withBytes), "byte 5: cannot unmarshal string into jsonlite_test.withBytes.B: unsupported type []uint8: encoding/json would read it as base64"},
		{`{}`, target{}, "json: Unmarshal(non-pointer jsonlite_test.target)"},
		{`{}`, (*target)(nil), "json: Unmarshal(nil *jsonlite_test.target)"},
		{`{}`, nil, "json: Unmarshal(nil)"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			err := jsonlite.Unmarshal([]byte(tc.in), tc.v)
			if err == nil {
				t.Fatalf("Unmarshal(%.200q) succeeded", tc.in)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("Unmarshal(%.200q):\ngot  %s\nwant %s", tc.in, got, tc.want)
			}
		})
	}
}
