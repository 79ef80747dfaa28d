package config

import (
	"os"
	"regexp"
	"strings"
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
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	re, err := regexp.Compile(fnmatchRegexp(pattern))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		name := e.Name()
		if name[0] == '.' && pattern[0] != '.' {
			continue
		}
		if dirOnly && !isDir(pyJoin(dir, name)) {
			continue
		}
		if re.MatchString(name) {
			out = append(out, name)
		}
	}
	return out
}

// fnmatchRegexp is Python's fnmatch.translate, for Go's regexp.
func fnmatchRegexp(pat string) string {
	rs := []rune(pat)
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for i := 0; i < len(rs); {
		c := rs[i]
		i++
		switch c {
		case '*':
			for i < len(rs) && rs[i] == '*' {
				i++
			}
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
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
				b.WriteString(`\[`)
				continue
			}
			stuff := rs[i:j]
			i = j + 1
			switch {
			case len(stuff) == 0:
				b.WriteString(`[^\x00-\x{10FFFF}]`) // never matches
			case len(stuff) == 1 && stuff[0] == '!':
				b.WriteString(".")
			default:
				b.WriteByte('[')
				k := 0
				if stuff[0] == '!' {
					b.WriteByte('^')
					k = 1
				}
				for ; k < len(stuff); k++ {
					switch r := stuff[k]; r {
					case '\\', '[', ']', '^':
						b.WriteByte('\\')
						b.WriteRune(r)
					default:
						b.WriteRune(r)
					}
				}
				b.WriteByte(']')
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`\z`)
	return b.String()
}
