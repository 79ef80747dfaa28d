package textf

import (
	"go/ast"
	"go/build"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
	"testing"
)

// TestCallSitesUseSupportedOperands type-checks every non-test package of
// the module and looks at every printf-style call with a constant format
// (textf's functions and the wrappers that pass a format and ...any on to
// them). Each verb's operand must be a type textf formats as fmt does: vet
// (make unit) checks the calls as fmt's, and fmt formats named types,
// structs and pointers by reflect, which textf cannot; such an operand
// would print as %!d(?) or %!v(unsupported) in a log line or an error.
func TestCallSitesUseSupportedOperands(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the module from source (about 2 s)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "source", nil)
	calls := 0
	for _, dir := range []string{".", "config", "proc", "internal/jsonlite"} {
		path := "github.com/gosinit/gosinit"
		if dir != "." {
			path += "/" + dir
		}
		files := parseDir(t, fset, filepath.Join(root, dir))
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
		conf := types.Config{Importer: imp.(types.ImporterFrom)}
		if _, err := conf.Check(path, fset, files, info); err != nil {
			t.Fatalf("type-check %s: %v", path, err)
		}
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				format, args, ok := printfCall(info, call)
				if !ok {
					return true
				}
				calls++
				for _, p := range checkCall(format, args, info) {
					t.Errorf("%s: %s", fset.Position(call.Pos()), p)
				}
				return true
			})
		}
	}
	// The module has some 300 such calls: a scan that finds few has
	// stopped recognising them.
	t.Logf("%d printf-style calls checked", calls)
	if calls < 200 {
		t.Errorf("found only %d printf-style calls", calls)
	}
}

func parseDir(t *testing.T, fset *token.FileSet, dir string) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		// the files of this build: not vet.go's gosinit_fmt, and one of
		// the files that differ by architecture (proc/sysnames*.go)
		if ok, err := build.Default.MatchFile(dir, filepath.Base(name)); err != nil {
			t.Fatal(err)
		} else if !ok {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// printfCall recognises a call of a function whose last two parameters
// are (format string, args ...any), with a constant format.
func printfCall(info *types.Info, call *ast.CallExpr) (string, []ast.Expr, bool) {
	sig, ok := info.Types[call.Fun].Type.(*types.Signature)
	if !ok || !sig.Variadic() || sig.Params().Len() < 2 || call.Ellipsis.IsValid() {
		return "", nil, false
	}
	n := sig.Params().Len()
	last, ok := sig.Params().At(n - 1).Type().(*types.Slice)
	if !ok || !types.Identical(last.Elem(), types.NewInterfaceType(nil, nil)) {
		return "", nil, false
	}
	if b, ok := sig.Params().At(n - 2).Type().(*types.Basic); !ok || b.Kind() != types.String {
		return "", nil, false
	}
	tv := info.Types[call.Args[n-2]]
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", nil, false
	}
	return constant.StringVal(tv.Value), call.Args[n-1:], true
}

// checkCall pairs each verb of format with its operand and returns what
// textf cannot format.
func checkCall(format string, args []ast.Expr, info *types.Info) []string {
	var problems []string
	argi := 0
	next := func() types.Type {
		if argi >= len(args) {
			return nil
		}
		argi++
		return info.Types[args[argi-1]].Type
	}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		sharp := false
		for i < len(format) && strings.IndexByte("+-# 0123456789.", format[i]) >= 0 {
			sharp = sharp || format[i] == '#'
			i++
		}
		for i < len(format) && format[i] == '*' { // a width or precision operand
			next()
			i++
			for i < len(format) && strings.IndexByte(".0123456789", format[i]) >= 0 {
				i++
			}
		}
		if i >= len(format) || format[i] == '%' {
			continue
		}
		verb := format[i]
		typ := next()
		if typ == nil {
			continue // missing operand: vet reports it
		}
		if sharp && strings.IndexByte("xXoOqUb", verb) < 0 {
			problems = append(problems, "%#"+string(verb)+" is not supported (# only with x X o O q U b)")
			continue
		}
		if !supportedOperand(verb, typ) {
			problems = append(problems, "%"+string(verb)+" with an operand of type "+typ.String())
		}
	}
	return problems
}

var (
	errorType    = types.Universe.Lookup("error").Type().Underlying().(*types.Interface)
	stringerType = types.NewInterfaceType([]*types.Func{
		types.NewFunc(token.NoPos, nil, "String", types.NewSignatureType(nil, nil, nil, nil,
			types.NewTuple(types.NewVar(token.NoPos, nil, "", types.Typ[types.String])), false)),
	}, nil).Complete()
)

// supportedOperand mirrors printer.arg's type switch: the dynamic type of
// the operand, which for a non-interface operand is its static type.
func supportedOperand(verb byte, typ types.Type) bool {
	typ = types.Unalias(typ)
	in := func(verbs string) bool { return strings.IndexByte(verbs, verb) >= 0 }
	if b, ok := typ.(*types.Basic); ok && b.Kind() == types.UntypedNil {
		return verb == 'v'
	}
	if iface, ok := typ.Underlying().(*types.Interface); ok {
		if iface.Empty() {
			return in("vs") // unknown until run time; these at least print anything textf knows
		}
		return (types.Implements(typ, errorType) || types.Implements(typ, stringerType)) && in("vsqxXw")
	}
	if types.Implements(typ, errorType) || types.Implements(typ, stringerType) {
		return in("vsqxXw")
	}
	switch u := typ.(type) {
	case *types.Basic:
		info := u.Info()
		switch {
		case info&types.IsString != 0:
			return in("vsqxX")
		case info&types.IsBoolean != 0:
			return in("vt")
		case info&types.IsInteger != 0:
			return in("vdxXoObcqU")
		case info&types.IsFloat != 0:
			return in("veEfFgG")
		}
	case *types.Slice:
		if e, ok := types.Unalias(u.Elem()).(*types.Basic); ok {
			switch e.Kind() {
			case types.Byte:
				return in("vdsqxX")
			case types.String:
				return in("vsq")
			case types.Int:
				return in("vd")
			}
		}
	}
	return false // a named non-Stringer, a struct, a pointer, a map...
}

func TestSupportedOperand(t *testing.T) {
	named := types.NewNamed(types.NewTypeName(token.NoPos, nil, "Level", nil), types.Typ[types.Int], nil)
	for _, tc := range []struct {
		verb byte
		typ  types.Type
		want bool
	}{
		{'d', types.Typ[types.Int], true},
		{'s', types.Typ[types.String], true},
		{'d', types.Typ[types.String], false},
		{'v', types.Typ[types.UntypedNil], true},
		{'d', named, false}, // a named int without String: %!d(?)
		{'v', named, false},
		{'v', errorType, true},
		{'w', types.Universe.Lookup("error").Type(), true},
		{'d', types.Universe.Lookup("error").Type(), false},
		{'v', types.NewSlice(types.Typ[types.String]), true},
		{'v', types.NewSlice(types.Typ[types.Int64]), false},
		{'x', types.NewSlice(types.Typ[types.Byte]), true},
		{'v', types.NewPointer(types.Typ[types.Int]), false},
		{'v', types.NewStruct(nil, nil), false},
		{'f', types.Typ[types.Float64], true},
		{'t', types.Typ[types.Bool], true},
		{'c', types.Typ[types.Rune], true},
	} {
		if got := supportedOperand(tc.verb, tc.typ); got != tc.want {
			t.Errorf("supportedOperand(%%%c, %s) = %v, want %v", tc.verb, tc.typ, got, tc.want)
		}
	}
}
