package config

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// This file ports the parts of Python's shlex module that supervisord uses:
// shlex.split (POSIX mode) for command=, and the non-POSIX shlex.shlex lexer
// that datatypes.dict_of_key_value_pairs uses for environment=. The state
// machine follows Lib/shlex.py read_token line by line, so the odd corners
// (a '#' in the middle of an unquoted environment value continues the
// token on the next line, a quote inside a word does not start quoting in
// non-POSIX mode, ...) come out the same as in supervisord.

// Python's own words, capitalized as shlex prints them, because supervisord
// shows them to users: "can't parse command 'x': No closing quotation".
var (
	errNoClosingQuote = errors.New("No closing quotation")
	errNoEscapedChar  = errors.New("No escaped character")
)

const lexNone = -1 // the lexer's "None" state: end of input reached

type lexer struct {
	in              string
	pos             int // byte offset in in
	posix           bool
	whitespaceSplit bool
	wordchars       func(rune) bool
	commenters      string
	state           rune
	token           []byte
	pushback        []string
}

const (
	lexWhitespace = " \t\r\n"
	lexQuotes     = `'"`
	lexEscape     = `\`
	lexEscQuotes  = `"`
)

// in reports whether r is one of the (ASCII) characters of set.
func in(r rune, set string) bool {
	if r < 0 || r >= 0x80 {
		return false
	}
	for i := 0; i < len(set); i++ {
		if rune(set[i]) == r {
			return true
		}
	}
	return false
}

// next returns the next character, or ok=false at the end of the input.
func (l *lexer) next() (rune, bool) {
	if l.pos >= len(l.in) {
		return 0, false
	}
	if c := l.in[l.pos]; c < utf8.RuneSelf {
		l.pos++
		return rune(c), true
	}
	r, size := utf8.DecodeRuneInString(l.in[l.pos:])
	l.pos += size
	return r, true
}

// readline skips to just after the next newline, as instream.readline().
func (l *lexer) readline() {
	if i := strings.IndexByte(l.in[l.pos:], '\n'); i >= 0 {
		l.pos += i + 1
	} else {
		l.pos = len(l.in)
	}
}

// getToken returns the next token; ok is false at the end of the input.
func (l *lexer) getToken() (tok string, ok bool, err error) {
	if len(l.pushback) > 0 {
		tok = l.pushback[0]
		l.pushback = l.pushback[1:]
		return tok, true, nil
	}
	return l.readToken()
}

//go:noinline
func (l *lexer) emit(quoted bool) bool { return len(l.token) > 0 || (l.posix && quoted) }

