package dirs

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// Names lists what os.ReadDir lists, in its order, and refuses what
// it refuses: a file, a missing path, and a FIFO (without blocking on it).
func TestNamesAsReadDir(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b", "a", "B", ".hidden", "a.conf", "é", "\xff", "_", "10", "9"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, filepath.Join(dir, "sub"), filepath.Join(dir, "a"), filepath.Join(dir, "missing"), fifo} {
		ents, werr := os.ReadDir(p)
		var want []string
		for _, e := range ents {
			want = append(want, e.Name())
		}
		got, err := Names(p)
		if !slices.Equal(got, want) || (err == nil) != (werr == nil) {
			t.Errorf("Names(%q) = %q, %v; os.ReadDir: %q, %v", p, got, err, want, werr)
		}
	}
}

// TestAbs: filepath.Abs by getcwd(2), as Python's os.path.abspath: the
// working directory reached through a symbolic link is its real path.
func TestAbs(t *testing.T) {
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	t.Chdir(link)
	realResolved, _ := filepath.EvalSymlinks(real)
	for in, want := range map[string]string{
		"a/../b.conf": filepath.Join(realResolved, "b.conf"),
		".":           realResolved,
		"/x/./y/":     "/x/y",
	} {
		if got, err := Abs(in); err != nil || got != want {
			t.Errorf("Abs(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
