//go:build !gosinit_fmt

// Package textf is the part of fmt that gosinit's messages use: Sprintf,
// Errorf (with %w), Fprintf and Appendf over strings, numbers, booleans,
// errors, Stringers and slices of strings and ints.
//
// It exists for the binary size budget (issue 2: at most 2.5 MB). fmt
// formats any value through reflect, and with flag and the reflect-based
// JSON codec it cost gosinit about 390 kB of its 2.83 MB: code, and the
// function tables the runtime keeps for every linked function. textf
// decides by a type switch instead, so nothing in the binary links reflect.
//
// For the verbs and types it supports the output is fmt's, byte for byte;
// the tests hold it to that, differentially against fmt. Those are:
//
//	%v %s  string, []byte, error, Stringer, bool, ints, uints, floats,
//	       []string, []int, nil
//	%q     string, []byte, error, Stringer, []string; an int as a quoted rune
//	%d     ints, uints, []int      %c %U   ints (runes)
//	%x %X  ints, uints, string, []byte      %o %O %b  ints, uints
//	%e %f %g  floats               %t      bool
//	%w     error (Errorf only; any number of them, as fmt)
//	%%
//
// with the flags '-', '+', ' ' and '0', a width and a precision (both may
// be *), and '#' with x X o O q U b only (not %#v, Go syntax). A type outside that list prints as %!v(unsupported) instead of
// fmt's rendering (textf cannot see a type's name without reflect), and a
// named type is supported only through a String or Error method: a named
// int without one is unsupported. `make unit` vets the calls as fmt's
// (see vet.go), and TestCallSitesUseSupportedOperands checks every call's
// operands against the list above.
package textf

import (
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// Sprintf formats according to format, as fmt.Sprintf.
// Not inlined: inlined at its 30 call sites, the buffer and the string
// conversion were copied into each.
//
//go:noinline
func Sprintf(format string, a ...any) string {
	p := printer{buf: make([]byte, 0, len(format)+32)}
	p.printf(format, a)
	return string(p.buf)
}

// Appendf appends the formatted text to b, as fmt.Appendf.
func Appendf(b []byte, format string, a ...any) []byte {
	p := printer{buf: b}
	p.printf(format, a)
	return p.buf
}

// Fprintf writes the formatted text to w, as fmt.Fprintf.
func Fprintf(w io.Writer, format string, a ...any) (int, error) {
	p := printer{buf: make([]byte, 0, len(format)+32)}
	p.printf(format, a)
	return w.Write(p.buf)
}

// Errorf returns an error whose text is the formatted text. As with
// fmt.Errorf, each %w operand must be an error and is wrapped: errors.Is
// and errors.As see through one %w (Unwrap() error) or several
// (Unwrap() []error).
func Errorf(format string, a ...any) error {
	p := printer{buf: make([]byte, 0, len(format)+32), wrapOK: true}
	p.printf(format, a)
	msg := string(p.buf)
	switch len(p.wrapped) {
	case 0:
		return errors.New(msg)
	case 1:
		return &wrapError{msg: msg, err: p.wrapped[0]}
	}
	return &wrapErrors{msg, p.wrapped}
}

// wrapError is incomparable (nothing compares two with ==): a comparable
// struct's type descriptor reaches a generated equality function (text).
type wrapError struct {
	_   [0]func()
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }

type wrapErrors struct {
	msg  string
	errs []error
}

func (e *wrapErrors) Error() string   { return e.msg }
func (e *wrapErrors) Unwrap() []error { return e.errs }

// spec is one parsed verb: %[flags][width][.prec]verb.
type spec struct {
	minus, plus, sharp, space, zero bool
	width, prec                     int // -1: not given
	verb                            rune
}

type printer struct {
	buf     []byte
	wrapOK  bool
	wrapped []error
}

func (p *printer) printf(format string, a []any) {
	argi := 0
	end := len(format)
	for i := 0; i < end; {
		lasti := i
		for i < end && format[i] != '%' {
			i++
		}
		p.buf = append(p.buf, format[lasti:i]...)
		if i >= end {
			break
		}
		i++ // '%'
		s := spec{width: -1, prec: -1}
	flags:
		for ; i < end; i++ {
			switch format[i] {
			case '-':
				s.minus, s.zero = true, false
			case '+':
				s.plus = true
			case '#':
				s.sharp = true
			case ' ':
				s.space = true
			case '0':
				s.zero = !s.minus
			default:
				break flags
			}
		}
		// width
		if i < end && format[i] == '*' {
			i++
			if n, ok := starArg(a, &argi); !ok {
				p.buf = append(p.buf, "%!(BADWIDTH)"...)
			} else if s.width = n; n < 0 {
				s.minus, s.zero, s.width = true, false, -n
			}
		} else {
			s.width, i = num(format, i)
		}
		// precision
		if i < end && format[i] == '.' {
			i++
			if i < end && format[i] == '*' {
				i++
				if n, ok := starArg(a, &argi); !ok {
					p.buf = append(p.buf, "%!(BADPREC)"...)
				} else if n >= 0 {
					s.prec = n
				} else {
					s.prec = -1
				}
			} else {
				s.prec, i = num(format, i)
				if s.prec < 0 {
					s.prec = 0
				}
			}
		}
		if i >= end {
			p.buf = append(p.buf, "%!(NOVERB)"...)
			break
		}
		verb, size := rune(format[i]), 1
		if verb >= utf8.RuneSelf {
			verb, size = utf8.DecodeRuneInString(format[i:])
		}
		i += size
		s.verb = verb
		if verb == 'v' {
			s.plus = false // fmt's %+v adds struct field names; numbers get no sign
		}
		switch {
		case verb == '%':
			p.buf = append(p.buf, '%')
		case argi >= len(a):
			p.buf = append(p.buf, '%', '!')
			p.buf = utf8.AppendRune(p.buf, verb)
			p.buf = append(p.buf, "(MISSING)"...)
		default:
			p.arg(&s, a[argi])
			argi++
		}
	}
	if argi < len(a) {
		p.buf = append(p.buf, "%!(EXTRA "...)
		for k, arg := range a[argi:] {
			if k > 0 {
				p.buf = append(p.buf, ", "...)
			}
			if arg == nil {
				p.buf = append(p.buf, "<nil>"...)
				continue
			}
			p.buf = append(p.buf, '?', '=')
			p.arg(&spec{width: -1, prec: -1, verb: 'v'}, arg)
		}
		p.buf = append(p.buf, ')')
	}
}

// num reads a decimal number at s[i:]; -1 if there is none.
func num(s string, i int) (int, int) {
	n, start := 0, i
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		if n > 1e6 {
			return -1, len(s) // absurd, as fmt's tooLarge
		}
		n = n*10 + int(s[i]-'0')
	}
	if i == start {
		return -1, i
	}
	return n, i
}