func (l *lexer) readToken() (string, bool, error) {
	quoted := false
	escapedstate := ' '
loop:
	for {
		c, ok := l.next()
		switch {
		case l.state == lexNone:
			l.token = l.token[:0]
			break loop
		case l.state == ' ':
			switch {
			case !ok:
				l.state = lexNone
				break loop
			case in(c, lexWhitespace):
				if l.emit(quoted) {
					break loop
				}
			case in(c, l.commenters):
				l.readline()
			case l.posix && in(c, lexEscape):
				escapedstate = 'a'
				l.state = c
			case l.wordchars(c):
				l.token = utf8.AppendRune(l.token[:0], c)
				l.state = 'a'
			case in(c, lexQuotes):
				if !l.posix {
					l.token = utf8.AppendRune(l.token[:0], c)
				}
				l.state = c
			case l.whitespaceSplit:
				l.token = utf8.AppendRune(l.token[:0], c)
				l.state = 'a'
			default:
				l.token = utf8.AppendRune(l.token[:0], c)
				if l.emit(quoted) {
					break loop
				}
			}
		case in(l.state, lexQuotes):
			quoted = true
			switch {
			case !ok:
				return "", false, errNoClosingQuote
			case c == l.state:
				if !l.posix {
					l.token = utf8.AppendRune(l.token, c)
					l.state = ' '
					break loop
				}
				l.state = 'a'
			case l.posix && in(c, lexEscape) && in(l.state, lexEscQuotes):
				escapedstate = l.state
				l.state = c
			default:
				l.token = utf8.AppendRune(l.token, c)
			}
		case in(l.state, lexEscape):
			if !ok {
				return "", false, errNoEscapedChar
			}
			// In POSIX shells only the quote itself or the escape
			// character may be escaped within quotes.
			if in(escapedstate, lexQuotes) && c != l.state && c != escapedstate {
				l.token = utf8.AppendRune(l.token, l.state)
			}
			l.token = utf8.AppendRune(l.token, c)
			l.state = escapedstate
		case l.state == 'a':
			switch {
			case !ok:
				l.state = lexNone
				break loop
			case in(c, lexWhitespace):
				l.state = ' '
				if l.emit(quoted) {
					break loop
				}
			case in(c, l.commenters):
				l.readline()
				if l.posix {
					l.state = ' '
					if l.emit(quoted) {
						break loop
					}
				}
			case l.posix && in(c, lexQuotes):
				l.state = c
			case l.posix && in(c, lexEscape):
				escapedstate = 'a'
				l.state = c
			case l.wordchars(c) || in(c, lexQuotes) || l.whitespaceSplit:
				l.token = utf8.AppendRune(l.token, c)
			default:
				l.pushback = append([]string{string(c)}, l.pushback...)
				l.state = ' '
				if l.emit(quoted) {
					break loop
				}
			}
		}
	}
	result := string(l.token)
	l.token = l.token[:0]
	if l.posix && !quoted && result == "" {
		return "", false, nil // None: end of input
	}
	if !l.posix && result == "" {
		return "", false, nil // '' is the non-POSIX end of input
	}
	return result, true, nil
}

// shlexSplit is Python's shlex.split(s): POSIX mode, whitespace_split, no
// comments. It is how supervisord turns command= into argv.
func shlexSplit(s string) ([]string, error) {
	l := &lexer{
		in:              s,
		posix:           true,
		whitespaceSplit: true,
		wordchars:       posixWordchar,
		state:           ' ',
	}
	out := []string{}
	for {
		tok, ok, err := l.getToken()
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, tok)
	}
}

func asciiWordchar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
}

func posixWordchar(r rune) bool {
	return asciiWordchar(r) || r >= 0xdf && r <= 0xff && r != 0xf7 || r >= 0xc0 && r <= 0xde && r != 0xd7
}

// envWordchar is shlex's non-POSIX wordchars plus the '/.+-():' that
// dict_of_key_value_pairs adds.
func envWordchar(r rune) bool { return asciiWordchar(r) || in(r, "/.+-():") }

// envPair is one KEY=value of an environment= setting, in written order.
type envPair struct {
	_          [0]func() // incomparable: no generated equality function (text)
	Key, Value string
}

// parseEnvironment is supervisord's datatypes.dict_of_key_value_pairs:
// a non-POSIX shlex lexer whose tokens are taken four at a time (key, "=",
// value, separator; the separator is not checked), with quotes stripped
// from the ends of each value. Later keys override earlier ones.
func parseEnvironment(arg string) ([]envPair, error) {
	l := &lexer{
		in:         arg,
		wordchars:  envWordchar,
		commenters: "#",
		state:      ' ',
	}
	var toks []string
	for {
		tok, ok, err := l.getToken()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		toks = append(toks, tok)
	}
	var pairs []envPair
	for i := 0; i < len(toks); i += 4 {
		if i+3 > len(toks) || toks[i+1] != "=" {
			return nil, errors.New("unexpected end of key/value pairs")
		}
		pairs = mergeEnv(pairs, envPair{Key: toks[i], Value: strings.Trim(toks[i+2], `'"`)})
	}
	return pairs, nil
}

// mergeEnv sets p in pairs: an existing key keeps its place and takes the
// new value, as a Python dict does.
func mergeEnv(pairs []envPair, p envPair) []envPair {
	for i := range pairs {
		if pairs[i].Key == p.Key {
			pairs[i].Value = p.Value
			return pairs
		}
	}
	return append(pairs, p)
}
