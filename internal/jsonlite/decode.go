package jsonlite

import (
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"unicode/utf8"
)

// decodeState is one Unmarshal in progress: a recursive descent parser
// that checks the grammar as strictly as encoding/json's scanner and
// stores values as it goes. An invalid reflect.Value target means "check
// and skip".
type decodeState struct {
	data  []byte
	off   int
	depth int
}

// unmarshal parses data into v (settable, or invalid to only check it).
func unmarshal(data []byte, v reflect.Value) error {
	d := decodeState{data: data}
	d.skipSpace()
	if err := d.value(v); err != nil {
		if te, ok := err.(*typeError); ok && v.IsValid() {
			te.path = v.Type().String() + te.path
		}
		return err
	}
	d.skipSpace()
	if d.off < len(d.data) {
		return d.syntaxError("after top-level value")
	}
	return nil
}

// syntaxError is a violation of the grammar at byte off.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	if e.msg == "" {
		return "unexpected end of JSON input"
	}
	return fmt.Sprintf("byte %d: %s", e.off, e.msg)
}

// typeError is a value that does not fit its Go type, at byte off, in
// the field or element that path names.
type typeError struct {
	off   int
	value string // "string", "number 1.5", "object"...
	typ   reflect.Type
	path  string
	why   string // for a type outside the subset
}

func (e *typeError) Error() string {
	if e.why != "" {
		return fmt.Sprintf("byte %d: cannot unmarshal %s into %s: unsupported type %s: %s", e.off, e.value, e.path, e.typ, e.why)
	}
	return fmt.Sprintf("byte %d: cannot unmarshal %s into %s of type %s", e.off, e.value, e.path, e.typ)
}

// syntaxError reports the byte at d.off, or the end of the input.
func (d *decodeState) syntaxError(context string) error {
	if d.off >= len(d.data) {
		return &syntaxError{off: d.off}
	}
	return &syntaxError{off: d.off, msg: "invalid character " + quoteChar(d.data[d.off]) + " " + context}
}

// quoteChar is encoding/json's: 'x', '\n', '\x00'.
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

func (d *decodeState) skipSpace() {
	for d.off < len(d.data) {
		switch d.data[d.off] {
		case ' ', '\t', '\n', '\r':
			d.off++
		default:
			return
		}
	}
}

