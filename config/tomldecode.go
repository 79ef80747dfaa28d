package config

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gosinit/gosinit/internal/textf"
)

// decodeTOML is gosinit's TOML decoder. It gives what
// github.com/BurntSushi/toml v1.6.0 gives when decoding into a
// map[string]any (that library was 266 KB of the binary; this decoder is
// about 53 KB):
//
//	string, int64, tomlFloat, bool  the scalars
//	tomlTime                        the four date-time kinds (BurntSushi
//	                                gives a time.Time)
//	[]any                           an array
//	map[string]any                  a table or inline table
//	[]map[string]any                an array of tables ([[name]])
//
// It reads TOML 1.0.0 (https://toml.io/en/v1.0.0), plus the TOML 1.1
// syntax BurntSushi v1.6.0 also accepts, so files that worked keep working:
// newlines, comments and a trailing comma inside inline tables, the \e and
// \xHH escapes, and times without seconds (07:32). It is stricter where
// TOML is clear and BurntSushi is not (it accepts these, sometimes losing
// a value): a table defined twice through a mix of dotted keys and
// [headers]; an inline table or an array extended afterwards; a time
// offset past 23:59; six quotes after \\ in a multi-line string. And it
// refuses arrays and inline tables nested over tomlMaxDepth deep, so that
// no input can overflow the stack.
//
// lines has the line where each table and key path first appears (its
// parts joined with "\x00"), for messages about values. An error is a
// *tomlError, with the line it was found on.
func decodeTOML(data []byte) (m map[string]any, lines map[string]int, err error) {
	p := &tomlParser{s: string(data), line: 1, lines: map[string]int{}}
	// a byte order mark; BurntSushi also skips UTF-16's (but reads UTF-8)
	for _, bom := range []string{"\ufeff", "\xfe\xff", "\xff\xfe"} {
		if strings.HasPrefix(p.s, bom) {
			p.s = p.s[len(bom):]
			break
		}
	}
	root := newTable(tomlHeader, 1)
	if err := p.document(root); err != nil {
		return nil, nil, err
	}
	return root.m, p.lines, nil
}

// tomlError is a TOML syntax or semantic error on a line (1-based).
type tomlError struct {
	_ [0]func() // incomparable: no generated equality function (text)

	line int
	msg  string
}

func (e *tomlError) Error() string { return "line " + strconv.Itoa(e.line) + ": " + e.msg }

// tomlTime is a date-time as written: BurntSushi's time.Time in parts. Its
// zone is "datetime-local", "date-local" or "time-local" (the locations
// BurntSushi names so), "UTC" for Z, or "" for an offset of off seconds
// east of UTC. Not a time.Time: making one links time.Date and
// time.FixedZone (2.5 kB of text with the locations), and gosinit only
// names a date-time's type (issue 2's size).
type tomlTime struct {
	_ [0]func() // incomparable (see Gosinit): decoded values are never compared with ==

	year, month, day, hour, minute, sec, nsec, off int
	zone                                           string
}

// How a table came to be, which decides how it may still be extended.
type tomlKind uint8

const (
	tomlImplicit tomlKind = iota // a parent made by [a.b]: [a] may still define it
	tomlHeader                   // defined by [a] (or an element of [[a]])
	tomlDotted                   // made by a dotted key a.b = 1
	tomlInline                   // an inline table: closed
	tomlArray                    // an array of tables, made by [[a]]
)

// tomlTable is a table under construction: m is what the caller gets;
// sub holds the tables and arrays of tables among m's values.
type tomlTable struct {
	kind  tomlKind
	line  int // where it was made or defined
	m     map[string]any
	sub   map[string]*tomlTable
	elems []*tomlTable // of an array of tables
}

// newTable is not inlined (0.4 kB of the binary, issue 2).
//
//go:noinline
func newTable(kind tomlKind, line int) *tomlTable {
	return &tomlTable{kind: kind, line: line, m: map[string]any{}}
}

