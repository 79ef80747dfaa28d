package jsonlite

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// maxDepth bounds nesting, writing and reading alike: encoding/json's
// scanner rejects documents nested deeper than 10000 arrays and objects,
// and a cycle of pointers must end in an error, not a stack overflow.
const maxDepth = 10000

// encodeState is one marshal in progress. Encoders take and return the
// output buffer rather than append to buf, so that appending stores no
// pointer to the heap (a write barrier per value while the collector
// runs); buf only keeps it between marshals.
type encodeState struct {
	escapeHTML bool
	depth      int
	buf        []byte
}

// encoderFunc appends the JSON of v to b.
type encoderFunc func(e *encodeState, b []byte, v reflect.Value) ([]byte, error)

var (
	encoderCache  sync.Map // reflect.Type -> encoderFunc
	encodeStates  sync.Pool
	marshalerType = reflect.TypeFor[Marshaler]()
	// TextMarshaler and TextUnmarshaler (of package encoding) are outside
	// the subset: encoding/json would use them, so their types are errors.
	textMarshalerType   = reflect.TypeFor[interface{ MarshalText() ([]byte, error) }]()
	unmarshalerType     = reflect.TypeFor[interface{ UnmarshalJSON([]byte) error }]()
	textUnmarshalerType = reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()
)

func marshal(v any, escapeHTML bool) ([]byte, error) {
	e, _ := encodeStates.Get().(*encodeState)
	if e == nil {
		e = &encodeState{}
	}
	e.escapeHTML, e.depth = escapeHTML, 0
	b, err := e.value(e.buf[:0], reflect.ValueOf(v))
	var out []byte
	if err == nil {
		out = slices.Clone(b)
	}
	if cap(b) <= 1<<20 {
		e.buf = b
		encodeStates.Put(e)
	}
	return out, err
}

func (e *encodeState) value(b []byte, v reflect.Value) ([]byte, error) {
	if !v.IsValid() {
		return append(b, "null"...), nil
	}
	return typeEncoder(v.Type())(e, b, v)
}

// typeEncoder returns the encoder for t, building it once. A recursive
// type meets a stand-in that waits for the real encoder, as in
// encoding/json.
func typeEncoder(t reflect.Type) encoderFunc {
	if f, ok := encoderCache.Load(t); ok {
		return f.(encoderFunc)
	}
	var (
		wg sync.WaitGroup
		f  encoderFunc
	)
	wg.Add(1)
	stand, loaded := encoderCache.LoadOrStore(t, encoderFunc(func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
		wg.Wait()
		return f(e, b, v)
	}))
	if loaded {
		return stand.(encoderFunc)
	}
	f = newTypeEncoder(t, true)
	wg.Done()
	encoderCache.Store(t, f)
	return f
}

// newTypeEncoder builds t's encoder. With allowAddr, a type whose pointer
// has MarshalJSON uses it where the value is addressable, as
// encoding/json does.
func newTypeEncoder(t reflect.Type, allowAddr bool) encoderFunc {
	if t.Kind() != reflect.Pointer && allowAddr && reflect.PointerTo(t).Implements(marshalerType) {
		byValue := newTypeEncoder(t, false)
		return func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
			if v.CanAddr() {
				return marshalerEncoder(e, b, v.Addr())
			}
			return byValue(e, b, v)
		}
	}
	if t.Implements(marshalerType) {
		return marshalerEncoder
	}
	if t.Implements(textMarshalerType) || t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textMarshalerType) {
		return unsupported(t, "it implements encoding.TextMarshaler")
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(_ *encodeState, b []byte, v reflect.Value) ([]byte, error) {
			return strconv.AppendBool(b, v.Bool()), nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(_ *encodeState, b []byte, v reflect.Value) ([]byte, error) {
			return strconv.AppendInt(b, v.Int(), 10), nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(_ *encodeState, b []byte, v reflect.Value) ([]byte, error) {
			return strconv.AppendUint(b, v.Uint(), 10), nil
		}
	case reflect.Float32:
		return floatEncoder(32)
	case reflect.Float64:
		return floatEncoder(64)
	case reflect.String:
		return func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
			return appendString(b, v.String(), e.escapeHTML), nil
		}
	case reflect.Interface:
		return interfaceEncoder
	case reflect.Struct:
		return newStructEncoder(t)
	case reflect.Map:
		return newMapEncoder(t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return unsupported(t, "encoding/json would write it as base64")
		}
		return newSliceEncoder(t)
	case reflect.Array:
		return newArrayEncoder(t)
	case reflect.Pointer:
		return newPtrEncoder(t)
	}
	return unsupported(t, "")
}

