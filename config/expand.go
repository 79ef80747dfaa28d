package config

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gosinit/gosinit/internal/strsort"
	"github.com/gosinit/gosinit/internal/textf"
)

// supervisord expands %(name)s in option values with Python's % operator
// and a dict (options.py expand). pyFormat reproduces that operator for the
// conversions a config can meet: %(name)s with flags, width and precision,
// %(process_num)02d and friends, and %% for a literal percent sign.
//
// Two deliberate differences: a conversion without a (name), such as the
// bare %s of `date +%s`, is an error (Python silently formats the whole
// expansion dict into the string), and the error texts are ours.

// vars resolves expansion names. Values are string or int.
type vars interface {
	lookup(name string) (any, bool)
	names() []string // the names that are not ENV_*, sorted
}

// scope is a chain of maps, searched first to last. Its methods have a
// pointer receiver (vars are *scope): with value ones, *scope got
// generated wrappers as well (issue 2's size).
type scope []map[string]any

// nameMap returns the map of its pairs of strings: name, value, name,
// value... Not a map literal: each literal's assignments and string
// conversions were built at its site, four of them (issue 2's size).
//
//go:noinline
func nameMap(pairs ...string) map[string]any {
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

func (s *scope) lookup(name string) (any, bool) {
	for _, m := range *s {
		if v, ok := m[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (s *scope) names() []string {
	var ns []string
	seen := map[string]bool{}
	for _, m := range *s {
		for k := range m {
			if !strings.HasPrefix(k, "ENV_") && !seen[k] {
				seen[k] = true
				ns = append(ns, k)
			}
		}
	}
	strsort.Sort(ns)
	return ns
}

// expandError says why a value could not be expanded.
type expandError struct {
	_ [0]func() // incomparable: no generated equality function (text)

	msg     string
	percent bool // the fix may be to double a literal %
}

func (e *expandError) Error() string {
	if e.percent {
		return e.msg + " (write %% for a literal %)"
	}
	return e.msg
}

func unknownName(name string, v vars) error {
	if env, ok := strings.CutPrefix(name, "ENV_"); ok {
		return &expandError{msg: textf.Sprintf("%%(%s)s: environment variable %s is not set", name, env)}
	}
	return &expandError{msg: textf.Sprintf("%%(%s)s: unknown name (available: %s, and ENV_X for each environment variable X)", name, strings.Join(v.names(), ", "))}
}

// badFormat is not inlined: it has nine call sites (issue 2's size).
//
//go:noinline
func badFormat(format string, a ...any) error {
	return &expandError{msg: "bad % format: " + textf.Sprintf(format, a...), percent: true}
}

// twice explains an error of a value supervisord expands twice.
func twice(err error, what string) error {
	if e, ok := errors.AsType[*expandError](err); ok && e.percent {
		return textf.Errorf("%s (supervisord expands %s twice: write %%%%%%%% for a literal %%)", e.msg, what)
	}
	return err
}

// pyFormat returns s % vars, as Python computes it.
func pyFormat(s string, v vars) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s)) // not a strings.Builder: its inlined writes cost text
	i := 0
	for i < len(s) {
		c := s[i]
		if c != '%' {
			j := strings.IndexByte(s[i:], '%')
			if j < 0 {
				b = append(b, s[i:]...)
				break
			}
			b = append(b, s[i:i+j]...)
			i += j
			continue
		}
		i++
		if i >= len(s) {
			return "", badFormat("incomplete format at the end of %q", s)
		}
		if s[i] == '%' {
			b = append(b, '%')
			i++
			continue
		}
		var (
			key    string
			hasKey bool
			val    any
		)
		if s[i] == '(' {
			depth, j := 1, i+1
			for j < len(s) && depth > 0 {
				switch s[j] {
				case '(':
					depth++
				case ')':
					depth--
				}
				j++
			}
			if depth > 0 {
				return "", badFormat("incomplete format key in %q", s)
			}
			key, hasKey = s[i+1:j-1], true
			i = j
			var ok bool
			if val, ok = v.lookup(key); !ok {
				return "", unknownName(key, v)
			}
		}
		var sp spec
	flags:
		for i < len(s) {
			switch s[i] {
			case '-':
				sp.minus = true
			case '+':
				sp.plus = true
			case ' ':
				sp.space = true
			case '#':
				sp.alt = true
			case '0':
				sp.zero = true
			default:
				break flags
			}
			i++
		}
		if i < len(s) && (s[i] == '*' || i+1 < len(s) && s[i] == '.' && s[i+1] == '*') {
			return "", badFormat("* width or precision in %q", s)
		}
		sp.width, i = digits(s, i)
		sp.prec = -1
		if i < len(s) && s[i] == '.' {
			sp.prec, i = digits(s, i+1)
			if sp.prec < 0 {
				sp.prec = 0
			}
		}
		if i < len(s) && (s[i] == 'h' || s[i] == 'l' || s[i] == 'L') {
			i++
		}
		if i >= len(s) {
			return "", badFormat("incomplete format in %q", s)
		}
		if sp.width > maxWidth || sp.prec > maxWidth {
			return "", badFormat("width or precision above %d in %q", maxWidth, s)
		}
		conv, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if !strings.ContainsRune("diouxXeEfFgGcrsa", conv) {
			return "", badFormat("unsupported format character %q in %q", conv, s)
		}
		if !hasKey {
			return "", &expandError{msg: textf.Sprintf("bare %%%c without a (name) in %q: supervisord would insert its whole table of names here", conv, s), percent: true}
		}
		out, err := sp.format(conv, key, val)
		if err != nil {
			return "", err
		}
		b = append(b, out...)
	}
	return string(b), nil
}

// maxWidth bounds a conversion's width and precision (Python has no
// bound; a config has no use for more).
const maxWidth = 256

// digits reads a decimal number at s[i:]; n is -1 when there is none.
func digits(s string, i int) (n, next int) {
	n = -1
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if n < 0 {
			n = 0
		}
		if n < 1<<20 {
			n = n*10 + int(s[i]-'0')
		}
		i++
	}
	return n, i
}