// add is not inlined: 1.9 kB of the binary (issue 2).
//
//go:noinline
func (t *tomlTable) add(k string, sub *tomlTable) {
	if t.sub == nil {
		t.sub = map[string]*tomlTable{}
	}
	t.sub[k] = sub
	if sub.kind == tomlArray {
		t.m[k] = []map[string]any{sub.elems[0].m}
	} else {
		t.m[k] = sub.m
	}
}

// taken is the error for path, whose last key k is already in t, being
// defined again on line.
func (t *tomlTable) taken(line int, path []string, k string) error {
	sub := t.sub[k]
	if sub == nil {
		return errAt(line, "duplicate key %s", tomlPath(path))
	}
	format := "table %s is already defined on line %d"
	switch sub.kind {
	case tomlImplicit:
		format = "table %s already exists (made by the header on line %d)"
	case tomlInline:
		format = "table %s is an inline table (line %d) and cannot be extended"
	case tomlArray:
		format = "table %s is already defined as an array of tables on line %d"
	case tomlDotted:
		format = "table %s is already defined by dotted keys on line %d"
	}
	return errAt(line, format, tomlPath(path), sub.line)
}

type tomlParser struct {
	s     string
	i     int
	line  int
	depth int            // of arrays and inline tables
	lines map[string]int // see decodeTOML
}

// mark records line for the paths keys[:n], n > from, not seen before.
func (p *tomlParser) mark(keys []string, from, line int) {
	for n := from + 1; n <= len(keys); n++ {
		k := strings.Join(keys[:n], "\x00")
		if _, seen := p.lines[k]; !seen {
			p.lines[k] = line
		}
	}
}

const tomlMaxDepth = 1000

// errf is not inlined: it has some 30 call sites (0.6 kB of the
// binary, issue 2).
//
//go:noinline
func (p *tomlParser) errf(format string, args ...any) error {
	return errAt(p.line, format, args...)
}

// errAt is not inlined: it has seven call sites (issue 2's size).
//
//go:noinline
func errAt(line int, format string, args ...any) error {
	return &tomlError{line: line, msg: textf.Sprintf(format, args...)}
}

