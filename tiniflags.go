package main

// tiniflags.go: the flags and environment variables of tini and dumb-init,
// so that an image moving from either keeps its ENTRYPOINT line:
//
//	tini -s -p SIGTERM -w -vv -g -e 143 -- CMD    (and TINI_VERBOSITY)
//	dumb-init --rewrite 15:3 --single-child -- CMD (and DUMB_INIT_SETSID=0)
//
// -g and -e are gosinit's own (the same meaning). -s, --subreaper in tini,
// is what gosinit always is when not PID 1 (and -s with -c is supervisord's
// --silent). -v before a COMMAND is tini's verbosity, else the version;
// DUMB_INIT_DEBUG=1 is TINI_VERBOSITY=3 (debug).
// dumb-init's -c (single child) cannot be taken: -c is the configuration;
// --single-child, its long form, works.

import (
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/internal/textf"
)

type tiniFlags struct {
	verbose  int // -v counts 1, -vv 2, -vvv 3: tini's verbosity minus 1
	tiniVerb int // TINI_VERBOSITY + 1, or 0 when unset
	warnReap bool
	pdeath   unix.Signal
	rewrite  map[unix.Signal]unix.Signal
}

// define adds the flags to fs.
func (tf *tiniFlags) define(fs *flagSet, group *bool) {
	fs.BoolFunc("vv", func(string) error { tf.verbose = max(tf.verbose, 2); return nil })
	fs.BoolFunc("vvv", func(string) error { tf.verbose = max(tf.verbose, 3); return nil })
	fs.BoolVar(&tf.warnReap, "w")
	fs.Func("p", tf.setPdeath)
	fs.Func("r", tf.setRewrite)
	fs.Func("rewrite", tf.setRewrite)
	fs.BoolFunc("single-child", func(v string) error {
		b, err := strconv.ParseBool(v)
		*group = !b
		return err
	})
}

// fromEnv reads GOSINIT_PDEATHSIG, GOSINIT_REWRITE, GOSINIT_WARN_ON_REAP,
// and tini's TINI_VERBOSITY, dumb-init's DUMB_INIT_DEBUG=1 (when
// TINI_VERBOSITY is unset) and DUMB_INIT_SETSID=0 (only when
// GOSINIT_GROUP is not set).
func (tf *tiniFlags) fromEnv(env func(string) (string, bool), group *bool) error {
	if v, ok := env("PDEATHSIG"); ok {
		if err := tf.setPdeath(v); err != nil {
			return textf.Errorf("GOSINIT_PDEATHSIG: %w", err)
		}
	}
	if v, ok := env("REWRITE"); ok {
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				if err := tf.setRewrite(r); err != nil {
					return textf.Errorf("GOSINIT_REWRITE: %w", err)
				}
			}
		}
	}
	if v, ok := env("WARN_ON_REAP"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil { // as GOSINIT_GROUP's: never silently false
			return textf.Errorf("GOSINIT_WARN_ON_REAP=%q is not a boolean", v)
		}
		tf.warnReap = b
	}
	if v, ok := os.LookupEnv("TINI_VERBOSITY"); ok {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			tf.tiniVerb = n + 1
		}
	} else if os.Getenv("DUMB_INIT_DEBUG") == "1" {
		tf.tiniVerb = 4 // dumb-init's debug mode: TINI_VERBOSITY=3
	}
	if _, set := env("GROUP"); !set && os.Getenv("DUMB_INIT_SETSID") == "0" {
		*group = false
	}
	return nil
}

// level is the log level that -v, -vv, -vvv or TINI_VERBOSITY ask for, or
// "" for the default (warn). tini prints warnings at 1 (its default),
// information at 2, debugging at 3 and tracing at 4; 0 keeps only fatal
// errors.
func (tf *tiniFlags) level() string {
	v := 0
	if tf.verbose > 0 {
		v = tf.verbose + 1
	} else if tf.tiniVerb > 0 {
		v = tf.tiniVerb - 1
	} else {
		return ""
	}
	switch {
	case v == 0:
		return "critical"
	case v == 1:
		return "warn"
	case v == 2:
		return "info"
	case v == 3:
		return "debug"
	}
	return "trace"
}

// parseSignal takes a name (TERM, SIGTERM, sigterm) or a number from 1 to
// 64.
func parseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 64 {
			return 0, textf.Errorf("signal %d is not from 1 to 64", n)
		}
		return unix.Signal(n), nil
	}
	// config's table also holds SIG_IGN, SIG_BLOCK and the like.
	sig, err := config.ParseSignal(s)
	if err != nil || sig == 0 || strings.Contains(s, "_") {
		return 0, textf.Errorf("unknown signal %q", s)
	}
	return unix.Signal(sig), nil
}

// setPdeath is tini's -p SIGNAL: the signal gosinit gets when its parent
// dies.
func (tf *tiniFlags) setPdeath(v string) error {
	sig, err := parseSignal(v)
	if err == nil && sig == unix.SIGCHLD {
		err = textf.Errorf("SIGCHLD cannot be the parent-death signal")
	}
	tf.pdeath = sig
	return err
}

// setRewrite is dumb-init's --rewrite S:R: forward R instead of S, nothing
// for R=0.
func (tf *tiniFlags) setRewrite(v string) error {
	from, to, ok := strings.Cut(v, ":")
	if !ok {
		return textf.Errorf("--rewrite %q: want SIGNAL:SIGNAL, e.g. 15:3 or TERM:QUIT (0 drops the signal)", v)
	}
	s, err := parseSignal(from)
	if err != nil {
		return textf.Errorf("--rewrite %q: %w", v, err)
	}
	var r unix.Signal
	if strings.TrimSpace(to) != "0" {
		if r, err = parseSignal(to); err != nil {
			return textf.Errorf("--rewrite %q: %w", v, err)
		}
	}
	tf.rewrite[s] = r
	return nil
}

// parentDeath asks the kernel for the -p signal when gosinit's parent
// dies. If the parent died already, between the start and now, the signal
// comes at once.
func (tf *tiniFlags) parentDeath(stderr io.Writer) {
	if tf.pdeath == 0 {
		return
	}
	ppid := os.Getppid()
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(tf.pdeath), 0, 0, 0); err != nil {
		textf.Fprintf(stderr, "gosinit: -p: cannot set the parent-death signal: %v\n", err)
		return
	}
	if os.Getppid() != ppid {
		unix.Kill(os.Getpid(), tf.pdeath)
	}
}
