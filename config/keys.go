package config

import (
	"strings"

	"github.com/gosinit/gosinit/internal/strsort"
)

// Known keys per section kind. supervisord silently ignores anything else;
// we warn, with a "did you mean" when a known key is one edit away.

var supervisordKeys = keySet("logfile logfile_maxbytes logfile_backups loglevel " +
	"pidfile umask nodaemon silent minfds minprocs nocleanup childlogdir " +
	"user directory strip_ansi environment identifier")

// programKeyList is programKeys as keySet takes them.
const programKeyList = "command process_name numprocs numprocs_start priority " +
	"autostart autorestart startsecs startretries exitcodes stopsignal " +
	"stopwaitsecs stopasgroup killasgroup user redirect_stderr " +
	"stdout_logfile stdout_logfile_maxbytes stdout_logfile_backups " +
	"stdout_capture_maxbytes stdout_events_enabled stdout_syslog " +
	"stderr_logfile stderr_logfile_maxbytes stderr_logfile_backups " +
	"stderr_capture_maxbytes stderr_events_enabled stderr_syslog " +
	"environment directory umask serverurl " +
	// gosinit's own; supervisord ignores them
	"essential stdout_prefix stderr_prefix"

var programKeys = keySet(programKeyList)

var groupKeys = keySet("programs priority")

// listenerKeys: an [eventlistener:x] takes every program key and its own.
var listenerKeys = keySet(programKeyList, "events buffer_size result_handler")

// fcgiKeys: an [fcgi-program:x] takes every program key and its socket's.
var fcgiKeys = keySet(programKeyList, "socket socket_backlog socket_owner socket_mode")

var includeKeys = keySet("files")

var gosinitKeys = keySet("status_file stdout_prefix stderr_prefix")

// rpcSections are accepted and ignored: gosinit has no RPC surface.
var rpcSections = keySet("unix_http_server inet_http_server supervisorctl")

// sectionNames are the plain section names, for suggestions.
var sectionNames = []string{"supervisord", "gosinit", "include", "unix_http_server",
	"inet_http_server", "supervisorctl"}

// sectionPrefixes are the "kind:" prefixes, for suggestions.
var sectionPrefixes = []string{"program", "group", "eventlistener", "fcgi-program",
	"rpcinterface", "ctlplugin"}

// keySet is the set of the space-separated keys in lists. Keys in a
// string, not one string each: each list of strings was copied onto the
// stack at init (0.8 kB of text, issue 2). Not inlined: its inlined
// copies in the key tables cost 1.4 kB of the binary.
//
//go:noinline
func keySet(lists ...string) map[string]bool {
	m := map[string]bool{}
	for _, keys := range lists {
		for _, k := range strings.Fields(keys) {
			m[k] = true
		}
	}
	return m
}

// allKeys is every key some section knows, for [DEFAULT].
func allKeys() map[string]bool {
	m := map[string]bool{}
	for _, set := range []map[string]bool{supervisordKeys, programKeys, listenerKeys, fcgiKeys, groupKeys, includeKeys, gosinitKeys} {
		for k := range set {
			m[k] = true
		}
	}
	return m
}

// suggestKey returns the known key one edit away from k, or "".
func suggestKey(k string, known map[string]bool) string {
	var cands []string
	for c := range known {
		if oneEdit(k, c) {
			cands = append(cands, c)
		}
	}
	strsort.Sort(cands)
	if len(cands) == 0 {
		return ""
	}
	return cands[0]
}

// suggestSection returns a known section name close to name, or "".
func suggestSection(name string) string {
	kind, rest, hasColon := strings.Cut(name, ":")
	if hasColon {
		for _, p := range sectionPrefixes {
			if strings.EqualFold(kind, p) || oneEdit(strings.ToLower(kind), p) || strings.EqualFold(pyStrip(kind), p) {
				return p + ":" + pyStrip(rest)
			}
		}
		return ""
	}
	trimmed := pyStrip(name)
	for _, p := range sectionNames {
		if strings.EqualFold(trimmed, p) || oneEdit(strings.ToLower(trimmed), p) {
			return p
		}
	}
	return ""
}

// oneEdit reports whether a and b differ by exactly one insertion,
// deletion, substitution or transposition of adjacent characters.
func oneEdit(a, b string) bool {
	if a == b {
		return false
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	switch len(rb) - len(ra) {
	case 0:
		diff := -1
		for i := range ra {
			if ra[i] != rb[i] {
				if diff >= 0 {
					// a second difference: only an adjacent transposition
					return diff == i-1 && ra[diff] == rb[i] && ra[i] == rb[diff] && string(ra[i+1:]) == string(rb[i+1:])
				}
				diff = i
			}
		}
		return true
	case 1:
		i := 0
		for i < len(ra) && ra[i] == rb[i] {
			i++
		}
		return string(ra[i:]) == string(rb[i+1:])
	}
	return false
}