// spec is one parsed conversion specifier.
type spec struct {
	minus, plus, space, alt, zero bool
	width, prec                   int
}

func (sp spec) format(conv rune, key string, val any) (string, error) {
	n, isInt := val.(int)
	str, _ := val.(string)
	switch conv {
	case 's', 'r', 'a':
		var t string
		switch {
		case isInt:
			t = strconv.Itoa(n)
		case conv == 's':
			t = str
		default:
			t = pyRepr(str)
		}
		if sp.prec >= 0 && utf8.RuneCountInString(t) > sp.prec {
			t = string([]rune(t)[:sp.prec])
		}
		return sp.pad(t, false), nil
	case 'c':
		switch {
		case isInt:
			if n < 0 || n > 0x10ffff {
				return "", badFormat("%%(%s)c: %d is not a character code", key, n)
			}
			return sp.pad(string(rune(n)), false), nil
		case utf8.RuneCountInString(str) == 1:
			return sp.pad(str, false), nil
		}
		return "", badFormat("%%(%s)c needs a number or a single character", key)
	}
	if !isInt {
		return "", badFormat("%%(%s)%c needs a number, and %s is a string", key, conv, key)
	}
	var body, prefix string
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-int64(n))
	}
	switch conv {
	case 'd', 'i', 'u':
		body = strconv.FormatUint(u, 10)
	case 'o':
		body = strconv.FormatUint(u, 8)
		if sp.alt {
			prefix = "0o"
		}
	case 'x':
		body = strconv.FormatUint(u, 16)
		if sp.alt {
			prefix = "0x"
		}
	case 'X':
		body = strings.ToUpper(strconv.FormatUint(u, 16))
		if sp.alt {
			prefix = "0X"
		}
	default: // e E f F g G
		p := sp.prec
		if p < 0 {
			p = 6
		}
		f := math.Abs(float64(n))
		switch conv {
		case 'e', 'E':
			body = strconv.FormatFloat(f, 'e', p, 64)
		case 'f', 'F':
			body = strconv.FormatFloat(f, 'f', p, 64)
		default:
			if p == 0 {
				p = 1
			}
			body = strconv.FormatFloat(f, 'g', p, 64)
		}
		if conv == 'E' || conv == 'G' {
			body = strings.ToUpper(body)
		}
		sp.prec = -1
	}
	if sp.prec >= 0 && len(body) < sp.prec {
		body = repeat('0', sp.prec-len(body)) + body
	}
	sign := ""
	switch {
	case neg:
		sign = "-"
	case sp.plus:
		sign = "+"
	case sp.space:
		sign = " "
	}
	head := sign + prefix
	if sp.zero && !sp.minus && sp.width > len(head)+len(body) {
		body = repeat('0', sp.width-len(head)-len(body)) + body
	}
	return sp.pad(head+body, true), nil
}

func (sp spec) pad(t string, _ bool) string {
	n := utf8.RuneCountInString(t)
	if sp.width <= n {
		return t
	}
	fill := repeat(' ', sp.width-n)
	if sp.minus {
		return t + fill
	}
	return fill + t
}

// pyRepr is Python's repr() of a str, near enough for %r in a config.
func pyRepr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b := []byte{q} // not a strings.Builder: its inlined writes cost text
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r < 0x20 || r == 0x7f:
			b = append(b, '\\', 'x', "0123456789abcdef"[r>>4], "0123456789abcdef"[r&15])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return string(append(b, q))
}
