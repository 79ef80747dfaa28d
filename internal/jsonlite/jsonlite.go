// Package jsonlite writes and reads the JSON that gosinit uses: the status
// file, `gosinit status --json` and `gosinit check --json`. Callers drive it
// by hand, value by value: a Writer appends JSON to a byte slice, and Parse
// turns a document into a tree of Values with typed accessors.
//
// It exists for the binary size budget (issue 2: at most 2.5 MB for a
// FROM scratch image). encoding/json works through reflect, and the two
// are big: with Go 1.26 (CGO_ENABLED=0, -trimpath,
// -ldflags "-s -w"), a program that writes one small struct and reads it
// back is 1,966,242 bytes with encoding/json and 1,482,914 with this
// package, against 1,405,090 for the same program with no JSON: 561 kB
// against 78 kB. Nothing here uses reflect or fmt, so that with
// internal/textf in place of fmt nothing in gosinit needs to link reflect.
// The price is a few dozen lines per type in its caller, writing and
// reading it field by field.
//
// What it supports:
//
//   - Writing objects, arrays, strings, int64, uint64, bools and null (no
//     floats), with '<', '>' and '&' escaped or not (Marshal, or an Encoder
//     with SetEscapeHTML(false)), and Indent for MarshalIndent's layout.
//     The output is byte for byte encoding/json's for the same values.
//   - Reading any JSON document. Parse accepts exactly what encoding/json
//     accepts (RFC 8259, at most 10000 nested arrays and objects, nothing
//     but white space after the value) and reads strings as it does:
//     invalid UTF-8 and lone surrogates become U+FFFD. Of duplicate keys
//     the last wins. Numbers are kept as written; Int and Uint convert them
//     as encoding/json converts into int64 and uint64. A syntax error names
//     the byte at fault and says what encoding/json's says.
//
// Reading into a struct by hand differs from encoding/json's Unmarshal in
// two ways, both on input gosinit never writes: keys match exactly (its
// Unmarshal also takes "PID" for "pid"), and a repeated key's last value
// replaces the first (its Unmarshal merges the second object or array into
// what the first one filled).
//
// The tests hold it to all of that, differentially against encoding/json.
package jsonlite

import "strconv"

// maxDepth is encoding/json's limit on nesting: a document nested deeper
// than 10000 arrays and objects is an error.
const maxDepth = 10000

// An Error is a syntax error in a document, or a value of the wrong type
// asked for by an accessor.
type Error struct {
	_ [0]func() // incomparable: no generated equality function (text)

	// Offset is the index of the byte at fault (of the value, for a type
	// error), or the length of the document at an unexpected end.
	Offset int
	// Msg is encoding/json's text for the same syntax error, or what
	// was wanted and what was found.
	Msg string
}

func (e *Error) Error() string {
	return "byte " + strconv.Itoa(e.Offset) + ": " + e.Msg
}
