package main

import (
	"errors"
	"strconv"
)

// Errors that subcommands return to main, which alone maps them to exit
// codes (exitCode below). A subcommand either prints a message or returns an
// error that carries it, never both.
var (
	// errUsage: bad flags or arguments. Exit 2.
	errUsage = errors.New("usage")
)

// exitStatus is an error that asks main to exit with a given status and
// print nothing more (the subcommand has already said what it had to say,
// or the status is the answer, as in `gosinit status` exiting 3).
type exitStatus struct {
	_ [0]func() // incomparable: no generated equality function (text)

	code int
	msg  string // printed on stderr when not empty
}

func (e *exitStatus) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return "exit status " + itoa(e.code)
}

// itoa is strconv.Itoa, not inlined: inlined, its fast path for small
// numbers was copied into each of its nine call sites (issue 2's size).
//
//go:noinline
func itoa(n int) string { return strconv.Itoa(n) }

// newError is errors.New, not inlined: each inlined copy cost text at its
// call site (issue 2's size).
//
//go:noinline
func newError(msg string) error { return errors.New(msg) }
