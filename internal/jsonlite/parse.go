package jsonlite

import (
	"strconv"
	"unicode/utf8"
)

// Kind is the type of a Value.
type Kind uint8

const (
	Missing Kind = iota // no value: what Get gives for a key that is not there
	Null
	Bool
	Number
	String
	Array
	Object
)

var kindNames = [...]string{"missing", "null", "bool", "number", "string", "array", "object"}

// String returns the kind's name as the accessors' errors use it.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind " + strconv.Itoa(int(k))
}

// A Value is a parsed JSON value. Its accessors (Bool, Str, Int, Uint,
// Literal, Strings, Array, Members) return it as a Go value, or an *Error
// when it is of another kind. Null and Missing read as the zero value
// (nil for slices) without an error, as encoding/json leaves a field
// alone for null or an absent key; Kind tells them apart from the rest.
// The zero Value is Missing.
type Value struct {
	kind Kind
	off  int    // where the value starts in the document
	s    string // a String's text, a Number's literal, "true" or "false"; for Missing, Get's error
	arr  []Value
	obj  []Member
}

// A Member is one key of an object and its value.
type Member struct {
	Key   string
	Value Value
}

// Parse parses the JSON document data.
func Parse(data []byte) (Value, error) {
	p := parser{data: data}
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return Value{}, err
	}
	p.skipSpace()
	if p.off < len(p.data) {
		return Value{}, p.syntaxError("after top-level value")
	}
	return v, nil
}

// Kind returns v's kind.
func (v Value) Kind() Kind { return v.kind }

// Offset returns the index in the document of v's first byte, for error
// messages (for Missing, 0 or where the value Get was asked of starts).
func (v Value) Offset() int { return v.off }

// Get returns the value of the member of object v named key (matched
// exactly), or Missing if there is none or v is null or Missing. When v
// is of another kind, the result's Kind is Missing but its accessors
// return the error of reading v as an object, so that a chain like
// v.Get("a").Get("b").Int() fails where the document does not fit.
func (v Value) Get(key string) Value {
	switch v.kind {
	case Object:
		for _, m := range v.obj {
			if m.Key == key {
				return m.Value
			}
		}
		return Value{}
	case Null:
		return Value{}
	case Missing:
		return v
	}
	return Value{off: v.off, s: v.wrongKind("object").Msg}
}

// zero returns the error for reading a Null or Missing v: nil, or the
// error Get carried into a Missing v.
// Not inlined: 8 call sites, 0.4 kB of the binary (issue 2).
//
//go:noinline
func (v Value) zero() error {
	if v.kind == Missing && v.s != "" {
		return &Error{Offset: v.off, Msg: v.s}
	}
	return nil
}

// wrongKind is the error for reading v as a want.
func (v Value) wrongKind(want string) *Error {
	got := v.kind.String()
	if v.kind == Number {
		got += " " + v.s
	}
	return &Error{Offset: v.off, Msg: "cannot read " + got + " as " + want}
}

// Bool returns a bool's value.
func (v Value) Bool() (bool, error) {
	switch v.kind {
	case Bool:
		return v.s == "true", nil
	case Null, Missing:
		return false, v.zero()
	}
	return false, v.wrongKind("bool")
}

// Str returns a string's text.
func (v Value) Str() (string, error) {
	switch v.kind {
	case String:
		return v.s, nil
	case Null, Missing:
		return "", v.zero()
	}
	return "", v.wrongKind("string")
}

// Int returns a number as an int64. As in encoding/json, the number must
// be written as an integer (no fraction, no exponent) that fits.
func (v Value) Int() (int64, error) {
	switch v.kind {
	case Number:
		if n, err := strconv.ParseInt(v.s, 10, 64); err == nil {
			return n, nil
		}
	case Null, Missing:
		return 0, v.zero()
	}
	return 0, v.wrongKind("int64")
}

// Uint returns a number as a uint64, on Int's terms.
func (v Value) Uint() (uint64, error) {
	switch v.kind {
	case Number:
		if n, err := strconv.ParseUint(v.s, 10, 64); err == nil {
			return n, nil
		}
	case Null, Missing:
		return 0, v.zero()
	}
	return 0, v.wrongKind("uint64")
}

// Literal returns a number as written in the document, like
// encoding/json's Number.
func (v Value) Literal() (string, error) {
	switch v.kind {
	case Number:
		return v.s, nil
	case Null, Missing:
		return "", v.zero()
	}
	return "", v.wrongKind("number")
}

// Array returns an array's elements: an empty slice for [], nil for null.
func (v Value) Array() ([]Value, error) {
	switch v.kind {
	case Array:
		return v.arr, nil
	case Null, Missing:
		return nil, v.zero()
	}
	return nil, v.wrongKind("array")
}

