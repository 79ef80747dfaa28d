package proc

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// access answers as unix.Access, errors included.
func TestAccessAsUnix(t *testing.T) {
	dir := t.TempDir()
	exe, plain := filepath.Join(dir, "exe"), filepath.Join(dir, "plain")
	if err := os.WriteFile(exe, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, exe, plain, filepath.Join(dir, "missing"), filepath.Join(plain, "x"), "", "a\x00b", "relative"} {
		for _, mode := range []uint32{unix.F_OK, unix.R_OK, unix.W_OK, unix.X_OK, unix.R_OK | unix.X_OK} {
			if got, want := access(p, mode), unix.Access(p, mode); got != want {
				t.Errorf("access(%q, %d) = %v, unix.Access: %v", p, mode, got, want)
			}
		}
	}
}