// unsupported is the encoder of a type outside the subset.
func unsupported(t reflect.Type, why string) encoderFunc {
	err := fmt.Errorf("json: unsupported type %s", t)
	if why != "" {
		err = fmt.Errorf("json: unsupported type %s: %s", t, why)
	}
	return func(_ *encodeState, b []byte, _ reflect.Value) ([]byte, error) { return b, err }
}

func (e *encodeState) enter(t reflect.Type) error {
	if e.depth++; e.depth > maxDepth {
		return fmt.Errorf("json: unsupported value: nested more than %d levels deep (a cycle?) via %s", maxDepth, t)
	}
	return nil
}

func marshalerEncoder(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return append(b, "null"...), nil
	}
	m, ok := reflect.TypeAssert[Marshaler](v)
	if !ok {
		return append(b, "null"...), nil
	}
	out, err := m.MarshalJSON()
	if err == nil {
		b, err = appendCompact(b, out, e.escapeHTML)
	}
	if err != nil {
		return b, fmt.Errorf("json: error calling MarshalJSON for type %s: %w", v.Type(), err)
	}
	return b, nil
}

// floatEncoder formats as encoding/json does (ES6 number to string):
// 'f' between 1e-6 and 1e21, else 'e' with a minimal exponent.
func floatEncoder(bits int) encoderFunc {
	return func(_ *encodeState, b []byte, v reflect.Value) ([]byte, error) {
		f := v.Float()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return b, fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(f, 'g', -1, bits))
		}
		abs := math.Abs(f)
		format := byte('f')
		if abs != 0 {
			if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
				format = 'e'
			}
		}
		b = strconv.AppendFloat(b, f, format, -1, bits)
		if format == 'e' {
			// e-09 -> e-9
			if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
				b[n-2] = b[n-1]
				b = b[:n-1]
			}
		}
		return b, nil
	}
}

func interfaceEncoder(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	if err := e.enter(v.Type()); err != nil {
		return b, err
	}
	b, err := e.value(b, v.Elem())
	e.depth--
	return b, err
}

// encField is a struct field with its name written out: `"name":`.
type encField struct {
	index             int
	omitEmpty         bool
	nameHTML, nameRaw string
	enc               encoderFunc
}

func newStructEncoder(t reflect.Type) encoderFunc {
	fs, err := fieldsOf(t)
	if err != nil {
		return unsupported(t, err.Error())
	}
	efs := make([]encField, len(fs))
	for i, f := range fs {
		efs[i] = encField{
			index:     f.index,
			omitEmpty: f.omitEmpty,
			nameHTML:  string(appendString(nil, f.name, true)) + ":",
			nameRaw:   string(appendString(nil, f.name, false)) + ":",
			enc:       typeEncoder(f.typ),
		}
	}
	return func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
		if err := e.enter(t); err != nil {
			return b, err
		}
		b = append(b, '{')
		first := true
		for i := range efs {
			f := &efs[i]
			fv := v.Field(f.index)
			if f.omitEmpty && isEmpty(fv) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			if e.escapeHTML {
				b = append(b, f.nameHTML...)
			} else {
				b = append(b, f.nameRaw...)
			}
			var err error
			if b, err = f.enc(e, b, fv); err != nil {
				return b, err
			}
		}
		e.depth--
		return append(b, '}'), nil
	}
}

