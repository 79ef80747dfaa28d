package config

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/gosinit/gosinit/internal/strsort"
	"github.com/gosinit/gosinit/internal/textf"
)

// The TOML front end maps a .toml file onto the same sections and keys as
// the INI dialect, so both go through one set of rules and give the same
// model:
//
//	[supervisord]            -> [supervisord]     (also [gosinit], [include],
//	[program.web]            -> [program:web]      [unix_http_server], ...)
//	[group.g]                -> [group:g]          (also eventlistener,
//	                                               fcgi-program, rpcinterface,
//	                                               ctlplugin)
//
// Values: a string is taken as the INI text would be (so %(name)s
// expansions apply and a literal % is %%); an integer is its decimal
// digits, except the modes (umask, socket_mode, chmod), where it is the
// number itself (write 0o022 or "022", 0o660 or "660"); a boolean is
// true/false; exitcodes = [0, 2] and programs = ["a", "b"] are lists; [include] files is a list of globs or
// one string; environment is a table ({ KEY = "value" }), whose values are
// expanded like the INI string would be, or supervisord's KEY=value,...
// string. Keys are case-insensitive, as in INI.

// tables whose entries are sections named "kind:name"
var tomlKinds = keySet("program group eventlistener fcgi-program rpcinterface ctlplugin")

// tomlPos is where the table or key at path (or its nearest parent) is
// written. Not parseTOML's closure: that was inlined at its five calls
// (issue 2's size).
//
//go:noinline
func tomlPos(file string, lines map[string]int, path []string) Pos {
	for n := len(path); n > 0; n-- {
		if line, ok := lines[strings.Join(path[:n], "\x00")]; ok {
			return Pos{file, line}
		}
	}
	return Pos{file, 1}
}

func (l *loader) parseTOML(doc *document, file string, data []byte) {
	m, lines, err := decodeTOML(data)
	if err != nil {
		if te, ok := errors.AsType[*tomlError](err); ok {
			l.errorf(Pos{file, te.line}, "", "", "%s", te.msg)
		} else {
			l.errorf(Pos{file, 1}, "", "", "%v", err)
		}
		return
	}
	at := func(path ...string) Pos { return tomlPos(file, lines, path) }
	type sec struct {
		name string
		path []string
		body map[string]any
	}
	var secs []sec
	for _, top := range byLine(m, lines, nil) {
		t, ok := m[top].(map[string]any)
		if !ok {
			l.errorf(at(top), "", top, "must be a table: write [%s] with its keys below it", top)
			continue
		}
		if !tomlKinds[top] {
			secs = append(secs, sec{top, []string{top}, t})
			continue
		}
		for _, name := range byLine(t, lines, []string{top}) {
			body, ok := t[name].(map[string]any)
			if !ok {
				l.errorf(at(top, name), "", top+"."+name, "must be a table: write [%s.%s] with its keys below it", top, name)
				continue
			}
			// Appended, not a []string{top, name}: that literal's
			// [2]string array type came with a generated equality function.
			secs = append(secs, sec{top + ":" + name, append(make([]string, 0, 2), top, name), body})
		}
	}
	for _, sc := range secs {
		s, reopened := doc.open(sc.name, at(sc.path...))
		if reopened {
			l.warnf(at(sc.path...), sc.name, "", "duplicate section (first at %s): its keys are merged, later values win", s.pos.short(file))
		}
		for _, k := range byLine(sc.body, lines, sc.path) {
			pos := at(append(append([]string(nil), sc.path...), k)...)
			e, err := tomlEntry(strings.ToLower(k), sc.body[k])
			if err != nil {
				l.errorf(pos, sc.name, strings.ToLower(k), "%v", err)
				e = &entry{key: strings.ToLower(k), bad: true}
			}
			e.pos = pos
			if old := s.set(e); old != nil {
				l.warnf(pos, sc.name, e.key, "duplicate key (also set at %s): the last value wins", old.pos.short(file))
			}
		}
	}
}

// byLine returns m's keys in the order they appear in the file.
func byLine(m map[string]any, lines map[string]int, path []string) []string {
	// Keys are unique: a stable sort orders them as sort.Slice did. It
	// sorts pointers, as (*loader).sorted explains.
	type keyLine struct {
		_ [0]func() // incomparable: no generated equality function (text)

		key  string
		line int
	}
	kls := make([]*keyLine, 0, len(m))
	for k := range m {
		n, ok := lines[strings.Join(append(append([]string(nil), path...), k), "\x00")]
		if !ok {
			n = 1 << 30
		}
		kls = append(kls, &keyLine{key: k, line: n})
	}
	slices.SortStableFunc(kls, func(a, b *keyLine) int {
		return cmp.Or(cmp.Compare(a.line, b.line), strings.Compare(a.key, b.key))
	})
	keys := make([]string, len(kls))
	for i, kl := range kls {
		keys[i] = kl.key
	}
	return keys
}

// tomlEntry turns one TOML value into the INI text it stands for.
func tomlEntry(key string, v any) (*entry, error) {
	e := &entry{key: key}
	switch x := v.(type) {
	case string:
		e.value = x
	case int64:
		if key == "umask" || key == "socket_mode" || key == "chmod" {
			// TOML keeps no base: 0o660 arrives as 432, and a bare 660
			// (over 0o777) is the one mistake that can be caught.
			if x < 0 {
				return nil, textf.Errorf("%d is not a mode", x)
			}
			if x > 0o777 {
				return nil, textf.Errorf("%d is not a mode: write it in octal, 0o%d or \"%d\"", x, x, x)
			}
			e.value = strconv.FormatInt(x, 8)
		} else {
			e.value = strconv.FormatInt(x, 10)
		}
	case bool:
		e.value = strconv.FormatBool(x)
	case []any:
		var parts []string
		for _, item := range x {
			switch y := item.(type) {
			case string:
				parts = append(parts, y)
			case int64:
				parts = append(parts, strconv.FormatInt(y, 10))
			default:
				return nil, textf.Errorf("list items must be strings or integers, not %s", tomlType(item))
			}
		}
		switch key {
		case "files":
			e.list = parts
			if e.list == nil {
				e.list = []string{}
			}
			e.value = strings.Join(parts, " ")
		case "exitcodes", "programs", "events":
			e.value = strings.Join(parts, ",")
		default:
			return nil, textf.Errorf("must be a single value, not a list")
		}
	case map[string]any:
		if key != "environment" {
			return nil, textf.Errorf("must be a single value, not a table")
		}
		e.isEnv = true
		names := make([]string, 0, len(x))
		for k := range x {
			names = append(names, k)
		}
		strsort.Sort(names)
		for _, k := range names {
			var s string
			switch y := x[k].(type) {
			case string:
				s = y
			case int64:
				s = strconv.FormatInt(y, 10)
			case bool:
				s = strconv.FormatBool(y)
			default:
				return nil, textf.Errorf("%s: values must be strings, integers or booleans, not %s", k, tomlType(x[k]))
			}
			e.env = append(e.env, envPair{Key: k, Value: s})
		}
	case tomlFloat:
		return nil, textf.Errorf("%s: must be an integer or a string", string(x))
	default:
		return nil, textf.Errorf("a %s is not a value supervisord knows", tomlType(v))
	}
	return e, nil
}

// tomlType names a decoded TOML value's type in TOML's words. Not
// inlined: 3 call sites, 0.5 kB (issue 2's size).
//
//go:noinline
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case tomlFloat:
		return "float"
	case bool:
		return "boolean"
	case []any, []map[string]any:
		return "array"
	case map[string]any:
		return "table"
	}
	return "date-time"
}
