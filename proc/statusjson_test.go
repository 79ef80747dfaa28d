package proc

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/gosinit/gosinit/internal/jsonlite"
)

// fill sets every field of the struct at v to a distinct non-zero value,
// so that a field the hand-written JSON forgets shows up as a difference.
func fill(v reflect.Value, seed *int) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if sf := v.Type().Field(i); sf.Tag.Get("json") == "-" || sf.Name == "_" {
			continue // not in the file (Status.Owner, the incomparable marker)
		}
		*seed++
		switch f.Kind() {
		case reflect.String:
			f.SetString("s<&>\u2028" + strings.Repeat("x", *seed))
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(*seed) * 1000003)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			if f.Type().Elem().Kind() == reflect.String {
				f.Set(reflect.ValueOf([]string{"a", "b\"c"}))
				continue
			}
			s := reflect.MakeSlice(f.Type(), 2, 2)
			for j := 0; j < 2; j++ {
				fill(s.Index(j), seed)
			}
			f.Set(s)
		default:
			panic("fill: teach me " + f.Kind().String())
		}
	}
}

// The status file is written and read field by field; encoding/json (by
// the struct tags) is the reference for both directions.
func TestStatusJSONMatchesEncodingJSON(t *testing.T) {
	var full Status
	seed := 0
	fill(reflect.ValueOf(&full).Elem(), &seed)
	for name, s := range map[string]*Status{
		"every field set":    &full,
		"zero":               {},
		"empty lists":        {ReloadErrors: []string{}, Changes: []string{}, Processes: []ProcessStatus{}},
		"negative and large": {Pid: -1, Started: 1 << 62, Processes: []ProcessStatus{{State: Unknown, Exitstatus: -1}}},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			w := jsonlite.Writer{EscapeHTML: true}
			s.writeJSON(&w)
			if string(w.B) != string(want) {
				t.Errorf("writeJSON:\n%s\nencoding/json:\n%s", w.B, want)
			}
			for _, doc := range [][]byte{want, mustIndent(t, s)} {
				got, err := parseStatus(doc)
				if err != nil {
					t.Fatal(err)
				}
				var ref Status
				if err := json.Unmarshal(doc, &ref); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, &ref) {
					t.Errorf("parseStatus:\n%+v\nencoding/json:\n%+v", got, &ref)
				}
			}
		})
	}
}

func mustIndent(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseStatusErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{"pid": "x"}`, "pid: byte 8: "},
		{`{"processes": [{"pid": 1.5}]}`, "processes: pid: byte 23: "},
		{`{"pid": 99999999999999999999}`, "pid: byte 8: "},
		{`[1]`, "byte 0: "},
		{`{"pid": 1`, "byte 9: "},
	} {
		_, err := parseStatus([]byte(tc.doc))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("parseStatus(%s) = %v, want an error starting %q", tc.doc, err, tc.want)
		}
	}
	// unknown keys, from a newer gosinit, are ignored
	st, err := parseStatus([]byte(`{"pid": 7, "future": {"a": [1, 2]}, "processes": [{"name": "w", "later": true}]}`))
	if err != nil || st.Pid != 7 || len(st.Processes) != 1 || st.Processes[0].Name != "w" {
		t.Errorf("parseStatus with unknown keys = %+v, %v", st, err)
	}
}