// Strings returns an array of strings: an empty slice for [], nil for
// null. An element that is null reads as "".
func (v Value) Strings() ([]string, error) {
	a, err := v.Array()
	if a == nil {
		return nil, err
	}
	ss := make([]string, len(a))
	for i, e := range a {
		if ss[i], err = e.Str(); err != nil {
			return nil, err
		}
	}
	return ss, nil
}

// Members returns an object's members in the order of the document,
// each key once (a key that repeats has its last value, at the place of
// its first): an empty slice for {}, nil for null.
func (v Value) Members() ([]Member, error) {
	switch v.kind {
	case Object:
		return v.obj, nil
	case Null, Missing:
		return nil, v.zero()
	}
	return nil, v.wrongKind("object")
}

// parser is one Parse in progress: a recursive descent parser as strict
// as encoding/json's scanner, which fails at the same byte with the same
// message.
type parser struct {
	data  []byte
	off   int
	depth int
}

// syntaxError reports the byte at p.off as out of place (context says
// where), or the end of the input as unexpected.
func (p *parser) syntaxError(context string) error {
	if p.off >= len(p.data) {
		return &Error{Offset: len(p.data), Msg: "unexpected end of JSON input"}
	}
	return &Error{Offset: p.off, Msg: "invalid character " + quoteChar(p.data[p.off]) + " " + context}
}

// tokenError is syntaxError inside a literal, a number or an escape,
// where encoding/json reports the end of the input as the space it
// pretends comes after it: "invalid character ' ' in literal true
// (expecting 'e')".
// Not inlined: 7 call sites, 0.8 kB of the binary (issue 2).
//
//go:noinline
func (p *parser) tokenError(context string) error {
	if p.off >= len(p.data) {
		return &Error{Offset: len(p.data), Msg: "invalid character ' ' " + context}
	}
	return p.syntaxError(context)
}

// quoteChar is encoding/json's quoting of a byte: 'x', '\n', '\x00'.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// skipSpace is not inlined: 10 call sites, 0.7 kB of the binary (issue 2).
//
//go:noinline
func (p *parser) skipSpace() {
	for p.off < len(p.data) {
		switch p.data[p.off] {
		case ' ', '\t', '\n', '\r':
			p.off++
		default:
			return
		}
	}
}

// value parses the value at p.off, where white space has been skipped.
func (p *parser) value() (Value, error) {
	if p.off >= len(p.data) {
		return Value{}, p.syntaxError("")
	}
	start := p.off
	switch c := p.data[p.off]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		return Value{kind: String, off: start, s: s}, err
	case c == 't':
		return Value{kind: Bool, off: start, s: "true"}, p.literal("true")
	case c == 'f':
		return Value{kind: Bool, off: start, s: "false"}, p.literal("false")
	case c == 'n':
		return Value{kind: Null, off: start}, p.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		err := p.number()
		return Value{kind: Number, off: start, s: string(p.data[start:p.off])}, err
	}
	return Value{}, p.syntaxError("looking for beginning of value")
}

// enter counts one more level of nesting at p.off.
func (p *parser) enter() error {
	if p.depth++; p.depth > maxDepth {
		return p.syntaxError("exceeded max depth")
	}
	return nil
}

// indexAt is the number of members from which object uses a map to find
// a repeated key, rather than a look at each member.
const indexAt = 16

func (p *parser) object() (Value, error) {
	v := Value{kind: Object, off: p.off, obj: []Member{}}
	if err := p.enter(); err != nil {
		return Value{}, err
	}
	p.off++ // {
	p.skipSpace()
	if p.off < len(p.data) && p.data[p.off] == '}' {
		p.off++
		p.depth--
		return v, nil
	}
	var index map[string]int // key -> position in v.obj, once there are indexAt
	for {
		if p.off >= len(p.data) || p.data[p.off] != '"' {
			return Value{}, p.syntaxError("looking for beginning of object key string")
		}
		key, err := p.str()
		if err != nil {
			return Value{}, err
		}
		p.skipSpace()
		if p.off >= len(p.data) || p.data[p.off] != ':' {
			return Value{}, p.syntaxError("after object key")
		}
		p.off++
		p.skipSpace()
		elem, err := p.value()
		if err != nil {
			return Value{}, err
		}

		at := -1
		if index != nil {
			if i, ok := index[key]; ok {
				at = i
			}
		} else {
			for i := range v.obj {
				if v.obj[i].Key == key {
					at = i
					break
				}
			}
		}
		if at >= 0 {
			v.obj[at].Value = elem // the last of a repeated key wins
		} else {
			v.obj = append(v.obj, Member{key, elem})
			switch {
			case index != nil:
				index[key] = len(v.obj) - 1
			case len(v.obj) == indexAt:
				index = make(map[string]int, 2*indexAt)
				for i, m := range v.obj {
					index[m.Key] = i
				}
			}
		}

		p.skipSpace()
		if p.off < len(p.data) {
			switch p.data[p.off] {
			case ',':
				p.off++
				p.skipSpace()
				continue
			case '}':
				p.off++
				p.depth--
				return v, nil
			}
		}
		return Value{}, p.syntaxError("after object key:value pair")
	}
}

