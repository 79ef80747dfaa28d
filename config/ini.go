package config

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The INI front end is our own reader, not gopkg.in/ini.v1: that library
// keeps no line numbers (every message here names FILE:LINE) and does not
// follow the rules of Python's configparser.RawConfigParser as supervisord
// configures it (options.py UnhosedConfigParser), which decide what a real
// supervisord.conf means:
//
//   - lines end at \n, \r\n or \r (Python's universal newlines);
//   - a line whose first non-blank character is ';' or '#' is a comment;
//     ';' and '#' start an inline comment only at the start of the line or
//     after whitespace, found by configparser's round-based search;
//   - "[name]" opens a section; a name seen before reopens (merges into)
//     it; [DEFAULT] holds keys every section inherits;
//   - "key = value" or "key: value", split at the first '=' or ':'; keys are
//     lower-cased, keys and values stripped; a repeated key replaces the
//     earlier value (we warn about both kinds of duplicates);
//   - a line indented deeper than the key line continues the value, joined
//     with "\n"; blank lines inside a value are kept, trailing ones dropped.

// document is what a front end produces: sections in the order they first
// appear, keys still strings, before any typing or expansion.
type document struct {
	sections []*section
	byName   map[string]*section
	defaults *section // [DEFAULT]; nil when there is none
	files    []string // every file read, main first
}

func newDocument() *document { return &document{byName: map[string]*section{}} }

// section is one [name], merged over every place it appears.
type section struct {
	name  string
	pos   Pos // where it first appears
	keys  map[string]*entry
	order []string
}

// entry is one key's value and where it was set (the last time).
type entry struct {
	key   string
	value string
	pos   Pos
	more  []string // while reading: continuation lines, before joining

	// TOML only: a list value ([include] files) or an environment table.
	list  []string
	env   []envPair
	isEnv bool

	bad bool // the value had the wrong type (reported): use the default
}

func fileIndex(files []string, file string) int {
	for i, f := range files {
		if f == file {
			return i
		}
	}
	return len(files)
}

// open returns the section called name, creating it at pos if needed.
// reopened reports a section that existed before.
// Not inlined: 1.1 kB of the binary (issue 2).
//
//go:noinline
func (d *document) open(name string, pos Pos) (s *section, reopened bool) {
	if name == "DEFAULT" {
		if d.defaults == nil {
			d.defaults = &section{name: name, pos: pos, keys: map[string]*entry{}}
			return d.defaults, false
		}
		return d.defaults, true
	}
	if s := d.byName[name]; s != nil {
		return s, true
	}
	s = &section{name: name, pos: pos, keys: make(map[string]*entry, 16)}
	d.sections = append(d.sections, s)
	d.byName[name] = s
	return s, false
}

// set stores e in s, returning the entry it replaces, if any.
// Not inlined: its inlined copies cost text (issue 2's size).
//
//go:noinline
func (s *section) set(e *entry) (old *entry) {
	old = s.keys[e.key]
	if old == nil {
		s.order = append(s.order, e.key)
	}
	s.keys[e.key] = e
	return old
}

// splitLines splits like Python's universal newlines mode.
func splitLines(s string) []string {
	var lines []string
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// commentStart is where an inline or full-line comment starts in line, or
// -1. It is configparser's algorithm: in round k it looks at the k-th
// occurrence of each prefix and stops after the first round in which some
// occurrence is at the start of the line or after whitespace.
func commentStart(line string) int {
	start := -1
	idx := [2]int{-1, -1}
	active := [2]bool{true, true}
	prefixes := [2]byte{';', '#'}
	for start < 0 && (active[0] || active[1]) {
		for k, p := range prefixes {
			if !active[k] {
				continue
			}
			j := strings.IndexByte(line[idx[k]+1:], p)
			if j < 0 {
				active[k] = false
				continue
			}
			j += idx[k] + 1
			idx[k] = j
			if j == 0 {
				start = 0
			} else if r, _ := utf8.DecodeLastRuneInString(line[:j]); pyIsSpace(r) && (start < 0 || j < start) {
				start = j
			}
		}
	}
	if t := pyStrip(line); strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";") {
		start = 0
	}
	return start
}

