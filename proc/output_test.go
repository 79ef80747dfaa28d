package proc

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// widenPipe raises a smaller pipe to pipeSize and leaves what is not a
// pipe alone.
func TestWidenPipe(t *testing.T) {
	pipeSz := func(f *os.File) int {
		t.Helper()
		var n int
		var err error
		rc, _ := f.SyscallConn()
		rc.Control(func(fd uintptr) { n, err = unix.FcntlInt(fd, unix.F_GETPIPE_SZ, 0) })
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tt := range []struct {
		name string
		from int
		want int
	}{
		{"default pipe", 0, pipeSize},
		{"smaller pipe", 4096, pipeSize},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer w.Close()
			if tt.from > 0 {
				if _, err := unix.FcntlInt(w.Fd(), unix.F_SETPIPE_SZ, tt.from); err != nil {
					t.Skipf("F_SETPIPE_SZ %d: %v", tt.from, err)
				}
			}
			widenPipe(w)
			if got := pipeSz(w); got != tt.want {
				t.Errorf("capacity = %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("regular file", func(t *testing.T) {
		f, err := os.Create(filepath.Join(t.TempDir(), "out"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		widenPipe(f) // must not fail or change anything
		if _, err := f.WriteString("still writable\n"); err != nil {
			t.Error(err)
		}
	})
}
