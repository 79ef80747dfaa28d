package proc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// warnings collects what a logFile reports through its warn callback.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) warn(msg string) {
	w.mu.Lock()
	w.msgs = append(w.msgs, msg)
	w.mu.Unlock()
}

func (w *warnings) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.msgs)
}

// pattern returns n bytes of numbered lines, so that any misplaced or lost
// byte shows.
func pattern(n int) []byte {
	b := make([]byte, 0, n+32)
	for i := 0; len(b) < n; i++ {
		b = fmt.Appendf(b, "line %07d abcdefghijklmnopqrstuvwxyz\n", i)
	}
	return b[:n]
}

// rotationModel is supervisord's doRollover applied to a list of writes:
// files[0] is PATH, files[i] is PATH.i.
func rotationModel(chunks [][]byte, maxbytes int64, backups int) [][]byte {
	files := [][]byte{nil}
	for _, c := range chunks {
		files[0] = append(files[0], c...)
		if maxbytes == 0 || int64(len(files[0])) < maxbytes {
			continue
		}
		if backups == 0 {
			files[0] = nil
			continue
		}
		files = append([][]byte{nil}, files...)
		if len(files) > backups+1 {
			files = files[:backups+1]
		}
	}
	return files
}

func TestLogFileRotation(t *testing.T) {
	tests := []struct {
		name     string
		maxbytes int64
		backups  int
		total    int
		sizes    []int // write sizes, cycled
		lossless bool  // all data fits in PATH and its copies
	}{
		{name: "1KB backups 2 all kept", maxbytes: 1024, backups: 2, total: 2500, sizes: []int{100}, lossless: true},
		{name: "rotates at exactly maxbytes", maxbytes: 1024, backups: 2, total: 2548, sizes: []int{1000, 24}, lossless: true},
		{name: "1KB backups 2 long run", maxbytes: 1024, backups: 2, total: 50_000, sizes: []int{1, 7, 100, 333, 1024, 2000, 50}},
		{name: "1KB backups 0 truncates", maxbytes: 1024, backups: 0, total: 10_000, sizes: []int{1, 7, 100, 333, 50}},
		{name: "maxbytes 0 never rotates", maxbytes: 0, backups: 2, total: 200_000, sizes: []int{4096, 1, 999}, lossless: true},
		{name: "write larger than maxbytes", maxbytes: 1024, backups: 3, total: 9000, sizes: []int{3000}, lossless: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "prog.log")
			var w warnings
			l, err := openLogFile(path, tt.maxbytes, tt.backups, w.warn)
			if err != nil {
				t.Fatal(err)
			}
			data := pattern(tt.total)
			chunks := splitChunks(data, tt.sizes)
			for _, chunk := range chunks {
				if got, err := l.Write(chunk); got != len(chunk) || err != nil {
					t.Fatalf("Write(%d bytes) = %d, %v", len(chunk), got, err)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l.notified.Wait()
			if msgs := w.list(); len(msgs) != 0 {
				t.Errorf("warnings: %q", msgs)
			}

			want := rotationModel(chunks, tt.maxbytes, tt.backups)
			var wantNames []string
			for i := range want {
				wantNames = append(wantNames, logName("prog.log", i))
			}
			var gotNames []string
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				gotNames = append(gotNames, e.Name())
			}
			slices.Sort(wantNames)
			if !slices.Equal(gotNames, wantNames) {
				t.Fatalf("files = %q, want %q", gotNames, wantNames)
			}
			var all []byte
			for i := len(want) - 1; i >= 0; i-- {
				got, err := os.ReadFile(filepath.Join(dir, logName("prog.log", i)))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want[i]) {
					t.Errorf("%s: %d bytes differ from the model's %d", logName("prog.log", i), len(got), len(want[i]))
				}
				if tt.maxbytes > 0 && i > 0 && int64(len(got)) < tt.maxbytes {
					t.Errorf("%s: %d bytes, rotated before maxbytes %d", logName("prog.log", i), len(got), tt.maxbytes)
				}
				all = append(all, got...)
			}
			if tt.backups > 0 && !bytes.HasSuffix(data, all) {
				t.Errorf("the files, oldest first, are not the end of what was written")
			}
			if tt.lossless && !bytes.Equal(all, data) {
				t.Errorf("the files, oldest first, hold %d bytes, not the %d written", len(all), len(data))
			}
		})
	}
}