// value parses the value at d.off (after whitespace) into v.
func (d *decodeState) value(v reflect.Value) error {
	if d.off >= len(d.data) {
		return d.syntaxError("")
	}
	c := d.data[d.off]
	if v.IsValid() {
		// Follow pointers, allocating, as encoding/json's indirect does;
		// null sets the first pointer to nil.
		for v.Kind() == reflect.Pointer {
			if c == 'n' {
				if err := d.literal("null"); err != nil {
					return err
				}
				v.SetZero()
				return nil
			}
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		if why := unsupportedDecode(v.Type()); why != "" {
			return &typeError{off: d.off, value: kindOf(c), typ: v.Type(), why: why}
		}
	}
	switch {
	case c == '{':
		return d.object(v)
	case c == '[':
		return d.array(v)
	case c == '"':
		return d.stringValue(v)
	case c == 't':
		return d.boolValue(v, "true")
	case c == 'f':
		return d.boolValue(v, "false")
	case c == 'n':
		// null: no change to anything that is not a pointer, map or
		// slice (pointers were handled above).
		if err := d.literal("null"); err != nil {
			return err
		}
		if v.IsValid() && (v.Kind() == reflect.Map || v.Kind() == reflect.Slice) {
			v.SetZero()
		}
		return nil
	case c == '-' || '0' <= c && c <= '9':
		return d.number(v)
	}
	return d.syntaxError("looking for beginning of value")
}

// kindOf names the JSON value starting with c, for type errors.
func kindOf(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

var decodeCheckCache sync.Map // reflect.Type -> string

// unsupportedDecode says why Unmarshal cannot store into type t, or "".
func unsupportedDecode(t reflect.Type) string {
	if why, ok := decodeCheckCache.Load(t); ok {
		return why.(string)
	}
	why := ""
	pt := reflect.PointerTo(t)
	switch {
	case pt.Implements(unmarshalerType):
		why = "it implements json.Unmarshaler"
	case pt.Implements(textUnmarshalerType):
		why = "it implements encoding.TextUnmarshaler"
	default:
		switch t.Kind() {
		case reflect.Bool, reflect.String, reflect.Array, reflect.Pointer,
			reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
			reflect.Float32, reflect.Float64:
		case reflect.Struct:
			if _, err := fieldsOf(t); err != nil {
				why = err.Error()
			}
		case reflect.Slice:
			if t.Elem().Kind() == reflect.Uint8 {
				why = "encoding/json would read it as base64"
			}
		case reflect.Map:
			if t.Key().Kind() != reflect.String {
				why = "map keys must be strings"
			}
		default:
			why = "not in jsonlite's subset"
		}
	}
	decodeCheckCache.Store(t, why)
	return why
}

func (d *decodeState) enter() error {
	if d.depth++; d.depth > maxDepth {
		return d.syntaxError("exceeded max depth")
	}
	return nil
}

func (d *decodeState) object(v reflect.Value) error {
	start := d.off
	if err := d.enter(); err != nil {
		return err
	}
	d.off++ // {
	var (
		fields  []field
		mapElem reflect.Value
	)
	if v.IsValid() {
		switch v.Kind() {
		case reflect.Struct:
			fields, _ = fieldsOf(v.Type()) // checked by unsupportedDecode
		case reflect.Map:
			if v.IsNil() {
				v.Set(reflect.MakeMap(v.Type()))
			}
			mapElem = reflect.New(v.Type().Elem()).Elem()
		default:
			return &typeError{off: start, value: "object", typ: v.Type()}
		}
	}
	d.skipSpace()
	if d.off < len(d.data) && d.data[d.off] == '}' {
		d.off++
		d.depth--
		return nil
	}
	for {
		if d.off >= len(d.data) || d.data[d.off] != '"' {
			return d.syntaxError("looking for beginning of object key string")
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		d.skipSpace()
		if d.off >= len(d.data) || d.data[d.off] != ':' {
			return d.syntaxError("after object key")
		}
		d.off++
		d.skipSpace()

		var sub reflect.Value
		var name string
		switch {
		case mapElem.IsValid():
			mapElem.SetZero()
			sub = mapElem
		case fields != nil:
			if f := lookup(fields, key); f != nil {
				sub = v.Field(f.index)
				name = f.name
			}
		}
		if err := d.value(sub); err != nil {
			if te, ok := err.(*typeError); ok {
				if mapElem.IsValid() {
					te.path = "[" + strconv.Quote(string(key)) + "]" + te.path
				} else {
					te.path = "." + name + te.path
				}
			}
			return err
		}
		if mapElem.IsValid() {
			k := reflect.New(v.Type().Key()).Elem()
			k.SetString(string(key))
			v.SetMapIndex(k, mapElem)
		}

		d.skipSpace()
		if d.off < len(d.data) {
			switch d.data[d.off] {
			case ',':
				d.off++
				d.skipSpace()
				continue
			case '}':
				d.off++
				d.depth--
				return nil
			}
		}
		return d.syntaxError("after object key:value pair")
	}
}

// array fills a slice or array as encoding/json does: a slice keeps its
// backing array and is grown and cut to the number of elements (and is
// empty, not nil, for []); an array drops extra elements and zeroes the
// rest.
func (d *decodeState) array(v reflect.Value) error {
	start := d.off
	if err := d.enter(); err != nil {
		return err
	}
	d.off++ // [
	if v.IsValid() && v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return &typeError{off: start, value: "array", typ: v.Type()}
	}
	d.skipSpace()
	i := 0
	if d.off < len(d.data) && d.data[d.off] == ']' {
		d.off++
	} else {
		for {
			var elem reflect.Value
			if v.IsValid() {
				if v.Kind() == reflect.Slice {
					if i >= v.Cap() {
						v.Grow(1)
					}
					if i >= v.Len() {
						v.SetLen(i + 1)
					}
				}
				if i < v.Len() {
					elem = v.Index(i)
				}
			}
			if err := d.value(elem); err != nil {
				if te, ok := err.(*typeError); ok {
					te.path = "[" + strconv.Itoa(i) + "]" + te.path
				}
				return err
			}
			i++
			d.skipSpace()
			if d.off < len(d.data) && d.data[d.off] == ',' {
				d.off++
				d.skipSpace()
				continue
			}
			if d.off < len(d.data) && d.data[d.off] == ']' {
				d.off++
				break
			}
			return d.syntaxError("after array element")
		}
	}
	d.depth--
	if !v.IsValid() {
		return nil
	}
	if i < v.Len() {
		if v.Kind() == reflect.Array {
			for ; i < v.Len(); i++ {
				v.Index(i).SetZero()
			}
		} else {
			v.SetLen(i)
		}
	}
	if i == 0 && v.Kind() == reflect.Slice {
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	}
	return nil
}

func (d *decodeState) stringValue(v reflect.Value) error {
	start := d.off
	s, err := d.str()
	if err != nil || !v.IsValid() {
		return err
	}
	if v.Kind() != reflect.String {
		return &typeError{off: start, value: "string", typ: v.Type()}
	}
	v.SetString(string(s))
	return nil
}

// str parses the string at d.off and returns its value: the input itself
// when it has no escapes and is valid UTF-8, else unquoted as
// encoding/json does.
func (d *decodeState) str() ([]byte, error) {
	d.off++ // "
	start := d.off
	plain := true
	for {
		if d.off >= len(d.data) {
			return nil, d.syntaxError("")
		}
		c := d.data[d.off]
		switch {
		case c == '"':
			s := d.data[start:d.off]
			d.off++
			if plain {
				return s, nil
			}
			return unquote(s), nil
		case c == '\\':
			plain = false
			d.off++
			if d.off >= len(d.data) {
				return nil, d.syntaxError("")
			}
			switch d.data[d.off] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.off++
			case 'u':
				d.off++
				for range 4 {
					if d.off >= len(d.data) {
						return nil, d.syntaxError("")
					}
					if unhex(d.data[d.off]) < 0 {
						return nil, d.syntaxError("in \\u hexadecimal character escape")
					}
					d.off++
				}
			default:
				return nil, d.syntaxError("in string escape code")
			}
		case c < ' ':
			return nil, d.syntaxError("in string literal")
		case c < utf8.RuneSelf:
			d.off++
		default:
			r, size := utf8.DecodeRune(d.data[d.off:])
			if r == utf8.RuneError && size == 1 {
				plain = false
			}
			d.off += size
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

// unquote decodes the body of a string str has checked: escapes, a
// surrogate pair into its rune, a lone surrogate or invalid UTF-8 byte
// into U+FFFD (encoding/json's unquoteBytes).
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

// literal checks that the literal word is at d.off and moves past it.
func (d *decodeState) literal(word string) error {
	for i := range len(word) {
		if d.off >= len(d.data) {
			return d.syntaxError("")
		}
		if d.data[d.off] != word[i] {
			return d.syntaxError("in literal " + word + " (expecting " + quoteChar(word[i]) + ")")
		}
		d.off++
	}
	return nil
}

func (d *decodeState) boolValue(v reflect.Value, word string) error {
	start := d.off
	if err := d.literal(word); err != nil || !v.IsValid() {
		return err
	}
	if v.Kind() != reflect.Bool {
		return &typeError{off: start, value: "bool", typ: v.Type()}
	}
	v.SetBool(word == "true")
	return nil
}

// number parses -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and
// stores it as encoding/json does: an integer kind takes only what
// strconv.ParseInt (ParseUint) takes, and nothing may overflow.
func (d *decodeState) number(v reflect.Value) error {
	start := d.off
	digits := func(context string) error {
		if d.off >= len(d.data) {
			return d.syntaxError("")
		}
		if c := d.data[d.off]; c < '0' || c > '9' {
			return d.syntaxError(context)
		}
		for d.off < len(d.data) && '0' <= d.data[d.off] && d.data[d.off] <= '9' {
			d.off++
		}
		return nil
	}
	if d.data[d.off] == '-' {
		d.off++
	}
	if d.off < len(d.data) && d.data[d.off] == '0' {
		d.off++
	} else if err := digits("in numeric literal"); err != nil {
		return err
	}
	if d.off < len(d.data) && d.data[d.off] == '.' {
		d.off++
		if err := digits("after decimal point in numeric literal"); err != nil {
			return err
		}
	}
	if d.off < len(d.data) && (d.data[d.off] == 'e' || d.data[d.off] == 'E') {
		d.off++
		if d.off < len(d.data) && (d.data[d.off] == '+' || d.data[d.off] == '-') {
			d.off++
		}
		if err := digits("in exponent of numeric literal"); err != nil {
			return err
		}
	}
	if !v.IsValid() {
		return nil
	}
	lit := string(d.data[start:d.off])
	bad := false
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(lit, 10, 64)
		if bad = err != nil || v.OverflowInt(n); !bad {
			v.SetInt(n)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(lit, 10, 64)
		if bad = err != nil || v.OverflowUint(n); !bad {
			v.SetUint(n)
		}
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(lit, v.Type().Bits())
		if bad = err != nil || v.OverflowFloat(n); !bad {
			v.SetFloat(n)
		}
	default:
		return &typeError{off: start, value: "number", typ: v.Type()}
	}
	if bad {
		return &typeError{off: start, value: "number " + lit, typ: v.Type()}
	}
	return nil
}