// isEmpty is omitempty's test, encoding/json's isEmptyValue.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

func newMapEncoder(t reflect.Type) encoderFunc {
	if t.Key().Kind() != reflect.String {
		return unsupported(t, "map keys must be strings")
	}
	elem := typeEncoder(t.Elem())
	return func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if err := e.enter(t); err != nil {
			return b, err
		}
		// Sorting the keys alone reuses the binary's one sort of strings
		// (a sort of key-value pairs would add its own 12 kB).
		keys := make([]string, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			keys = append(keys, it.Key().String())
		}
		slices.Sort(keys)
		kv := reflect.New(t.Key()).Elem()
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k, e.escapeHTML)
			b = append(b, ':')
			kv.SetString(k)
			var err error
			if b, err = elem(e, b, v.MapIndex(kv)); err != nil {
				return b, err
			}
		}
		e.depth--
		return append(b, '}'), nil
	}
}

func newSliceEncoder(t reflect.Type) encoderFunc {
	array := newArrayEncoder(t)
	return func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return array(e, b, v)
	}
}

func newArrayEncoder(t reflect.Type) encoderFunc {
	elem := typeEncoder(t.Elem())
	return func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
		if err := e.enter(t); err != nil {
			return b, err
		}
		b = append(b, '[')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = elem(e, b, v.Index(i)); err != nil {
				return b, err
			}
		}
		e.depth--
		return append(b, ']'), nil
	}
}

func newPtrEncoder(t reflect.Type) encoderFunc {
	elem := typeEncoder(t.Elem())
	return func(e *encodeState, b []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if err := e.enter(t); err != nil {
			return b, err
		}
		b, err := elem(e, b, v.Elem())
		e.depth--
		return b, err
	}
}

const hex = "0123456789abcdef"

// safeASCII says which ASCII bytes a string holds as they are: [0] all but
// control characters, '"' and '\\'; [1] also not '<', '>' and '&'.
var safeASCII = func() (t [2][utf8.RuneSelf]bool) {
	for b := byte(' '); b < utf8.RuneSelf; b++ {
		t[0][b] = b != '"' && b != '\\'
		t[1][b] = t[0][b] && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// appendString appends s quoted as encoding/json quotes it: \" \\ \b \f
// \n \r \t, other control characters as \u00XX, invalid UTF-8 as \ufffd,
// U+2028 and U+2029 escaped (JSONP), and with escapeHTML '<', '>' and '&'
// as \u003c, \u003e, \u0026.
func appendString(dst []byte, s string, escapeHTML bool) []byte {
	safe := &safeASCII[0]
	if escapeHTML {
		safe = &safeASCII[1]
	}
	dst = append(dst, '"')
	start := 0
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
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendCompact appends the JSON document src, checked, without the
// whitespace between tokens and, with escape, with '<', '>', '&', U+2028
// and U+2029 escaped: what encoding/json makes of a MarshalJSON result.
func appendCompact(dst, src []byte, escape bool) ([]byte, error) {
	if err := unmarshal(src, reflect.Value{}); err != nil {
		return dst, err
	}
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case inString && c == '\\':
			dst = append(dst, c, src[i+1])
			i++
			continue
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			continue
		case escape && (c == '<' || c == '>' || c == '&'):
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			continue
		case escape && c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8:
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[src[i+2]&0xF])
			i += 2
			continue
		}
		dst = append(dst, c)
	}
	return dst, nil
}

// appendIndent appends the compact JSON src (this package's output)
// indented as encoding/json's Indent does: a newline, prefix and one
// indent per level before each element and closing bracket, ": " after
// keys, and [] and {} kept on one line. The first line gets no prefix.
func appendIndent(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
	}
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			dst = append(dst, c)
			if c == '\\' {
				i++
				dst = append(dst, src[i])
			} else if c == '"' {
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			dst = append(dst, c)
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, c, ' ')
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