// starArg takes the operand of a '*' width or precision, which must be an
// int; ok is false when it is missing or is not one.
// Not inlined: 0.5 kB of the binary (issue 2).
//
//go:noinline
func starArg(a []any, argi *int) (n int, ok bool) {
	if *argi >= len(a) {
		return 0, false
	}
	*argi++
	return intArg(a[*argi-1])
}

func intArg(a any) (int, bool) {
	switch v := a.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case int32:
		return int(v), true
	case uint:
		return int(v), true
	}
	return 0, false
}

// arg formats one operand.
func (p *printer) arg(s *spec, a any) {
	if s.verb == 'w' {
		err, ok := a.(error)
		if !ok || !p.wrapOK {
			p.bad(s)
			return
		}
		p.wrapped = append(p.wrapped, err)
		s.verb = 'v'
	}
	switch v := a.(type) {
	case nil:
		if s.verb == 'v' {
			p.pad(s, []byte("<nil>"))
			return
		}
		p.bad(s)
	case string:
		p.str(s, v)
	case []byte:
		if s.verb == 'v' || s.verb == 'd' {
			// fmt prints a []byte under %v and %d as a list of numbers
			p.buf = append(p.buf, '[')
			for k, c := range v {
				if k > 0 {
					p.buf = append(p.buf, ' ')
				}
				p.integer(s, uint64(c), false)
			}
			p.buf = append(p.buf, ']')
			return
		}
		p.str(s, string(v))
	case error:
		p.stringer(s, v.Error)
	case interface{ String() string }:
		p.stringer(s, v.String)
	case bool:
		if s.verb != 'v' && s.verb != 't' {
			p.bad(s)
			return
		}
		p.pad(s, strconv.AppendBool(nil, v))
	case int:
		p.integer(s, uint64(v), v < 0)
	case int8:
		p.integer(s, uint64(v), v < 0)
	case int16:
		p.integer(s, uint64(v), v < 0)
	case int32:
		p.integer(s, uint64(v), v < 0)
	case int64:
		p.integer(s, uint64(v), v < 0)
	case uint:
		p.integer(s, uint64(v), false)
	case uint8:
		p.integer(s, uint64(v), false)
	case uint16:
		p.integer(s, uint64(v), false)
	case uint32:
		p.integer(s, uint64(v), false)
	case uint64:
		p.integer(s, v, false)
	case uintptr:
		p.integer(s, uint64(v), false)
	case float64:
		p.float(s, v, 64)
	case float32:
		p.float(s, float64(v), 32)
	case []string:
		if s.verb != 'v' && s.verb != 's' && s.verb != 'q' {
			p.bad(s)
			return
		}
		p.buf = append(p.buf, '[')
		for k, e := range v {
			if k > 0 {
				p.buf = append(p.buf, ' ')
			}
			p.str(s, e)
		}
		p.buf = append(p.buf, ']')
	case []int:
		if s.verb != 'v' && s.verb != 'd' {
			p.bad(s)
			return
		}
		p.buf = append(p.buf, '[')
		for k, e := range v {
			if k > 0 {
				p.buf = append(p.buf, ' ')
			}
			p.integer(s, uint64(e), e < 0)
		}
		p.buf = append(p.buf, ']')
	default:
		p.buf = append(p.buf, '%', '!')
		p.buf = utf8.AppendRune(p.buf, s.verb)
		p.buf = append(p.buf, "(unsupported)"...)
	}
}