func (p *parser) array() (Value, error) {
	v := Value{kind: Array, off: p.off, arr: []Value{}}
	if err := p.enter(); err != nil {
		return Value{}, err
	}
	p.off++ // [
	p.skipSpace()
	if p.off < len(p.data) && p.data[p.off] == ']' {
		p.off++
		p.depth--
		return v, nil
	}
	for {
		elem, err := p.value()
		if err != nil {
			return Value{}, err
		}
		v.arr = append(v.arr, elem)
		p.skipSpace()
		if p.off < len(p.data) {
			switch p.data[p.off] {
			case ',':
				p.off++
				p.skipSpace()
				continue
			case ']':
				p.off++
				p.depth--
				return v, nil
			}
		}
		return Value{}, p.syntaxError("after array element")
	}
}

// str parses the string at p.off and returns its text: the input itself
// when it has no escapes and is valid UTF-8, else unquoted as
// encoding/json unquotes it.
func (p *parser) str() (string, error) {
	p.off++ // "
	start := p.off
	plain := true
	for {
		if p.off >= len(p.data) {
			return "", p.syntaxError("")
		}
		c := p.data[p.off]
		switch {
		case c == '"':
			s := p.data[start:p.off]
			p.off++
			if plain {
				return string(s), nil
			}
			return string(unquote(s)), nil
		case c == '\\':
			plain = false
			p.off++
			if p.off >= len(p.data) {
				return "", p.tokenError("in string escape code")
			}
			switch p.data[p.off] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.off++
			case 'u':
				p.off++
				for range 4 {
					if p.off >= len(p.data) || unhex(p.data[p.off]) < 0 {
						return "", p.tokenError("in \\u hexadecimal character escape")
					}
					p.off++
				}
			default:
				return "", p.syntaxError("in string escape code")
			}
		case c < ' ':
			return "", p.syntaxError("in string literal")
		case c < utf8.RuneSelf:
			p.off++
		default:
			r, size := utf8.DecodeRune(p.data[p.off:])
			if r == utf8.RuneError && size == 1 {
				plain = false
			}
			p.off += size
		}
	}
}

func unhex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// u4 is the rune of the \uXXXX at the start of s, or -1.
func u4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		r = r<<4 | unhex(c)
	}
	return r
}

// unquote decodes the body of a string that str has checked: escapes, a
// surrogate pair into its rune, a lone surrogate or a byte of invalid
// UTF-8 into U+FFFD (encoding/json's unquoteBytes).
func unquote(s []byte) []byte {
	b := make([]byte, 0, len(s)+2*utf8.UTFMax)
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			switch e := s[r+1]; e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := u4(s[r:])
				r += 6
				if 0xD800 <= rr && rr < 0xE000 {
					rr1 := u4(s[r:])
					if rr < 0xDC00 && 0xDC00 <= rr1 && rr1 < 0xE000 {
						r += 6
						b = utf8.AppendRune(b, (rr-0xD800)<<10|(rr1-0xDC00)+0x10000)
						continue
					}
					rr = utf8.RuneError
				}
				b = utf8.AppendRune(b, rr)
				continue
			default: // " \ /
				b = append(b, e)
			}
			r += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			b = utf8.AppendRune(b, rr)
			r += size
		}
	}
	return b
}

// literal checks that the word true, false or null is at p.off and moves
// past it.
func (p *parser) literal(word string) error {
	for i := range len(word) {
		if p.off >= len(p.data) || p.data[p.off] != word[i] {
			return p.tokenError("in literal " + word + " (expecting " + quoteChar(word[i]) + ")")
		}
		p.off++
	}
	return nil
}

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at p.off
// and moves past it.
func (p *parser) number() error {
	digits := func(context string) error {
		if p.off >= len(p.data) || p.data[p.off] < '0' || p.data[p.off] > '9' {
			return p.tokenError(context)
		}
		for p.off < len(p.data) && '0' <= p.data[p.off] && p.data[p.off] <= '9' {
			p.off++
		}
		return nil
	}
	if p.data[p.off] == '-' {
		p.off++
	}
	if p.off < len(p.data) && p.data[p.off] == '0' {
		p.off++
	} else if err := digits("in numeric literal"); err != nil {
		return err
	}
	if p.off < len(p.data) && p.data[p.off] == '.' {
		p.off++
		if err := digits("after decimal point in numeric literal"); err != nil {
			return err
		}
	}
	if p.off < len(p.data) && (p.data[p.off] == 'e' || p.data[p.off] == 'E') {
		p.off++
		if p.off < len(p.data) && (p.data[p.off] == '+' || p.data[p.off] == '-') {
			p.off++
		}
		if err := digits("in exponent of numeric literal"); err != nil {
			return err
		}
	}
	return nil
}
