// Package jsonlite is the subset of encoding/json that gosinit uses: it
// writes the status file and the --json outputs, and reads the status file
// back.
//
// It exists for the binary size budget. gosinit ships as a FROM scratch
// image whose binary should stay near 2.5 MB, and encoding/json's encoder
// and decoder cost about 195 kB of it; this package costs about 40 kB, as
// reflect, strconv, slices and unicode are linked anyway (by fmt).
// Replacing encoding/json took the release binary from 3,158,178 to
// 2,998,434 bytes. (Tests still use encoding/json as the reference.)
//
// The subset: bool, every int, uint and float kind, string, structs (their
// exported fields, `json:"name"`, `json:"name,omitempty"` and `json:"-"`
// tags), pointers, slices, arrays, maps with string keys and, when writing,
// interfaces and types with a MarshalJSON method (Marshaler). Anything else
// is an error naming the type, never a silent difference: []byte (which
// encoding/json writes as base64), embedded structs, other tag options
// (string, omitzero), encoding.TextMarshaler and Unmarshaler types, and
// interfaces when reading.
//
// Within the subset the output is byte for byte encoding/json's (Marshal,
// MarshalIndent, and Encoder with SetEscapeHTML and SetIndent), and
// Unmarshal accepts exactly the input encoding/json accepts (RFC 8259, at
// most 10000 nested arrays and objects) and stores the same values: keys
// match fields exactly or else case-insensitively, unknown keys are
// ignored, null leaves a non-pointer value alone, invalid UTF-8 and lone
// surrogates become U+FFFD, a slice is reused as encoding/json reuses it.
// The tests hold it to that, differentially against encoding/json. Unlike
// encoding/json, Unmarshal stops at the first error, whose text gives the
// byte offset and, for a value of the wrong type, the path to the field.
package jsonlite

import (
	"io"
	"reflect"
)

// Marshaler is implemented by types that write their own JSON. It is
// encoding/json's Marshaler: a type that satisfies one satisfies the other.
// The output is checked and compacted (and HTML-escaped where the caller
// asked for it), as encoding/json does.
type Marshaler interface {
	MarshalJSON() ([]byte, error)
}

// Marshal returns the JSON encoding of v, as encoding/json's Marshal does:
// compact, with '<', '>' and '&' in strings escaped.
func Marshal(v any) ([]byte, error) {
	return marshal(v, true)
}

// MarshalIndent is Marshal with each element on a new line that starts
// with prefix and one indent per level of nesting, as encoding/json's
// MarshalIndent.
func MarshalIndent(v any, prefix, indent string) ([]byte, error) {
	b, err := marshal(v, true)
	if err != nil {
		return nil, err
	}
	return appendIndent(make([]byte, 0, len(b)+len(b)/2), b, prefix, indent), nil
}

// An Encoder writes JSON values to an output stream, each followed by a
// newline, as encoding/json's Encoder does.
type Encoder struct {
	w              io.Writer
	escapeHTML     bool
	prefix, indent string
}

// NewEncoder returns an encoder that writes to w, escaping HTML.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: w, escapeHTML: true}
}

// SetEscapeHTML says whether '<', '>' and '&' in strings are written as
// \u003c, \u003e and \u0026 (the default) or as themselves.
func (enc *Encoder) SetEscapeHTML(on bool) { enc.escapeHTML = on }

// SetIndent makes Encode indent as MarshalIndent does.
func (enc *Encoder) SetIndent(prefix, indent string) {
	enc.prefix, enc.indent = prefix, indent
}

// Encode writes the JSON encoding of v and a newline, in one Write.
func (enc *Encoder) Encode(v any) error {
	b, err := marshal(v, enc.escapeHTML)
	if err != nil {
		return err
	}
	if enc.prefix != "" || enc.indent != "" {
		b = appendIndent(make([]byte, 0, len(b)+len(b)/2+1), b, enc.prefix, enc.indent)
	}
	_, err = enc.w.Write(append(b, '\n'))
	return err
}

// Unmarshal parses the JSON document data and stores it in the value v
// points to. On an error v may have been partly filled.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &invalidUnmarshalError{reflect.TypeOf(v)}
	}
	return unmarshal(data, rv.Elem())
}

// invalidUnmarshalError is Unmarshal handed something other than a
// non-nil pointer.
type invalidUnmarshalError struct{ t reflect.Type }

func (e *invalidUnmarshalError) Error() string {
	if e.t == nil {
		return "json: Unmarshal(nil)"
	}
	if e.t.Kind() != reflect.Pointer {
		return "json: Unmarshal(non-pointer " + e.t.String() + ")"
	}
	return "json: Unmarshal(nil " + e.t.String() + ")"
}
