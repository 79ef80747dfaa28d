package config

import (
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gosinit/gosinit/internal/dirs"
)

// pyGlob is Python's glob.glob, which supervisord uses for [include]
// files=. It differs from filepath.Glob where configs notice: '*' and '?'
// do not match a leading '.', "[!...]" negates a class, and a backslash is
// an ordinary character.
func pyGlob(pattern string) []string {
	return pyGlobDir(pattern, false)
}

func hasMagic(s string) bool { return strings.ContainsAny(s, "*?[") }

func pySplit(p string) (head, tail string) {
	i := strings.LastIndexByte(p, '/') + 1
	head, tail = p[:i], p[i:]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head, tail
}

func lexists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// pyJoin is not inlined: its inlined copies cost 0.7 kB of the binary
// (issue 2).
//
//go:noinline
func pyJoin(dir, name string) string {
	if dir == "" || strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

func pyGlobDir(pattern string, dirOnly bool) []string {
	dir, base := pySplit(pattern)
	if !hasMagic(pattern) {
		if base != "" {
			if lexists(pattern) {
				return []string{pattern}
			}
		} else if isDir(dir) {
			return []string{pattern}
		}
		return nil
	}
	dirs := []string{dir}
	if dir != pattern && hasMagic(dir) {
		dirs = pyGlobDir(dir, true)
	}
	var out []string
	for _, d := range dirs {
		if hasMagic(base) {
			for _, name := range glob1(d, base, dirOnly) {
				out = append(out, pyJoin(d, name))
			}
		} else if base == "" {
			if isDir(d) {
				out = append(out, pyJoin(d, base))
			}
		} else if lexists(pyJoin(d, base)) {
			out = append(out, pyJoin(d, base))
		}
	}
	return out
}

func glob1(dir, pattern string, dirOnly bool) []string {
	if dir == "" {
		dir = "."
	}
	names, err := dirs.Names(dir)
	if err != nil {
		return nil
	}
	m := compileFnmatch(pattern)
	var out []string
	for _, name := range names {
		if name[0] == '.' && pattern[0] != '.' {
			continue
		}
		if dirOnly && !isDir(pyJoin(dir, name)) {
			continue
		}
		if m.match(name) {
			out = append(out, name)
		}
	}
	return out
}

// fnmatch is a compiled shell pattern with the semantics of Python's
// fnmatch.fnmatchcase, which glob.glob applies to every path component.
// Python compiles the pattern into a regular expression (fnmatch.translate);
// gosinit matches it directly, which keeps the regexp package out of the
// binary. Every token but '*' stands for exactly one character, so the
// greedy match that backtracks only to the last '*' is exact and takes at
// most len(pattern)*len(name) steps, whatever the number of stars.
type fnmatch []fnToken

// fnToken is '*' or one character: a literal or '?' or a "[...]" set, all
// as a set of ranges. A literal c is {c-c}; '?' is a negated empty set.
type fnToken struct {
	star   bool
	negate bool
	ranges [][2]rune // inclusive
}

func (t *fnToken) matches(r rune) bool {
	for _, rg := range t.ranges {
		if rg[0] <= r && r <= rg[1] {
			return !t.negate
		}
	}
	return t.negate
}

// compileFnmatch parses pat as Python 3.11's fnmatch.translate does: a '['
// without a closing ']' is a literal '[', a ']' first in a set is literal,
// '!' first negates, and a backslash is an ordinary character.
func compileFnmatch(pat string) fnmatch {
	rs := pyRunes(pat)
	var m fnmatch
	for i := 0; i < len(rs); {
		c := rs[i]
		i++
		switch c {
		case '*':
			if len(m) == 0 || !m[len(m)-1].star {
				m = append(m, fnToken{star: true})
			}
		case '?':
			m = append(m, fnToken{negate: true})
		case '[':
			j := i
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				m = append(m, fnToken{ranges: [][2]rune{{'[', '['}}})
				continue
			}
			m = append(m, fnSet(rs, i, j))
			i = j + 1
		default:
			m = append(m, fnToken{ranges: [][2]rune{{c, c}}})
		}
	}
	return m
}