// indentOf counts the whitespace characters that start line.
func indentOf(line string) int {
	n := 0
	for _, r := range line {
		if !pyIsSpace(r) {
			break
		}
		n++
	}
	return n
}

// sectionHeader matches configparser's `\[(?P<header>.+)\]` at the start
// of value: the name runs to the last ']'.
func sectionHeader(value string) (string, bool) {
	if !strings.HasPrefix(value, "[") {
		return "", false
	}
	j := strings.LastIndexByte(value, ']')
	if j < 2 {
		return "", false
	}
	return value[1:j], true
}

// splitOption splits "key = value" or "key: value" at the first delimiter.
func splitOption(value string) (key, val string, ok bool) {
	i := strings.IndexAny(value, "=:")
	if i < 0 {
		return "", "", false
	}
	return pyRstrip(value[:i]), pyStrip(value[i+1:]), true
}

// parseINI reads one file into doc, the way RawConfigParser.read does.
func (l *loader) parseINI(doc *document, file string, data []byte) {
	text := string(data)
	if !utf8.ValidString(text) {
		i := 0
		for i < len(text) {
			r, size := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		line := 1 + strings.Count(text[:i], "\n")
		l.errorf(Pos{file, line}, "", "", "not valid UTF-8 (supervisord reads configs as UTF-8)")
	}
	var (
		cur         *section
		curEntry    *entry
		indentLevel int
		touched     []*entry // entries with continuation lines
		orphans     bool
	)
	for n, line := range splitLines(text) {
		pos := Pos{file, n + 1}
		cs := commentStart(line)
		raw := line
		if cs >= 0 {
			raw = line[:cs]
		}
		value := pyStrip(raw)
		if value == "" {
			if cs < 0 && cur != nil && curEntry != nil {
				if curEntry.more == nil {
					touched = append(touched, curEntry)
				}
				curEntry.more = append(curEntry.more, "")
			}
			continue
		}
		indent := indentOf(line)
		if cur != nil && curEntry != nil && indent > indentLevel {
			if curEntry.more == nil {
				touched = append(touched, curEntry)
			}
			curEntry.more = append(curEntry.more, value)
			continue
		}
		indentLevel = indent
		if name, ok := sectionHeader(value); ok {
			var reopened bool
			first := doc.byName[name]
			if name == "DEFAULT" {
				first = doc.defaults
			}
			cur, reopened = doc.open(name, pos)
			if reopened {
				l.warnf(pos, name, "", "duplicate section (first at %s): its keys are merged, later values win", first.pos.short(file))
			}
			curEntry = nil
			continue
		}
		if cur == nil {
			if !orphans {
				if n == 0 && strings.HasPrefix(value, "\ufeff") {
					l.errorf(pos, "", "", "the file starts with a byte order mark, which supervisord does not accept; save it as UTF-8 without BOM")
				} else {
					l.errorf(pos, "", "", "%q is outside any section (a file must start with a [section] header)", truncate(value))
				}
				orphans = true
			}
			continue
		}
		key, val, ok := splitOption(value)
		if !ok {
			l.errorf(pos, cur.name, "", "%q is neither a [section] header nor a key = value line", truncate(value))
			continue
		}
		if key == "" {
			l.errorf(pos, cur.name, "", "%q has no key before the '=' or ':'", truncate(value))
			curEntry = nil
			continue
		}
		e := &entry{key: strings.ToLower(key), pos: pos, value: val}
		if old := cur.set(e); old != nil {
			l.warnf(pos, cur.name, e.key, "duplicate key (also set at %s): the last value wins", old.pos.short(file))
		}
		curEntry = e
	}
	for _, e := range touched {
		e.value = pyRstrip(e.value + "\n" + strings.Join(e.more, "\n"))
		e.more = nil
	}
}

// short renders p relative to the file a message is about: "line 12" in
// the same file, "FILE:12" in another.
func (p Pos) short(file string) string {
	if p.File == file {
		return "line " + strconv.Itoa(p.Line)
	}
	return p.File + ":" + strconv.Itoa(p.Line)
}

// truncate is not inlined: 5 call sites, 1.1 kB of the binary (issue 2).
//
//go:noinline
func truncate(s string) string {
	if utf8.RuneCountInString(s) > 60 {
		return string([]rune(s)[:57]) + "..."
	}
	return s
}
