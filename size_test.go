package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestBinaryLinksNoFmtOrReflect keeps fmt, flag, reflect's Value machinery
// and encoding/json out of the binary: they cost it about 300 kB of issue
// 2's 2.5 MB budget. A new fmt.Errorf (use internal/textf), a
// runtime/debug.ReadBuildInfo (it formats with fmt) or a reflect-based
// helper brings them back; this test names the symbols that did. It also
// keeps out errors.As and sort.Slice/SliceStable, which bring in
// internal/reflectlite (20 and 10 kB): use errors.AsType, and
// slices.SortStableFunc on pointers (see config's (*loader).sorted), and
// slices.Sort / sort.Strings on strings (5 kB): use internal/strsort.
func TestBinaryLinksNoFmtOrReflect(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "gosinit-syms")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	// reflect's package init stays (encoding/binary imports reflect), but
	// none of its code does.
	bad := regexp.MustCompile(`(?m)^\s*[0-9a-f]+ [Tt] ((fmt|flag|encoding/json|internal/fmtsort)\.\S+|reflect\.[^i]\S*|errors\.[Aa]s|sort\.Slice\S*|slices\.pdqsortOrdered\S*)$`)
	if m := bad.FindAllString(string(out), 10); len(m) > 0 {
		t.Errorf("the binary links code it should not (showing up to 10):\n%q", m)
	}
	if !regexp.MustCompile(`(?m) T main\.main$`).Match(out) {
		t.Fatal("no main.main in the symbol table: the pattern cannot match anything")
	}
}