// fnSet is the set pat[i:j] (between '[' and ']'), split and cleaned the
// way fnmatch.translate does before it hands the set to the re module: a
// '-' makes a range unless it is first (after any '!') or last or follows
// a range directly; a reversed range such as "z-a" is dropped together
// with its two ends, so "[z-a]" matches nothing and "[!z-a]" anything.
func fnSet(pat []rune, i, j int) fnToken {
	var chunks [][]rune
	if !slices.Contains(pat[i:j], '-') {
		chunks = [][]rune{pat[i:j]}
	} else {
		k := i + 1
		if pat[i] == '!' {
			k = i + 2
		}
		for {
			if k >= j {
				break
			}
			n := slices.Index(pat[k:j], '-')
			if n < 0 {
				break
			}
			k += n
			chunks = append(chunks, pat[i:k])
			i = k + 1
			k += 3
		}
		if i < j {
			chunks = append(chunks, pat[i:j])
		} else {
			last := len(chunks) - 1
			chunks[last] = append(slices.Clip(chunks[last]), '-')
		}
		for k := len(chunks) - 1; k > 0; k-- {
			a, b := chunks[k-1], chunks[k]
			if len(a) > 0 && len(b) > 0 && a[len(a)-1] > b[0] {
				chunks[k-1] = append(slices.Clone(a[:len(a)-1]), b[1:]...)
				chunks = slices.Delete(chunks, k, k+1)
			}
		}
	}
	var t fnToken
	if len(chunks) == 1 && len(chunks[0]) == 0 {
		return t // empty set: never matches
	}
	if len(chunks) == 1 && len(chunks[0]) == 1 && chunks[0][0] == '!' {
		return fnToken{negate: true} // "[!]" after cleaning: any character
	}
	if len(chunks[0]) > 0 && chunks[0][0] == '!' {
		t.negate = true
		chunks[0] = chunks[0][1:]
	}
	// The re module reads the chunks joined by '-': a range from the last
	// character of one chunk to the first of the next; every other
	// character (a '-' inside a chunk included) is itself.
	const join = -1
	var flat []rune
	for k, ch := range chunks {
		if k > 0 {
			flat = append(flat, join)
		}
		flat = append(flat, ch...)
	}
	for x := 0; x < len(flat); x++ {
		lo := flat[x]
		switch {
		case lo == join:
			t.ranges = append(t.ranges, [2]rune{'-', '-'})
		case x+2 < len(flat) && flat[x+1] == join:
			t.ranges = append(t.ranges, [2]rune{lo, flat[x+2]})
			x += 2
		default:
			t.ranges = append(t.ranges, [2]rune{lo, lo})
		}
	}
	return t
}

// match reports whether the whole of name matches m.
func (m fnmatch) match(name string) bool {
	rs := pyRunes(name)
	p, n := 0, 0
	starP, starN := -1, 0
	for n < len(rs) {
		switch {
		case p < len(m) && m[p].star:
			starP, starN = p, n
			p++
		case p < len(m) && m[p].matches(rs[n]):
			p++
			n++
		case starP >= 0:
			// let the last '*' take one more character and retry
			starN++
			p, n = starP+1, starN
		default:
			return false
		}
	}
	for p < len(m) && m[p].star {
		p++
	}
	return p == len(m)
}

// pyRunes decodes s as Python decodes file names (UTF-8 with
// surrogateescape): an invalid byte b is the one character U+DC00+b.
func pyRunes(s string) []rune {
	rs := make([]rune, 0, len(s))
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && size == 1 {
			r = 0xDC00 + rune(s[0])
		}
		rs = append(rs, r)
		s = s[size:]
	}
	return rs
}