func logName(base string, i int) string {
	if i == 0 {
		return base
	}
	return base + "." + strconv.Itoa(i)
}

// A file that is already past maxbytes rotates after the first write, as
// supervisord's tell() >= maxBytes check does.
func TestLogFileRotatesExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	if err := os.WriteFile(path, pattern(2000), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := openLogFile(path, 1000, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Write([]byte("next\n"))
	got, err := os.ReadFile(path + ".1")
	if err != nil {
		t.Fatal(err)
	}
	if want := append(pattern(2000), "next\n"...); !bytes.Equal(got, want) {
		t.Errorf("x.log.1 = %d bytes, want %d", len(got), len(want))
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("x.log after rotation: %v, %v; want an empty file", fi, err)
	}
}

// A file truncated behind the logFile's back (logrotate's copytruncate)
// is not rotated early: the size that counts is the file's.
func TestLogFileCopyTruncate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	l, err := openLogFile(path, 1000, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Write(pattern(900))
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	l.Write(pattern(200))
	if _, err := os.Lstat(path + ".1"); err == nil {
		t.Errorf("rotated after 200 bytes")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, pattern(200)) {
		t.Errorf("x.log = %d bytes, want the 200 written after the truncation", len(got))
	}
	l.Write(pattern(800))
	if _, err := os.Lstat(path + ".1"); err != nil {
		t.Errorf("not rotated at 1000 bytes: %v", err)
	}
}

// A failed rename of PATH to PATH.1 keeps writing to PATH, says so once, and
// never truncates it.
func TestLogFileRotationFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.log")
	// A non-empty directory at PATH.1 makes the rename fail, even as root.
	if err := os.MkdirAll(filepath.Join(path+".1", "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	var w warnings
	l, err := openLogFile(path, 100, 1, w.warn)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	data := pattern(1000)
	for i := 0; i < len(data); i += 50 {
		l.Write(data[i : i+50])
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("x.log = %d bytes, want all %d written", len(got), len(data))
	}
	l.notified.Wait()
	msgs := w.list()
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], fmt.Sprintf("rotate log file %q: rename ", path)) || !strings.HasSuffix(msgs[0], "; still writing to it") {
		t.Errorf("warnings = %q, want one rotate failure", msgs)
	}
}

func TestLogFileReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.log")
	l, err := openLogFile(path, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Write([]byte("before\n"))
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	l.Write([]byte("still old\n"))
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	l.Write([]byte("after\n"))
	for name, want := range map[string]string{path: "after\n", path + ".old": "before\nstill old\n"} {
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s = %q, want %q", filepath.Base(name), got, want)
		}
	}

	// A path that cannot be opened any more keeps the old file.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("Reopen onto a directory: err = %v, want \"is a directory\"", err)
	}
	if n, err := l.Write([]byte("x")); n != 1 || err != nil {
		t.Errorf("Write after a failed Reopen = %d, %v", n, err)
	}
}