// peek and at are not inlined: a config is parsed once, and their
// inlined copies cost 1.5 kB of the binary (issue 2).
//
//go:noinline
func (p *tomlParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

//go:noinline
func (p *tomlParser) at(prefix string) bool { return strings.HasPrefix(p.s[p.i:], prefix) }

// skipSpace is not inlined: 7 call sites, 0.4 kB of the binary (issue 2).
//
//go:noinline
func (p *tomlParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// lineEnd reads the rest of a line after an item: spaces, a comment, then
// a newline or the end.
func (p *tomlParser) lineEnd(what string) error {
	p.skipSpace()
	if err := p.comment(); err != nil {
		return err
	}
	if p.i == len(p.s) {
		return nil
	}
	if ok, err := p.newline(); ok || err != nil {
		return err
	}
	return p.errf("unexpected %s after %s: expected a new line", p.quoteNext(), what)
}

// comment skips a comment, if one starts here.
func (p *tomlParser) comment() error {
	if p.peek() != '#' {
		return nil
	}
	for p.i++; p.i < len(p.s) && p.s[p.i] != '\n'; {
		if p.s[p.i] == '\r' && p.at("\r\n") {
			break
		}
		if _, err := p.char(); err != nil {
			return err
		}
	}
	return nil
}

// newline consumes a LF or CRLF.
func (p *tomlParser) newline() (bool, error) {
	switch {
	case p.at("\n"):
		p.i++
	case p.at("\r\n"):
		p.i += 2
	case p.at("\r"):
		return false, p.errf("a carriage return must be followed by a newline")
	default:
		return false, nil
	}
	p.line++
	return true, nil
}

// char reads one character that may stand in a comment or string: valid
// UTF-8 and no control character but tab.
func (p *tomlParser) char() (string, error) {
	c := p.s[p.i]
	if c < utf8.RuneSelf {
		if c < ' ' && c != '\t' || c == 0x7f {
			return "", p.errf("control character %U is not allowed here", rune(c))
		}
		p.i++
		return p.s[p.i-1 : p.i], nil
	}
	r, n := utf8.DecodeRuneInString(p.s[p.i:])
	if r == utf8.RuneError && n == 1 {
		return "", p.errf("invalid UTF-8")
	}
	p.i += n
	return p.s[p.i-n : p.i], nil
}

// skipBlank skips spaces, newlines and comments (inside arrays and inline
// tables).
func (p *tomlParser) skipBlank() error {
	for {
		p.skipSpace()
		if err := p.comment(); err != nil {
			return err
		}
		if ok, err := p.newline(); !ok || err != nil {
			return err
		}
	}
}

// quoteNext names the next character for a message.
func (p *tomlParser) quoteNext() string {
	switch c := p.peek(); {
	case p.i == len(p.s):
		return "end of file"
	case c == '\n' || p.at("\r\n"):
		return "end of line"
	case c < utf8.RuneSelf:
		return strconv.QuoteRune(rune(c))
	}
	r, n := utf8.DecodeRuneInString(p.s[p.i:])
	if r == utf8.RuneError && n == 1 {
		return "invalid UTF-8 byte"
	}
	return strconv.QuoteRune(r)
}

func (p *tomlParser) document(root *tomlTable) error {
	cur, path := root, []string(nil)
	for {
		if err := p.skipBlank(); err != nil {
			return err
		}
		if p.i == len(p.s) {
			return nil
		}
		if p.peek() == '[' {
			t, keys, err := p.header(root)
			if err != nil {
				return err
			}
			cur, path = t, keys
			continue
		}
		if err := p.keyValue(cur, path); err != nil {
			return err
		}
		if err := p.lineEnd("a value"); err != nil {
			return err
		}
	}
}

// header reads [a.b] or [[a.b]] and returns the table it opens and its
// path.
func (p *tomlParser) header(root *tomlTable) (*tomlTable, []string, error) {
	line := p.line
	array := p.at("[[")
	end := "]"
	if array {
		p.i++
		end = "]]"
	}
	p.i++
	p.skipSpace()
	keys, err := p.key()
	if err != nil {
		return nil, nil, err
	}
	if !p.at(end) {
		hint := ""
		if p.at(":") {
			// supervisord's [program:web] in a .toml file
			hint = " (TOML writes [" + keys[0] + ".NAME]; an INI file must not end in .toml)"
		}
		return nil, nil, p.errf("unexpected %s in table header: expected '%s'%s", p.quoteNext(), end, hint)
	}
	p.i += len(end)
	if err := p.lineEnd("a table header"); err != nil {
		return nil, nil, err
	}
	p.mark(keys, len(keys)-1, line)
	t := root
	for n, k := range keys[:len(keys)-1] {
		sub := t.sub[k]
		switch {
		case sub == nil:
			if _, ok := t.m[k]; ok {
				return nil, nil, errAt(line, "key %s is already defined as a value, not a table", tomlPath(keys[:n+1]))
			}
			sub = newTable(tomlImplicit, line)
			t.add(k, sub)
		case sub.kind == tomlInline:
			return nil, nil, t.taken(line, keys[:n+1], k)
		case sub.kind == tomlArray:
			sub = sub.elems[len(sub.elems)-1]
		}
		t = sub
	}
	k := keys[len(keys)-1]
	sub := t.sub[k]
	switch {
	case array && sub != nil && sub.kind == tomlArray:
		e := newTable(tomlHeader, line)
		sub.elems = append(sub.elems, e)
		t.m[k] = append(t.m[k].([]map[string]any), e.m)
		return e, keys, nil
	case array && sub == nil && t.m[k] == nil:
		e := newTable(tomlHeader, line)
		t.add(k, &tomlTable{kind: tomlArray, line: line, elems: []*tomlTable{e}})
		return e, keys, nil
	case array && sub == nil:
		return nil, nil, errAt(line, "key %s is already defined as a value, not an array of tables", tomlPath(keys))
	case sub == nil && t.m[k] == nil:
		sub = newTable(tomlHeader, line)
		t.add(k, sub)
		return sub, keys, nil
	case sub == nil:
		return nil, nil, errAt(line, "key %s is already defined as a value, not a table", tomlPath(keys))
	case sub.kind == tomlImplicit && !array:
		sub.kind, sub.line = tomlHeader, line
		return sub, keys, nil
	}
	return nil, nil, t.taken(line, keys, k)
}

// tomlPath writes a key path for a message.
func tomlPath(keys []string) string {
	var b []byte // not a strings.Builder: its inlined writes cost text
	for n, k := range keys {
		if n > 0 {
			b = append(b, '.')
		}
		if k != "" && strings.Trim(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == "" {
			b = append(b, k...)
		} else {
			b = strconv.AppendQuote(b, k)
		}
	}
	return string(b)
}

// key reads a (dotted) key and the spaces after it.
func (p *tomlParser) key() ([]string, error) {
	var keys []string
	for {
		var k string
		switch c := p.peek(); {
		case c == '"':
			s, err := p.basicString()
			if err != nil {
				return nil, err
			}
			k = s
		case c == '\'':
			s, err := p.literalString()
			if err != nil {
				return nil, err
			}
			k = s
		default:
			start := p.i
			for p.i < len(p.s) && isBareKeyChar(p.s[p.i]) {
				p.i++
			}
			if p.i == start {
				return nil, p.errf("unexpected %s: expected a key", p.quoteNext())
			}
			k = p.s[start:p.i]
		}
		keys = append(keys, k)
		p.skipSpace()
		if p.peek() != '.' {
			return keys, nil
		}
		p.i++
		p.skipSpace()
	}
}

func isBareKeyChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// keyValue reads key = value into t, whose path is path.
func (p *tomlParser) keyValue(t *tomlTable, path []string) error {
	line := p.line
	keys, err := p.key()
	if err != nil {
		return err
	}
	full := append(path[:len(path):len(path)], keys...)
	p.mark(full, len(path), line)
	if p.peek() != '=' {
		return p.errf("unexpected %s after key %s: expected '='", p.quoteNext(), tomlPath(full))
	}
	p.i++
	p.skipSpace()
	v, err := p.value(full)
	if err != nil {
		return err
	}
	for n, k := range keys[:len(keys)-1] {
		sub := t.sub[k]
		switch {
		case sub == nil:
			if _, ok := t.m[k]; ok {
				return errAt(line, "key %s is already defined as a value, not a table", tomlPath(full[:len(path)+n+1]))
			}
			sub = newTable(tomlDotted, line)
			t.add(k, sub)
		case sub.kind == tomlImplicit:
			sub.kind, sub.line = tomlDotted, line
		case sub.kind != tomlDotted:
			return t.taken(line, full[:len(path)+n+1], k)
		}
		t = sub
	}
	k := keys[len(keys)-1]
	if _, ok := t.m[k]; ok {
		return t.taken(line, full, k)
	}
	if sub, ok := v.(*tomlTable); ok {
		t.add(k, sub)
	} else {
		t.m[k] = v
	}
	return nil
}

// value reads a value; an inline table comes back as a *tomlTable. path
// is where it goes, for messages.
func (p *tomlParser) value(path []string) (any, error) {
	switch c := p.peek(); {
	case c == '"':
		if p.at(`"""`) {
			return p.multilineString('"')
		}
		return p.basicString()
	case c == '\'':
		if p.at(`'''`) {
			return p.multilineString('\'')
		}
		return p.literalString()
	case (c == '[' || c == '{') && p.depth == tomlMaxDepth:
		return nil, p.errf("arrays and inline tables nested over %d deep", tomlMaxDepth)
	case c == '[':
		p.depth++
		defer func() { p.depth-- }()
		return p.array(path)
	case c == '{':
		p.depth++
		defer func() { p.depth-- }()
		return p.inlineTable(path)
	case c == 't' && p.at("true") && !p.wordGoesOn(4):
		p.i += 4
		return true, nil
	case c == 'f' && p.at("false") && !p.wordGoesOn(5):
		p.i += 5
		return false, nil
	case c >= '0' && c <= '9' || c == '+' || c == '-' || c == 'i' || c == 'n':
		return p.numberOrDate()
	}
	return nil, p.errf("unexpected %s: expected a value", p.quoteNext())
}

func (p *tomlParser) wordGoesOn(n int) bool {
	return p.i+n < len(p.s) && isBareKeyChar(p.s[p.i+n])
}

func (p *tomlParser) array(path []string) ([]any, error) {
	p.i++
	a := []any{}
	for {
		if err := p.skipBlank(); err != nil {
			return nil, err
		}
		if p.peek() == ']' {
			p.i++
			return a, nil
		}
		v, err := p.value(path)
		if err != nil {
			return nil, err
		}
		if t, ok := v.(*tomlTable); ok {
			v = t.m
		}
		a = append(a, v)
		if err := p.skipBlank(); err != nil {
			return nil, err
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, nil
		default:
			return nil, p.errf("unexpected %s in array: expected ',' or ']'", p.quoteNext())
		}
	}
}

func (p *tomlParser) inlineTable(path []string) (*tomlTable, error) {
	t := newTable(tomlDotted, p.line)
	p.i++
	for {
		if err := p.skipBlank(); err != nil {
			return nil, err
		}
		if p.peek() == '}' {
			p.i++
			break
		}
		if err := p.keyValue(t, path); err != nil {
			return nil, err
		}
		if err := p.skipBlank(); err != nil {
			return nil, err
		}
		if p.peek() == ',' {
			p.i++
			continue
		}
		if p.peek() == '}' {
			p.i++
			break
		}
		return nil, p.errf("unexpected %s in inline table: expected ',' or '}'", p.quoteNext())
	}
	t.kind = tomlInline
	return t, nil
}

// basicString reads "..." (not multi-line).
func (p *tomlParser) basicString() (string, error) {
	p.i++
	start := p.i
	var b []byte // nil while the string has no escape
	for {
		if p.i == len(p.s) {
			return "", p.errf("unterminated string")
		}
		switch c := p.s[p.i]; c {
		case '"':
			p.i++
			if b == nil {
				return p.s[start : p.i-1], nil
			}
			return string(b), nil
		case '\n', '\r':
			return "", p.errf("strings cannot contain newlines")
		case '\\':
			if b == nil {
				b = append(make([]byte, 0, 2*(p.i-start)+8), p.s[start:p.i]...)
			}
			var err error
			if b, err = p.escape(b); err != nil {
				return "", err
			}
		default:
			s, err := p.char()
			if err != nil {
				return "", err
			}
			if b != nil {
				b = append(b, s...)
			}
		}
	}
}

// escape reads the escape sequence at p.i onto b.
func (p *tomlParser) escape(b []byte) ([]byte, error) {
	if p.i+1 == len(p.s) {
		return nil, p.errf("unterminated string")
	}
	c := p.s[p.i+1]
	p.i += 2
	switch c {
	case 'b':
		return append(b, '\b'), nil
	case 't':
		return append(b, '\t'), nil
	case 'n':
		return append(b, '\n'), nil
	case 'f':
		return append(b, '\f'), nil
	case 'r':
		return append(b, '\r'), nil
	case 'e':
		return append(b, 0x1b), nil
	case '"', '\\':
		return append(b, c), nil
	case 'x', 'u', 'U':
		n := 2
		if c == 'u' {
			n = 4
		} else if c == 'U' {
			n = 8
		}
		if p.i+n > len(p.s) {
			return nil, p.errf("invalid escape \\%c: expected %d hex digits", c, n)
		}
		hex := p.s[p.i : p.i+n]
		r, err := strconv.ParseUint(hex, 16, 32)
		if err != nil || strings.ContainsAny(hex, "+-_") {
			return nil, p.errf("invalid escape \\%c%s: expected %d hex digits", c, hex, n)
		}
		if !utf8.ValidRune(rune(r)) {
			return nil, p.errf("invalid escape \\%c%s: not a Unicode scalar value", c, hex)
		}
		p.i += n
		return utf8.AppendRune(b, rune(r)), nil
	}
	p.i -= 2
	if c < ' ' || c >= utf8.RuneSelf || c == 0x7f {
		return nil, p.errf("invalid escape: a backslash must be followed by one of b t n f r e \" \\ x u U")
	}
	return nil, p.errf("invalid escape \\%c", c)
}

// literalString reads '...' (not multi-line).
func (p *tomlParser) literalString() (string, error) {
	p.i++
	start := p.i
	for {
		if p.i == len(p.s) {
			return "", p.errf("unterminated string")
		}
		switch p.s[p.i] {
		case '\'':
			p.i++
			return p.s[start : p.i-1], nil
		case '\n', '\r':
			return "", p.errf("strings cannot contain newlines")
		}
		if _, err := p.char(); err != nil {
			return "", err
		}
	}
}

// multilineString reads """...""" or ”'...”' (q is the quote).
func (p *tomlParser) multilineString(q byte) (string, error) {
	p.i += 3
	// a newline right after the opening quotes is not part of the string
	if _, err := p.newline(); err != nil {
		return "", err
	}
	var b []byte
	for {
		if p.i == len(p.s) {
			return "", p.errf("unterminated multi-line string")
		}
		switch c := p.s[p.i]; {
		case c == q:
			n := 0
			for p.i+n < len(p.s) && p.s[p.i+n] == q {
				n++
			}
			if n >= 3 {
				if n > 5 {
					return "", p.errf("too many quotes at the end of a multi-line string")
				}
				p.i += n
				return string(append(b, p.s[p.i-n:p.i-3]...)), nil
			}
			b = append(b, p.s[p.i:p.i+n]...)
			p.i += n
		case c == '\n' || c == '\r':
			start := p.i
			if _, err := p.newline(); err != nil {
				return "", err
			}
			b = append(b, p.s[start:p.i]...) // a CRLF stays a CRLF, as in BurntSushi
		case c == '\\' && q == '"':
			// a backslash at the end of a line trims all blanks after it
			j := p.i + 1
			for j < len(p.s) && (p.s[j] == ' ' || p.s[j] == '\t') {
				j++
			}
			if j < len(p.s) && (p.s[j] == '\n' || p.s[j] == '\r') {
				p.i = j
				for {
					ok, err := p.newline()
					if err != nil {
						return "", err
					}
					if !ok {
						break
					}
					p.skipSpace()
				}
				continue
			}
			var err error
			if b, err = p.escape(b); err != nil {
				return "", err
			}
		default:
			s, err := p.char()
			if err != nil {
				return "", err
			}
			b = append(b, s...)
		}
	}
}

// numberOrDate reads an integer, float, date, time or date-time.
func (p *tomlParser) numberOrDate() (any, error) {
	start := p.i
	for p.i < len(p.s) && isNumberChar(p.s[p.i]) {
		p.i++
	}
	tok := p.s[start:p.i]
	// a date and a time may be separated by one space
	if len(tok) == 10 && tok[4] == '-' && p.i+3 < len(p.s) && p.s[p.i] == ' ' && isDigit(p.s[p.i+1]) && isDigit(p.s[p.i+2]) && p.s[p.i+3] == ':' {
		p.i++
		for p.i < len(p.s) && isNumberChar(p.s[p.i]) {
			p.i++
		}
		tok = p.s[start:p.i]
	}
	if len(tok) >= 5 && isDigit(tok[0]) && isDigit(tok[1]) && (tok[2] == ':' || tok[4] == '-' && isDigit(tok[2]) && isDigit(tok[3])) {
		t, why := parseTOMLTime(tok)
		if why != "" {
			return nil, p.errf("invalid date-time %q: %s", tok, why)
		}
		return t, nil
	}
	if v, ok := parseTOMLInt(tok); ok {
		return v, nil
	} else if v != 0 {
		return nil, p.errf("integer %s is out of range", tok)
	}
	if v, ok := parseTOMLFloat(tok); ok {
		return v, nil
	} else if v != "" {
		return nil, p.errf("float %s is out of range", tok)
	}
	if tok == "" {
		return nil, p.errf("unexpected %s: expected a value", p.quoteNext())
	}
	return nil, p.errf("invalid number %q", tok)
}

func isNumberChar(c byte) bool {
	return isBareKeyChar(c) || c == '+' || c == '.' || c == ':'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// digitsOK says s is digits of the given base, underscores only between
// two digits.
func digitsOK(s string, base int) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			if i == 0 || i == len(s)-1 || s[i+1] == '_' {
				return false
			}
			continue
		}
		var d int
		switch {
		case isDigit(c):
			d = int(c - '0')
		case 'a' <= c && c <= 'f':
			d = int(c-'a') + 10
		case 'A' <= c && c <= 'F':
			d = int(c-'A') + 10
		default:
			return false
		}
		if d >= base {
			return false
		}
	}
	return true
}

// parseTOMLInt parses a TOML integer. When s has an integer's syntax but
// does not fit in an int64, it returns (1, false).
func parseTOMLInt(s string) (int64, bool) {
	base := 10
	digits := s
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x':
			base = 16
		case 'o':
			base = 8
		case 'b':
			base = 2
		}
		if base != 10 {
			digits = s[2:]
		}
	}
	if base == 10 {
		if digits != "" && (digits[0] == '+' || digits[0] == '-') {
			digits = digits[1:]
		}
		if len(digits) > 1 && digits[0] == '0' {
			return 0, false
		}
	}
	if !digitsOK(digits, base) {
		return 0, false
	}
	clean := replaceAll(digits, "_", "")
	if base == 10 {
		clean = replaceAll(s, "_", "")
	}
	v, err := strconv.ParseInt(clean, base, 64)
	if err != nil {
		return 1, false
	}
	return v, true
}