// stringer formats an error or a Stringer, whose method fmt calls for
// %v %s %q %x %X only.
func (p *printer) stringer(s *spec, text func() string) {
	switch s.verb {
	case 'v', 's', 'q', 'x', 'X':
		p.str(s, safeText(text))
		return
	}
	// fmt formats the underlying value for the other verbs; textf
	// knows only the common one: a Stringer that is an integer.
	p.bad(s)
}

// safeText calls an Error or String method; a panic in it (a nil
// pointer receiver, say) becomes text, as fmt makes it, never a crash.
func safeText(text func() string) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = "%!v(PANIC=String method)"
		}
	}()
	return text()
}

// bad writes %!verb(?) for an operand the verb does not fit, where fmt
// writes %!verb(TYPE=VALUE): textf cannot name a type without reflect, and
// vet (make unit) rejects such calls before they are built.
func (p *printer) bad(s *spec) {
	p.buf = append(p.buf, '%', '!')
	p.buf = utf8.AppendRune(p.buf, s.verb)
	p.buf = append(p.buf, "(?)"...)
}

// How a field is filled up to its width when the 0 flag is set.
const (
	fillSpace  = iota // never with zeros (Inf, NaN, an integer with a precision)
	fillZero          // zeros before the text (strings, as fmt does)
	fillNumber        // zeros after the sign
)

// pad appends b, padded to the width (a string's fill).
func (p *printer) pad(s *spec, b []byte) {
	p.padFill(s, b, fillZero)
}

func (p *printer) padFill(s *spec, b []byte, fill int) {
	n := s.width - utf8.RuneCount(b)
	if n <= 0 {
		p.buf = append(p.buf, b...)
		return
	}
	if s.minus {
		p.buf = append(p.buf, b...)
		for ; n > 0; n-- {
			p.buf = append(p.buf, ' ')
		}
		return
	}
	if s.zero && fill == fillNumber {
		sign := 0
		if len(b) > 0 && (b[0] == '-' || b[0] == '+' || b[0] == ' ') {
			sign = 1
		}
		p.buf = append(p.buf, b[:sign]...)
		for ; n > 0; n-- {
			p.buf = append(p.buf, '0')
		}
		p.buf = append(p.buf, b[sign:]...)
		return
	}
	c := byte(' ')
	if s.zero && fill == fillZero {
		c = '0'
	}
	for ; n > 0; n-- {
		p.buf = append(p.buf, c)
	}
	p.buf = append(p.buf, b...)
}

// str formats a string for %v %s %q %x %X.
func (p *printer) str(s *spec, v string) {
	if s.prec >= 0 && s.verb != 'x' && s.verb != 'X' {
		// precision truncates to that many runes
		n := 0
		for i := range v {
			if n == s.prec {
				v = v[:i]
				break
			}
			n++
		}
	}
	switch s.verb {
	case 'v', 's':
		if s.width <= 0 {
			p.buf = append(p.buf, v...)
			return
		}
		p.pad(s, []byte(v))
	case 'q':
		var b []byte
		switch {
		case s.sharp && strconv.CanBackquote(v):
			b = append(append(append(b, '`'), v...), '`')
		case s.plus:
			b = strconv.AppendQuoteToASCII(b, v)
		default:
			b = strconv.AppendQuote(b, v)
		}
		p.pad(s, b)
	case 'x', 'X':
		digits := "0123456789abcdef"
		if s.verb == 'X' {
			digits = "0123456789ABCDEF"
		}
		if s.prec >= 0 && s.prec < len(v) {
			v = v[:s.prec]
		}
		var b []byte
		for i := 0; i < len(v); i++ {
			if s.space && i > 0 {
				b = append(b, ' ')
			}
			if s.sharp && (s.space || i == 0) {
				b = append(b, '0', byte(s.verb))
			}
			b = append(b, digits[v[i]>>4], digits[v[i]&0xf])
		}
		p.pad(s, b)
	default:
		p.bad(s)
	}
}