// TestLogFileNoFollow: a symbolic link that someone other than gosinit's
// user could have planted (in a directory others may write, or owned by
// another user) is never followed; one gosinit's user made in its own
// directory is (docker images link /var/log/x.log to /dev/stdout).
func TestLogFileNoFollow(t *testing.T) {
	tests := []struct {
		name    string
		dirMode os.FileMode
		owner   int // -1: ours
		follow  bool
		dirGid  int // -1: ours
	}{
		{"world-writable directory", 0o777, -1, false, -1},
		{"link owned by another user", 0o755, 65534, false, -1},
		{"our link in our directory", 0o755, -1, true, -1},
		{"directory its group may write, gosinit's group (OpenShift)", 0o775, -1, true, -1},
		{"directory another group may write", 0o775, -1, false, 65534},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.owner >= 0 || tt.dirGid >= 0) && os.Geteuid() != 0 {
				t.Skip("needs root to chown the link")
			}
			dir := filepath.Join(t.TempDir(), "logs")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			os.Chown(dir, -1, os.Getegid())
			if tt.dirGid >= 0 {
				os.Chown(dir, -1, tt.dirGid)
			}
			os.Chmod(dir, tt.dirMode)
			target := filepath.Join(t.TempDir(), "target")
			if err := os.WriteFile(target, []byte("keep\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "x.log")
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
			if tt.owner >= 0 {
				if err := os.Lchown(path, tt.owner, tt.owner); err != nil {
					t.Fatal(err)
				}
			}
			lf, err := openLogFile(path, 0, 0, nil)
			if !tt.follow {
				if err == nil || !strings.Contains(err.Error(), "is a symbolic link") {
					t.Fatalf("err = %v, want a refusal to follow the link", err)
				}
				if got, _ := os.ReadFile(target); string(got) != "keep\n" {
					t.Errorf("symlink target changed: %q", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("our own link: %v", err)
			}
			lf.Write([]byte("more\n"))
			lf.Close()
			if got, _ := os.ReadFile(target); string(got) != "keep\nmore\n" {
				t.Errorf("target = %q, want the write appended through the link", got)
			}
		})
	}
	// A dangling link in a world-writable directory must not create its target.
	dir := t.TempDir()
	os.Chmod(dir, 0o777)
	target := filepath.Join(dir, "gone")
	path := filepath.Join(dir, "d.log")
	os.Symlink(target, path)
	if _, err := openLogFile(path, 0, 0, nil); err == nil {
		t.Errorf("dangling symlink: no error")
	}
	if _, err := os.Lstat(target); err == nil {
		t.Errorf("dangling symlink: target was created")
	}
}

func TestLogFileMode(t *testing.T) {
	for _, tt := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o000, 0o644}, {0o077, 0o600}} {
		t.Run(fmt.Sprintf("umask %03o", tt.umask), func(t *testing.T) {
			old := unix.Umask(tt.umask)
			defer unix.Umask(old)
			path := filepath.Join(t.TempDir(), "x.log")
			l, err := openLogFile(path, 100, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			l.Write(pattern(150)) // rotates: the new file gets the same mode
			for _, name := range []string{path, path + ".1"} {
				fi, err := os.Stat(name)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != tt.want {
					t.Errorf("%s mode = %04o, want %04o", filepath.Base(name), got, tt.want)
				}
			}
		})
	}
}

// The log directory removed at run time: a rotation cannot open a new file
// and output is dropped; once the directory is made again, writing resumes
// there, by itself (it kept trying the removed directory for ever).
func TestLogFileDirectoryRemade(t *testing.T) {
	var w warnings
	dir := filepath.Join(t.TempDir(), "logs")
	os.Mkdir(dir, 0o755)
	path := filepath.Join(dir, "x.log")
	l, err := openLogFile(path, 10, 1, w.warn)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.RemoveAll(dir)
	l.Write([]byte("0123456789ab\n")) // rotates: no new file can be opened
	l.Write([]byte("lost\n"))
	os.Mkdir(dir, 0o755)
	l.Write([]byte("back\n"))
	l.notified.Wait()
	if got, err := os.ReadFile(path); string(got) != "back\n" {
		t.Errorf("%s = %q (%v), want %q; warnings %q", path, got, err, "back\n", w.list())
	}
}

// An AUTO file is created 0600, as supervisord's mkstemp makes it; the
// file a rotation opens after it gets 0644, as supervisord's handler's.
func TestLogFileModeAuto(t *testing.T) {
	old := unix.Umask(0o022)
	defer unix.Umask(old)
	path := filepath.Join(t.TempDir(), "p-stdout---supervisor-abcdefgh.log")
	l := newLogFile(path, 100, 1, nil)
	l.mode = 0o600 // as outputs.baseTarget sets it for AUTO
	defer l.Close()
	l.prepare()
	l.Write(pattern(150)) // rotates
	for name, want := range map[string]os.FileMode{path + ".1": 0o600, path: 0o644} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %04o, want %04o", filepath.Base(name), got, want)
		}
	}
}