// tomlFloat is a TOML float, kept as written. No supervisord setting takes
// a float: gosinit only ever reports one as a type error, so it never needs
// the value, and strconv.ParseFloat, used nowhere else, would cost the
// binary 12 kB (issue 2). The tests compare it by value with BurntSushi's.
type tomlFloat string

// parseTOMLFloat checks a TOML float. When s has a float's syntax but its
// value is beyond float64's range (strconv.ParseFloat's ErrRange, which
// BurntSushi/toml reports), it returns ("1", false).
func parseTOMLFloat(s string) (tomlFloat, bool) {
	body := s
	if body != "" && (body[0] == '+' || body[0] == '-') {
		body = body[1:]
	}
	switch body {
	case "inf", "nan":
		return tomlFloat(s), true
	}
	mant, exp, hasExp := strings.Cut(body, "e")
	if !hasExp {
		mant, exp, hasExp = strings.Cut(body, "E")
	}
	intPart, frac, hasFrac := strings.Cut(mant, ".")
	if !hasFrac && !hasExp {
		return "", false
	}
	if !digitsOK(intPart, 10) || len(intPart) > 1 && intPart[0] == '0' {
		return "", false
	}
	if hasFrac && !digitsOK(frac, 10) {
		return "", false
	}
	negExp := false
	if hasExp {
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			negExp = exp[0] == '-'
			exp = exp[1:]
		}
		if !digitsOK(exp, 10) {
			return "", false
		}
	}
	if floatOverflows(replaceAll(intPart, "_", ""), replaceAll(frac, "_", ""), replaceAll(exp, "_", ""), negExp) {
		return "1", false
	}
	return tomlFloat(s), true
}

