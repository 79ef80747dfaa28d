package main

import (
	"errors"
	"io"
	"os"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/internal/jsonlite"
	"github.com/gosinit/gosinit/internal/textf"
)

const checkUsage = `usage: gosinit check [-c FILE | FILE] [--json] [--strict]

Load the configuration as gosinit would run it, and report every error and
warning. The file is named by -c or as the one argument; without either,
it is $GOSINIT_CONFIG, else the first of
supervisord's default paths that exists. Exit 0 when it loads (warnings go to
stderr), 2 when it has errors.

  -c FILE
    	configuration FILE (INI, or TOML when it ends in .toml)
  -config FILE
    	same as -c FILE
  -json
    	print the effective configuration as JSON on stdout
  -strict
    	treat warnings as errors
`

// cmdCheck implements `gosinit check`. It returns nil when the config
// loads, config.Errors for its errors (with --strict, warnings too), and
// errUsage for bad arguments. Warnings are printed to stderr here.
func cmdCheck(args []string, stdout, stderr io.Writer) error {
	usage := func() { io.WriteString(stderr, checkUsage) }
	fs := newFlags(stderr, usage)
	var file string
	var jsonOut, strict bool
	fs.StringVar(&file, "c")
	fs.StringVar(&file, "config")
	fs.BoolVar(&jsonOut, "json")
	fs.BoolVar(&strict, "strict")
	// The file may also come as an argument, before or after the flags
	// (`gosinit check app.conf --json`): flag stops at the first argument,
	// so the rest is parsed again.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, errHelp) {
				return nil
			}
			return errUsage
		}
		if len(fs.Args()) == 0 {
			break
		}
		positional = append(positional, fs.Args()[0])
		args = fs.Args()[1:]
	}
	if len(positional) > 1 || (len(positional) == 1 && file != "") {
		textf.Fprintf(stderr, "gosinit check: unexpected argument %q: one configuration file, by -c or as the argument\n", positional[len(positional)-1])
		usage()
		return errUsage
	}
	if len(positional) == 1 {
		file = positional[0]
	}
	if file == "" {
		found, err := config.Find(os.Environ())
		if err != nil {
			return &exitStatus{code: 2, msg: err.Error()}
		}
		file = found
	}
	host, _ := os.Hostname()
	cfg, err := config.Load(file, config.Env{Environ: os.Environ(), Hostname: host})
	errs, _ := err.(config.Errors) // Load's only kind of error
	var warnings []config.Diag
	if cfg != nil {
		printDiags(stderr, "info: ", cfg.Infos)
		warnings = cfg.Warnings
		if errs == nil {
			warnings = append(warnings, cfg.CheckHost()...)
		}
	}
	if cfg != nil {
		warnings = cfg.SortDiags(warnings)
	}
	if strict && len(warnings) > 0 {
		return config.Errors(cfg.SortDiags(append(append([]config.Diag(nil), errs...), warnings...)))
	}
	printDiags(stderr, "warning: ", warnings)
	if errs != nil {
		return errs
	}
	if jsonOut {
		cfg.Warnings = warnings
		// as an Encoder with SetEscapeHTML(false) and SetIndent("", "  ")
		compact, _ := cfg.MarshalJSON()
		out := append(jsonlite.Indent(nil, compact, "", "  "), '\n')
		if _, err := stdout.Write(out); err != nil {
			return textf.Errorf("check: write json: %w", err)
		}
	}
	return nil
}

// printDiags prints check's infos and warnings, and gosinit -c's warnings
// when the file has errors too. Not inlined (issue 2's size).
//
//go:noinline
func printDiags(w io.Writer, kind string, ds []config.Diag) {
	for i := range ds {
		textf.Fprintf(w, "%s%s\n", kind, &ds[i])
	}
}
