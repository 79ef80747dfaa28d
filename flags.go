package main

import (
	"errors"
	"io"
	"strconv"
	"strings"
)

// flagSet parses command lines exactly as package flag does with
// ContinueOnError, for the flags gosinit has: -name or --name; -name=value
// or -name value (a boolean takes a value only as -name=value); stop at
// the first argument that is not a flag, or after "--"; -h and -help are
// errHelp unless defined; the same error texts. It exists because flag
// formats defaults through fmt and reflect, which the binary size budget
// has no room for (issue 2); the usage texts list the flags themselves.
type flagSet struct {
	defs map[string]flagDef
	args []string
	// out gets the error and then usage() when Parse fails; nil discards.
	out   io.Writer
	usage func()
}

type flagDef struct {
	isBool bool
	set    func(string) error
}

// errHelp is flag.ErrHelp: -h or -help was given and not defined.
var errHelp = errors.New("flag: help requested")

// newFlags is not inlined: 5 call sites (issue 2's size).
//
//go:noinline
func newFlags(out io.Writer, usage func()) *flagSet {
	return &flagSet{defs: map[string]flagDef{}, out: out, usage: usage}
}

// Func defines a flag that takes a value. It and BoolFunc are not inlined:
// main defines some 50 flags, and inlined they cost 4 kB of the binary.
//
//go:noinline
func (f *flagSet) Func(name string, set func(string) error) {
	f.defs[name] = flagDef{set: set}
}

// BoolFunc defines a flag that takes no value, or -name=value.
//
//go:noinline
func (f *flagSet) BoolFunc(name string, set func(string) error) {
	f.defs[name] = flagDef{isBool: true, set: set}
}

// StringVar defines a string flag stored in p. Not inlined: each of a
// dozen call sites would get its own copy of the closure (issue 2's size).
//
//go:noinline
func (f *flagSet) StringVar(p *string, name string) {
	f.Func(name, func(s string) error { *p = s; return nil })
}

// BoolVar defines a boolean flag stored in p; its value is parsed as
// strconv.ParseBool parses it. Not inlined, as StringVar.
//
//go:noinline
func (f *flagSet) BoolVar(p *bool, name string) {
	f.BoolFunc(name, func(s string) error {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return newError("parse error")
		}
		*p = b
		return nil
	})
}

// Args is what is left after the flags.
func (f *flagSet) Args() []string { return f.args }

// Parse parses args; on an error it writes it and the usage to out.
func (f *flagSet) Parse(args []string) error {
	f.args = args
	for {
		done, err := f.one()
		if err != nil {
			if err != errHelp {
				if f.out != nil {
					io.WriteString(f.out, err.Error()+"\n")
				}
			}
			if f.usage != nil {
				f.usage()
			}
			return err
		}
		if done {
			return nil
		}
	}
}

// one parses the next flag, as flag.FlagSet.parseOne.
func (f *flagSet) one() (done bool, err error) {
	if len(f.args) == 0 {
		return true, nil
	}
	s := f.args[0]
	if len(s) < 2 || s[0] != '-' {
		return true, nil
	}
	minuses := 1
	if s[1] == '-' {
		minuses++
		if len(s) == 2 { // "--" ends the flags
			f.args = f.args[1:]
			return true, nil
		}
	}
	name := s[minuses:]
	if len(name) == 0 || name[0] == '-' || name[0] == '=' {
		return false, newError("bad flag syntax: " + s)
	}
	f.args = f.args[1:]
	value, hasValue := "", false
	for i := 1; i < len(name); i++ {
		if name[i] == '=' {
			value, hasValue = name[i+1:], true
			name = name[:i]
			break
		}
	}
	def, ok := f.defs[name]
	if !ok && minuses == 1 && !hasValue {
		if exp := f.cluster(name); exp != nil {
			f.args = append(exp, f.args...)
			return false, nil
		}
	}
	if !ok {
		if name == "help" || name == "h" {
			return false, errHelp
		}
		return false, newError("flag provided but not defined: -" + name)
	}
	if def.isBool {
		if !hasValue {
			value = "true"
		}
		if err := def.set(value); err != nil {
			if !hasValue {
				return false, newError("invalid boolean flag " + name + ": " + err.Error())
			}
			return false, newError("invalid boolean value " + strconv.Quote(value) + " for -" + name + ": " + err.Error())
		}
		return false, nil
	}
	if !hasValue && len(f.args) > 0 {
		value, hasValue = f.args[0], true
		f.args = f.args[1:]
	}
	if !hasValue {
		return false, newError("flag needs an argument: -" + name)
	}
	if err := def.set(value); err != nil {
		return false, newError("invalid value " + strconv.Quote(value) + " for flag -" + name + ": " + err.Error())
	}
	return false, nil
}

// cluster splits tini's getopt clusters ("-sg", "-gv", "-e143",
// "-pSIGTERM", "-sge 143") into single flags, or returns nil. Only tini's
// letters: a mistyped long flag ("-gracee") is not taken apart.
func (f *flagSet) cluster(name string) []string {
	var out []string
	for i := 0; i < len(name); i++ {
		c := name[i : i+1]
		if _, ok := f.defs[c]; !ok {
			return nil
		}
		switch {
		case strings.Contains("sgvw", c):
			out = append(out, "-"+c)
		case strings.Contains("ep", c):
			out = append(out, "-"+c)
			if i+1 < len(name) {
				out = append(out, name[i+1:])
			}
			return out
		default:
			return nil
		}
	}
	return out
}