// A FIFO at the log path: open must not block without a reader, and a FIFO
// is never rotated.
func TestLogFileFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := openLogFile(path, 10, 1, nil)
	want := fmt.Sprintf("open log file %q: is a FIFO with no reader", path)
	if err == nil || err.Error() != want {
		t.Errorf("no reader: err = %v, want %q", err, want)
	}
	r, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	l, err := openLogFile(path, 10, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Write([]byte("0123456789abcdef\n"))
	l.Write([]byte("second\n"))
	if _, err := os.Lstat(path + ".1"); err == nil {
		t.Errorf("the FIFO was rotated")
	}
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, 100)
	n, err := r.Read(got)
	if string(got[:n]) != "0123456789abcdef\nsecond\n" {
		t.Errorf("read %q, %v", got[:n], err)
	}
}

// writeAll writes data in chunk-sized Writes and fails the test on any
// error: a logFile's Write reports success whatever happens.
func writeAll(t *testing.T, l *logFile, data []byte, chunk int) {
	t.Helper()
	for off := 0; off < len(data); off += chunk {
		p := data[off:min(off+chunk, len(data))]
		if n, err := l.Write(p); n != len(p) || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v; want %d, nil", len(p), n, err, len(p))
		}
	}
}

// A character device that always says ENOSPC (a copy of /dev/full in a temp
// directory, so that a bug renames nothing that matters): one warning for
// the whole streak, no rotation, and at Close the count of the bytes that
// never got written.
func TestLogFileFullDevice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "full")
	if err := unix.Mknod(path, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 7))); err != nil {
		t.Skipf("mknod: %v", err)
	}
	var w warnings
	l, err := openLogFile(path, 10, 2, w.warn)
	if err != nil {
		t.Skipf("open the full device: %v", err)
	}
	defer l.Close()
	writeAll(t, l, pattern(10000), 100)
	l.notified.Wait()
	want := []string{fmt.Sprintf("write %q: no space left on device; dropping output", path)}
	if got := w.list(); !slices.Equal(got, want) {
		t.Errorf("warnings = %q, want %q", got, want)
	}
	if _, err := os.Lstat(path + ".1"); err == nil {
		t.Errorf("the device was rotated")
	}
	l.Close()
	want = append(want, fmt.Sprintf("closed %q after dropping 10000 bytes", path))
	if got := w.list(); !slices.Equal(got, want) {
		t.Errorf("warnings after Close = %q, want %q", got, want)
	}
}

