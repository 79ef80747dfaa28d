package jsonlite

import (
	"strconv"
	"unicode/utf8"

	"github.com/gosinit/gosinit/internal/strsort"
)

// A Writer appends one compact JSON document to B, value by value, and
// puts in the commas itself. To write an object:
//
//	w := jsonlite.Writer{EscapeHTML: true}
//	w.BeginObject()
//	w.Key("name")
//	w.String(p.Name)
//	w.Key("env")
//	w.StringMap(p.Env)
//	w.EndObject()
//	os.Stdout.Write(w.B)
//
// Calls in the order of the document give encoding/json's bytes for the
// same values: its Marshal with EscapeHTML, an Encoder with
// SetEscapeHTML(false) without (less its trailing newline), and with
// Indent its MarshalIndent. The Writer does not check the order: a Key
// in an array, or two values after one Key, make invalid JSON.
//
// Its methods are marked go:noinline: callers write a few hundred of them
// in a row, and inlined they cost 12 kB of the binary (issue 2's budget)
// to save a call per value on paths that are not hot.
type Writer struct {
	B []byte
	// EscapeHTML writes '<', '>' and '&' in strings as \u003c, \u003e and
	// \u0026, as encoding/json does unless told otherwise.
	EscapeHTML bool

	// more says the next value (or key) is not the first at its level
	// and so needs a comma before it.
	more bool
}

// comma separates the value about to be written from the one before.
// Not inlined: 8 call sites, 0.8 kB of the binary (issue 2).
//
//go:noinline
func (w *Writer) comma() {
	if w.more {
		w.B = append(w.B, ',')
	}
}

// BeginObject starts an object: Key and a value for each member, then
// EndObject.
//
//go:noinline
func (w *Writer) BeginObject() {
	w.comma()
	w.B = append(w.B, '{')
	w.more = false
}

// EndObject ends the object BeginObject started.
//
//go:noinline
func (w *Writer) EndObject() {
	w.B = append(w.B, '}')
	w.more = true
}

// BeginArray starts an array: its values, then EndArray.
//
//go:noinline
func (w *Writer) BeginArray() {
	w.comma()
	w.B = append(w.B, '[')
	w.more = false
}

// EndArray ends the array BeginArray started.
//
//go:noinline
func (w *Writer) EndArray() {
	w.B = append(w.B, ']')
	w.more = true
}

// Key writes an object member's key; its value comes next.
//
//go:noinline
func (w *Writer) Key(k string) {
	w.comma()
	w.B = AppendString(w.B, k, w.EscapeHTML)
	w.B = append(w.B, ':')
	w.more = false
}

// String writes a string.
//
//go:noinline
func (w *Writer) String(s string) {
	w.comma()
	w.B = AppendString(w.B, s, w.EscapeHTML)
	w.more = true
}

// Int writes an integer.
//
//go:noinline
func (w *Writer) Int(n int64) {
	w.comma()
	w.B = strconv.AppendInt(w.B, n, 10)
	w.more = true
}

// Uint writes an unsigned integer.
//
//go:noinline
func (w *Writer) Uint(n uint64) {
	w.comma()
	w.B = strconv.AppendUint(w.B, n, 10)
	w.more = true
}

// Bool writes true or false.
//
//go:noinline
func (w *Writer) Bool(b bool) {
	w.comma()
	w.B = strconv.AppendBool(w.B, b)
	w.more = true
}

// Null writes null.
//
//go:noinline
func (w *Writer) Null() {
	w.comma()
	w.B = append(w.B, "null"...)
	w.more = true
}

// Strings writes an array of strings; a nil slice is null, as in
// encoding/json (an empty one is []).
func (w *Writer) Strings(ss []string) {
	if ss == nil {
		w.Null()
		return
	}
	w.BeginArray()
	for _, s := range ss {
		w.String(s)
	}
	w.EndArray()
}

// StringMap writes an object with m's keys in sorted order, as
// encoding/json writes a map; a nil map is null (an empty one is {}).
func (w *Writer) StringMap(m map[string]string) {
	if m == nil {
		w.Null()
		return
	}
	w.BeginObject()
	// slices.Sorted(maps.Keys(m)), without the iterator machinery it
	// instantiates (3.5 kB of binary, issue 2)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	strsort.Sort(keys)
	for _, k := range keys {
		w.Key(k)
		w.String(m[k])
	}
	w.EndObject()
}

const hex = "0123456789abcdef"

// safeASCII[0][b] says ASCII byte b stands for itself in a string: not a
// control character, '"' or '\\'; [1] also not '<', '>' or '&'.
var safeASCII = func() (t [2][utf8.RuneSelf]bool) {
	for b := byte(' '); b < utf8.RuneSelf; b++ {
		t[0][b] = b != '"' && b != '\\'
		t[1][b] = t[0][b] && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// AppendString appends s as a JSON string, quoted as encoding/json
// quotes it: \" \\ \b \f \n \r \t, other control characters as \u00XX,
// each byte of invalid UTF-8 as \ufffd, U+2028 and U+2029 as \u2028 and
// \u2029 (for JSONP) and, with escapeHTML, '<', '>' and '&' as \u003c,
// \u003e and \u0026.
func AppendString(dst []byte, s string, escapeHTML bool) []byte {
	safe := &safeASCII[0]
	if escapeHTML {
		safe = &safeASCII[1]
	}
	dst = append(dst, '"')
	start := 0 // s[start:i] is still to be copied
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Indent appends the compact JSON document src (a Writer's output) to
// dst laid out as encoding/json's Indent and MarshalIndent lay it out:
// each array element and object member on a new line that starts with
// prefix and one indent per level of nesting, ": " after each key, and
// empty arrays and objects as [] and {}. The first line gets no prefix,
// and no newline ends the last.
func Indent(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
	}
	// Each byte is appended at one place, a line break before or after it
	// at two: newline is inlined, and each copy of it or of an append
	// costs text (issue 2's size).
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		before, after := false, false
		if inString {
			if c == '\\' {
				dst = append(dst, c)
				i++
				c = src[i]
			} else if c == '"' {
				inString = false
			}
		} else {
			switch c {
			case '"':
				inString = true
			case '{', '[':
				if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
					dst = append(dst, c)
					i++
					c = src[i]
				} else {
					depth++
					after = true
				}
			case ',':
				after = true
			case ':':
				dst = append(dst, c)
				c = ' '
			case '}', ']':
				depth--
				before = true
			}
		}
		if before {
			newline()
		}
		dst = append(dst, c)
		if after {
			newline()
		}
	}
	return dst
}
