//go:build gosinit_fmt

package textf

// With the build tag gosinit_fmt, textf is fmt itself. `make unit` runs
// `go vet -tags gosinit_fmt` so that vet checks every textf call exactly as
// it checks fmt's, %w included (vet's -printf.funcs would treat Errorf as
// a plain printf and reject %w). The shipped textf is held to fmt's output
// by its differential tests.

import (
	"fmt"
	"io"
)

func Sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func Errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

func Fprintf(w io.Writer, format string, a ...any) (int, error) {
	return fmt.Fprintf(w, format, a...)
}

func Appendf(b []byte, format string, a ...any) []byte { return fmt.Appendf(b, format, a...) }