// A real full file system: writes past full report success, one warning is
// given, and after space is freed writing resumes with one message counting
// the dropped bytes.
func TestLogFileENOSPC(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", mnt, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	filler := filepath.Join(mnt, "filler")
	if err := os.WriteFile(filler, make([]byte, 32<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(mnt, "x.log")
	var w warnings
	l, err := openLogFile(path, 0, 0, w.warn)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	data := pattern(80 << 10)
	writeAll(t, l, data, 3000)
	l.notified.Wait()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	kept := int(fi.Size())
	if kept >= len(data) || kept == 0 {
		t.Fatalf("x.log has %d of %d bytes: the file system did not fill up as planned", kept, len(data))
	}
	wantFull := fmt.Sprintf("write %q: no space left on device; dropping output", path)
	if got := w.list(); !slices.Equal(got, []string{wantFull}) {
		t.Fatalf("warnings while full = %q, want %q", got, wantFull)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	last := []byte("after the filler was removed\n")
	writeAll(t, l, last, len(last))
	writeAll(t, l, last, len(last))
	l.notified.Wait()
	wantResumed := fmt.Sprintf("resumed writing %q after dropping %d bytes", path, len(data)-kept)
	if got := w.list(); !slices.Equal(got, []string{wantFull, wantResumed}) {
		t.Errorf("warnings = %q, want %q", got, []string{wantFull, wantResumed})
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(data[:kept])
	if data[kept-1] != '\n' {
		want = append(want, '\n') // the cut line is ended, not glued to the next
	}
	want = append(append(want, last...), last...)
	if !bytes.Equal(got, want) {
		t.Errorf("x.log: %d bytes, want the first %d written, a newline if they end mid-line, then 2 lines (%d bytes)", len(got), kept, len(want))
	}
}

func TestLogFileClosed(t *testing.T) {
	l, err := openLogFile(filepath.Join(t.TempDir(), "x.log"), 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Write([]byte("x")); n != 0 || !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close = %d, %v; want 0, os.ErrClosed", n, err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// A stdSink writes through, and Reopen and Close leave the stream alone.
func TestStdSink(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := stdSink(f, nil)
	s.Write([]byte("one\n"))
	if err := s.Reopen(); err != nil {
		t.Errorf("Reopen: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if n, err := s.Write([]byte("two\n")); n != 4 || err != nil {
		t.Errorf("Write after Close = %d, %v; want 4, nil", n, err)
	}
	if _, err := f.Write([]byte("three\n")); err != nil {
		t.Errorf("the stream was closed: %v", err)
	}
	if got, _ := os.ReadFile(f.Name()); string(got) != "one\ntwo\nthree\n" {
		t.Errorf("got %q", got)
	}
}

// open(2) used O_NONBLOCK for FIFOs only: a regular file is left blocking,
// as a child given the same file would expect.
func TestLogFileBlocking(t *testing.T) {
	l, err := openLogFile(filepath.Join(t.TempDir(), "x.log"), 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rc, err := l.f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var flags int
	rc.Control(func(fd uintptr) { flags, err = unix.FcntlInt(fd, unix.F_GETFL, 0) })
	if err != nil {
		t.Fatal(err)
	}
	if flags&unix.O_NONBLOCK != 0 || flags&unix.O_APPEND == 0 {
		t.Errorf("flags = %#o, want O_APPEND without O_NONBLOCK", flags)
	}
}

// warn is never called from inside Write: a logger that writes to the
// failing logFile itself, under its own lock, can report the failure.
func TestLogFileWarnReentrant(t *testing.T) {
	path := filepath.Join(t.TempDir(), "full")
	if err := unix.Mknod(path, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 7))); err != nil {
		t.Skipf("mknod: %v", err)
	}
	var mu sync.Mutex // the logger's lock
	var l *logFile
	got := make(chan string, 10)
	logf := func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		l.Write([]byte(msg + "\n"))
		got <- msg
	}
	l, err := openLogFile(path, 0, 0, logf)
	if err != nil {
		t.Skipf("open the full device: %v", err)
	}
	defer l.Close()
	logf("first line")
	<-got
	select {
	case msg := <-got:
		if !strings.HasSuffix(msg, "no space left on device; dropping output") {
			t.Errorf("warning = %q", msg)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no warning after 20s (deadlock?)")
	}
}

func TestLogFileWriteAllocs(t *testing.T) {
	for _, gated := range []bool{false, true} { // the activity log; a program's
		l := newLogFile(filepath.Join(t.TempDir(), "x.log"), 1<<30, 1, nil)
		if gated {
			l.gateWrites()
		}
		if l.Write([]byte("opens it\n")); l.f == nil {
			t.Fatal("not opened")
		}
		if gated && l.gate == gateFor(unopenedDev) {
			t.Error("still on the gate of unopened files")
		}
		p := pattern(100)
		if got := testing.AllocsPerRun(1000, func() { l.Write(p) }); got != 0 {
			t.Errorf("gated %v: Write allocates %v times, want 0", gated, got)
		}
		l.Close()
	}
}

// splitChunks cuts data into pieces of the given sizes, cycled; the last
// piece may be shorter.
func splitChunks(data []byte, sizes []int) [][]byte {
	var chunks [][]byte
	for off, i := 0, 0; off < len(data); i++ {
		n := min(sizes[i%len(sizes)], len(data)-off)
		chunks = append(chunks, data[off:off+n])
		off += n
	}
	return chunks
}

// TestLogFileStuckFIFO: a log path that is a FIFO whose reader stopped
// reading. A Write waits for room; Reopen and Close (the owner loop's:
// SIGUSR2, a reload dropping the program) must not wait with it. Once the
// reader reads again, the deferred close takes effect.
func TestLogFileStuckFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	r, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	l, err := openLogFile(path, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() {
		chunk := make([]byte, 16<<10)
		for {
			if _, err := l.Write(chunk); err != nil {
				ended <- err
				return
			}
		}
	}()
	// The pipe is full: the writer is stuck in (or about to enter) a Write.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if n, err := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ); err == nil && n >= 64<<10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the FIFO never filled")
		}
	}
	// Then the writer holds the lock (and cannot write: it is stuck).
	for deadline := time.Now().Add(10 * time.Second); l.mu.TryLock(); time.Sleep(time.Millisecond) {
		l.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("the writer never held the file")
		}
	}
	done := make(chan struct{})
	go func() {
		l.Reopen()
		l.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("Reopen/Close waited for a Write stuck on the FIFO")
	}
	// The reader reads again: the stuck Write ends, the close happens, the
	// writer's next Write fails.
	go io.Copy(io.Discard, r)
	select {
	case err := <-ended:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("Write after the deferred Close: %v, want os.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the writer never saw the deferred Close")
	}
}

// TestLogFileDirectoryLinks: a log path's directories are followed
// through symbolic links only when root (or gosinit's user) made them; and
// once a log file is open, renaming or relinking its directory's path
// does not move where it rotates. A program's user who owns its log
// directory could otherwise send root's writes and renames anywhere.
func TestLogFileDirectoryLinks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the links belong to another user")
	}
	const nobody = 65534
	d := t.TempDir()
	for _, dir := range []string{"real", "ud/logs", "rootonly"} {
		if err := os.MkdirAll(filepath.Join(d, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Chown(filepath.Join(d, "ud"), nobody, nobody)
	precious := filepath.Join(d, "rootonly", "x.log")
	os.WriteFile(precious, []byte("precious\n"), 0o644)

	// A link root made: followed.
	os.Symlink(filepath.Join(d, "real"), filepath.Join(d, "rootlink"))
	l, err := openLogFile(filepath.Join(d, "rootlink", "x.log"), 0, 0, nil)
	if err != nil {
		t.Fatalf("through a root-owned link: %v", err)
	}
	l.Write([]byte("via root's link\n"))
	l.Close()
	if b, _ := os.ReadFile(filepath.Join(d, "real", "x.log")); string(b) != "via root's link\n" {
		t.Errorf("real/x.log = %q", b)
	}

	// A link another user made: refused.
	bad := filepath.Join(d, "ud", "badlink")
	os.Symlink(filepath.Join(d, "rootonly"), bad)
	os.Lchown(bad, nobody, nobody)
	if _, err := openLogFile(filepath.Join(bad, "x.log"), 0, 0, nil); err == nil || !strings.Contains(err.Error(), "badlink is a symbolic link owned by uid 65534") {
		t.Errorf("through uid %d's link: %v, want refused", nobody, err)
	}

	// Opened in the real directory; then its user swaps the directory for
	// a link to a root-only one. Rotations stay where the file was opened.
	var w warnings
	l, err = openLogFile(filepath.Join(d, "ud", "logs", "x.log"), 10, 1, w.warn)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Write([]byte("first line\n"))
	if err := os.Rename(filepath.Join(d, "ud", "logs"), filepath.Join(d, "ud", "old")); err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(d, "ud", "logs")
	os.Symlink(filepath.Join(d, "rootonly"), planted)
	os.Lchown(planted, nobody, nobody)
	l.Write([]byte("second line\n"))
	l.Write([]byte("third line\n"))
	if b, _ := os.ReadFile(precious); string(b) != "precious\n" {
		t.Errorf("rootonly/x.log = %q: a rotation followed the planted link", b)
	}
	if _, err := os.Lstat(precious + ".1"); err == nil {
		t.Errorf("rootonly/x.log.1 exists: a rotation followed the planted link")
	}
	// Each line fills the file (maxbytes 10) and is rotated to .1 at once.
	if b, _ := os.ReadFile(filepath.Join(d, "ud", "old", "x.log.1")); string(b) != "third line\n" {
		t.Errorf("old/x.log.1 = %q, want the third line (rotated where the file was opened)", b)
	}
}