// maxFloatMidpoint is 2^1024 - 2^970, the digits of the value halfway
// between math.MaxFloat64 and the next power of two: a decimal at or above
// it rounds to +Inf (ties go to even, and MaxFloat64's mantissa is odd).
const maxFloatMidpoint = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792"

// floatOverflows reports whether intPart.frac × 10^±exp (digits only) is
// beyond float64's range, as strconv.ParseFloat decides it.
func floatOverflows(intPart, frac, exp string, negExp bool) bool {
	digits := intPart + frac
	// The decimal exponent of the first digit: digits[0] × 10^e.
	e := len(intPart) - 1
	n := 0
	for i := 0; i < len(exp); i++ {
		if n < 1e6 { // saturate: anything this large is decided already
			n = n*10 + int(exp[i]-'0')
		}
	}
	if negExp {
		n = -n
	}
	e += n
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
		e--
	}
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	switch {
	case digits == "" || e < len(maxFloatMidpoint)-1:
		return false
	case e > len(maxFloatMidpoint)-1:
		return true
	}
	return digits >= maxFloatMidpoint
}

// tomlDigits is the value of the decimal digits s, or -1 if s has any
// other byte. Not inlined: parseTOMLTime calls it at 8 places (issue 2's
// size).
//
//go:noinline
func tomlDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// parseTOMLTime parses an offset date-time, local date-time, local date or
// local time, as a tomlTime (in an interface, as numberOrDate returns it:
// a nil on failure costs less than a zero tomlTime). On failure it says
// what is wrong.
func parseTOMLTime(s string) (any, string) {
	const syntax = "expected 1979-05-27, 07:32:00 or 1979-05-27T07:32:00 with an optional fraction and Z or offset"
	var year, month, day, off int
	zone := "time-local"
	hasDate := s[4] == '-'
	if hasDate {
		if len(s) < 10 || s[7] != '-' {
			return nil, syntax
		}
		year, month, day = tomlDigits(s[0:4]), tomlDigits(s[5:7]), tomlDigits(s[8:10])
		switch {
		case year < 0 || month < 0 || day < 0:
			return nil, syntax
		case month < 1 || month > 12:
			return nil, "month out of range"
		case day < 1 || day > daysIn(year, month):
			return nil, "day out of range"
		}
		s = s[10:]
		if s == "" {
			return tomlTime{year: year, month: month, day: day, zone: "date-local"}, ""
		}
		if s[0] != 'T' && s[0] != 't' && s[0] != ' ' {
			return nil, syntax
		}
		s = s[1:]
		zone = "datetime-local"
	}
	// HH:MM[:SS[.fraction]]
	if len(s) < 5 || s[2] != ':' {
		return nil, syntax
	}
	hour, minute, sec, nsec := tomlDigits(s[0:2]), tomlDigits(s[3:5]), 0, 0
	s = s[5:]
	if len(s) > 0 && s[0] == ':' {
		if len(s) < 3 {
			return nil, syntax
		}
		sec = tomlDigits(s[1:3])
		s = s[3:]
		if len(s) > 0 && s[0] == '.' {
			n := 1
			for n < len(s) && isDigit(s[n]) {
				n++
			}
			if n == 1 {
				return nil, syntax
			}
			for i := 1; i <= 9; i++ { // nanoseconds; further digits are dropped
				nsec *= 10
				if i < n {
					nsec += int(s[i] - '0')
				}
			}
			s = s[n:]
		}
	}
	switch {
	case hour < 0 || minute < 0 || sec < 0:
		return nil, syntax
	case hour > 23:
		return nil, "hour out of range"
	case minute > 59:
		return nil, "minute out of range"
	case sec > 59:
		return nil, "second out of range"
	}
	if hasDate && s != "" {
		switch {
		case s == "Z" || s == "z":
			zone = "UTC"
		case len(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':':
			oh, om := tomlDigits(s[1:3]), tomlDigits(s[4:6])
			if oh < 0 || om < 0 {
				return nil, syntax
			}
			if oh > 23 || om > 59 {
				return nil, "time offset out of range"
			}
			off = (oh*60 + om) * 60
			if s[0] == '-' {
				off = -off
			}
			zone = ""
		default:
			return nil, syntax
		}
		s = ""
	}
	if s != "" {
		return nil, syntax
	}
	if !hasDate {
		year, month, day = 0, 1, 1
	}
	return tomlTime{year: year, month: month, day: day, hour: hour, minute: minute, sec: sec, nsec: nsec, off: off, zone: zone}, ""
}

// daysIn is the number of days of month in year, in the proleptic
// Gregorian calendar (time.Date's).
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
