package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFollowFile: tail -f goes on across both kinds of rotation gosinit
// does (the file renamed to .1 and a new one made; truncated in place with
// backups=0) and an outside logrotate's copytruncate, and ends when the
// gosinit it follows exits; also when the log path is a symlink into
// another directory (the writes happen there).
func TestFollowFile(t *testing.T) {
	for _, link := range []bool{false, true} {
		t.Run(map[bool]string{false: "file", true: "symlink"}[link], func(t *testing.T) { testFollowFile(t, link) })
	}
}

func testFollowFile(t *testing.T, link bool) {
	dir := t.TempDir()
	path := filepath.Join(dir, "prog.log")
	if link {
		os.Mkdir(filepath.Join(dir, "data"), 0o755)
		if err := os.Symlink(filepath.Join(dir, "data", "real.log"), path); err != nil {
			t.Fatal(err)
		}
	}
	appendTo := func(s string) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Close()
	}
	appendTo("old line\n")
	holder := exec.Command("/bin/sleep", "1000") // stands in for gosinit
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Seek(0, io.SeekEnd)
	var out lockedBuffer // followFile writes while the test reads
	done := make(chan error, 1)
	go func() { done <- followFile(f, path, holder.Process.Pid, 0, &out) }()
	waitOut := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.HasSuffix(out.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("followed output %q does not end with %q", out.String(), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	appendTo("one\n")
	waitOut("one\n")
	// The first line may have been read before followFile waited; this
	// one comes after, so only a watch can bring it.
	appendTo("more\n")
	waitOut("one\nmore\n")
	// gosinit's rotation: rename to .1, a new file at the path.
	appendTo("two\n")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo("three\n")
	waitOut("more\ntwo\nthree\n")
	// backups=0: truncated in place, then written again.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendTo("four\n")
	waitOut("three\nfour\n")
	holder.Process.Kill()
	holder.Wait()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("followFile did not return when the followed pid exited")
	}
	if got, want := out.String(), "one\nmore\ntwo\nthree\nfour\n"; got != want {
		t.Errorf("followed %q, want %q", got, want)
	}
}

// TestTailOffsetPastAnyEnd: tail --9223372036854775808 (from offset 2^63,
// whose negation overflows) prints nothing past the end, as tail --N does
// for any N beyond the file; it once panicked in makeslice.
func TestTailOffsetPastAnyEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	os.WriteFile(path, []byte("some lines\n"), 0o644)
	for _, m := range []string{"--9223372036854775808", "--100"} {
		n, follow, ok := tailModifier(m)
		if !ok || follow {
			t.Fatalf("tailModifier(%q) = %d, %v, %v", m, n, follow, ok)
		}
		var out strings.Builder
		if err := tailFile(path, "x", n, false, 0, 0, &out); err != nil || out.String() != "\n" {
			t.Errorf("tail %s: %v, %q; want just the newline", m, err, out.String())
		}
	}
}

// TestTailRefusesNonRegular: a log path that is a FIFO (or a device) is
// refused at once, never read: it would hang tail or flood it.
func TestTailRefusesNonRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "log")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, "/dev/zero"} {
		var out strings.Builder
		done := make(chan error, 1)
		go func() { done <- tailFile(path, "x", 100, false, 0, 0, &out) }()
		select {
		case err := <-done:
			if err == nil || out.String() != "x: ERROR (unknown error reading log)\n" {
				t.Errorf("%s: %v, output %q; want the read error", path, err, out.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: tail hangs", path)
		}
	}
}