// integer formats an integer; u holds its bits, neg says it is a negative
// signed value.
func (p *printer) integer(s *spec, u uint64, neg bool) {
	switch s.verb {
	case 'c', 'q':
		r := rune(u)
		if u > utf8.MaxRune {
			r = utf8.RuneError
		}
		switch {
		case s.verb == 'c':
			p.pad(s, utf8.AppendRune(nil, r))
		case s.plus:
			p.pad(s, strconv.AppendQuoteRuneToASCII(nil, r))
		default:
			p.pad(s, strconv.AppendQuoteRune(nil, r))
		}
		return
	case 'U':
		b := []byte("U+")
		h := strconv.FormatUint(u, 16)
		for i := len(h); i < max(4, s.prec); i++ {
			b = append(b, '0')
		}
		for _, c := range []byte(h) {
			if 'a' <= c && c <= 'f' {
				c -= 'a' - 'A'
			}
			b = append(b, c)
		}
		if s.sharp && u <= utf8.MaxRune && strconv.IsPrint(rune(u)) {
			b = append(b, " '"...)
			b = utf8.AppendRune(b, rune(u))
			b = append(b, '\'')
		}
		p.padFill(s, b, fillSpace)
		return
	}
	base := 10
	switch s.verb {
	case 'v', 'd':
	case 'x', 'X':
		base = 16
	case 'o', 'O':
		base = 8
	case 'b':
		base = 2
	default:
		p.bad(s)
		return
	}
	mag := u
	if neg {
		mag = -u
	}
	if base == 10 && s.width < 0 && s.prec < 0 && !s.plus && !s.space {
		if neg {
			p.buf = append(p.buf, '-')
		}
		p.buf = strconv.AppendUint(p.buf, mag, 10)
		return
	}
	// As fmt: %.3d and %03d both ask for leading zero digits (the width,
	// less room for a sign, counts the digits alone); a precision of 0
	// prints a zero as nothing but padding; the field is then padded
	// with spaces.
	prec := 0
	if s.prec >= 0 {
		prec = s.prec
		if prec == 0 && mag == 0 {
			p.padFill(s, nil, fillSpace)
			return
		}
	} else if s.zero && !s.minus && s.width > 0 {
		prec = s.width
		if neg || s.plus || s.space {
			prec--
		}
	}
	var tmp [72]byte
	digits := strconv.AppendUint(tmp[:0], mag, base)
	if s.verb == 'X' {
		for i, c := range digits {
			if 'a' <= c && c <= 'f' {
				digits[i] = c - ('a' - 'A')
			}
		}
	}
	zeros := max(prec-len(digits), 0)
	var bb [80]byte
	b := bb[:0]
	switch {
	case neg:
		b = append(b, '-')
	case s.plus:
		b = append(b, '+')
	case s.space:
		b = append(b, ' ')
	}
	if s.sharp {
		switch s.verb {
		case 'x':
			b = append(b, '0', 'x')
		case 'X':
			b = append(b, '0', 'X')
		case 'b':
			b = append(b, '0', 'b')
		}
	}
	if s.verb == 'O' {
		b = append(b, '0', 'o')
	}
	if s.sharp && (s.verb == 'o' || s.verb == 'O') && zeros == 0 && digits[0] != '0' {
		b = append(b, '0')
	}
	for ; zeros > 0; zeros-- {
		b = append(b, '0')
	}
	b = append(b, digits...)
	p.padFill(s, b, fillSpace)
}

func (p *printer) float(s *spec, f float64, bits int) {
	verb := byte(s.verb)
	prec := s.prec
	switch s.verb {
	case 'v':
		verb, prec = 'g', -1
		if s.prec >= 0 {
			prec = s.prec
		}
	case 'e', 'E', 'f', 'F', 'g', 'G':
		if prec < 0 && (verb == 'e' || verb == 'E' || verb == 'f' || verb == 'F') {
			prec = 6
		}
		if verb == 'F' {
			verb = 'f'
		}
	default:
		p.bad(s)
		return
	}
	b := strconv.AppendFloat(nil, f, verb, prec, bits)
	if b[0] != '-' && b[0] != '+' {
		switch {
		case s.plus:
			b = append([]byte{'+'}, b...)
		case s.space:
			b = append([]byte{' '}, b...)
		}
	}
	// Inf and NaN are padded with spaces, as fmt does.
	if c := b[len(b)-1]; c == 'f' || c == 'N' {
		p.padFill(s, b, fillSpace)
		return
	}
	p.padFill(s, b, fillNumber)
}
