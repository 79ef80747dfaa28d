package proc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// recorder is a sink that keeps every Write separately.
type recorder struct {
	mu     sync.Mutex
	writes [][]byte
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.writes = append(r.writes, bytes.Clone(p))
	r.mu.Unlock()
	return len(p), nil
}

func (r *recorder) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Join(r.writes, nil)
}

// copied runs a copier over a pipe fed by feed, and returns once done was
// called, failing the test if that takes more than 20 seconds or done is
// called twice.
func copied(t *testing.T, sink io.Writer, prefix []byte, debug func([]byte), feed func(w *os.File)) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	done := make(chan struct{})
	startCopier(r, sink, prefix, false, debug, func() {
		if calls.Add(1) == 1 {
			close(done)
		}
	})
	go func() {
		feed(w)
		w.Close()
	}()
	waitClosed(t, done, "done")
	if n := calls.Load(); n != 1 {
		t.Errorf("done called %d times", n)
	}
}

// syncWrite writes p to the pipe w and waits until the copier has taken
// all of it, so that p is exactly one chunk (one read).
func syncWrite(t *testing.T, w *os.File, p []byte) {
	t.Helper()
	if _, err := w.Write(p); err != nil {
		t.Errorf("write to the pipe: %v", err)
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		// TIOCINQ is FIONREAD: unread bytes, on either end of a pipe.
		n, err := unix.IoctlGetInt(int(w.Fd()), unix.TIOCINQ)
		if err != nil || n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("the copier left %d bytes in the pipe for 10s", n)
			return
		}
		time.Sleep(20 * time.Microsecond)
	}
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: not after 20s", what)
	}
}

func TestCopierFraming(t *testing.T) {
	long := func(n int, c byte) string { return strings.Repeat(string(c), n) }
	big := string(pattern(200 << 10)) // no newline in it but its lines'
	big = strings.ReplaceAll(big, "\n", " ")
	tests := []struct {
		name   string
		prefix string
		writes []string // separate writes into the pipe
		want   string
	}{
		{name: "raw", writes: []string{"abc\nde", "f"}, want: "abc\ndef"},
		{name: "raw empty", writes: nil, want: ""},
		{name: "lines", prefix: "p | ", writes: []string{"a\nb\n"}, want: "p | a\np | b\n"},
		{name: "partial line at the end", prefix: "p ", writes: []string{"abc\ndef"}, want: "p abc\np def\n"},
		{name: "empty lines", prefix: "p ", writes: []string{"\n\n"}, want: "p \np \n"},
		{name: "line across writes", prefix: "p ", writes: []string{"ab", "c\nd", "e\n"}, want: "p abc\np de\n"},
		{name: "crlf kept", prefix: "p ", writes: []string{"a\r\nb\r\n"}, want: "p a\r\np b\r\n"},
		{name: "nothing", prefix: "p ", writes: nil, want: ""},
		{name: "line of exactly maxLine", prefix: "p ", writes: []string{long(maxLine, 'x') + "\n"}, want: "p " + long(maxLine, 'x') + "\n"},
		{
			name: "line of maxLine+1", prefix: "p ",
			writes: []string{long(maxLine, 'x'), "y\nz"},
			want:   "p " + long(maxLine, 'x') + "\np y\np z\n",
		},
		{
			name: "200 KiB line split into 64 KiB pieces", prefix: "p ",
			writes: []string{big, "\nnext\n"},
			want:   "p " + big[:64<<10] + "\np " + big[64<<10:128<<10] + "\np " + big[128<<10:192<<10] + "\np " + big[192<<10:] + "\np next\n",
		},
		{
			name: "200 KiB partial line at the end", prefix: "p ",
			writes: []string{big},
			want:   "p " + big[:64<<10] + "\np " + big[64<<10:128<<10] + "\np " + big[128<<10:192<<10] + "\np " + big[192<<10:] + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sink recorder
			var debug bytes.Buffer
			copied(t, &sink, []byte(tt.prefix), func(p []byte) { debug.Write(p) }, func(w *os.File) {
				for _, s := range tt.writes {
					w.WriteString(s)
				}
			})
			if got := string(sink.bytes()); got != tt.want {
				t.Errorf("got %d bytes %.80q..., want %d bytes %.80q...", len(got), got, len(tt.want), tt.want)
			}
			if got, want := debug.String(), strings.Join(tt.writes, ""); got != want {
				t.Errorf("debug got %d bytes, want the %d raw bytes", len(got), len(want))
			}
			if tt.prefix == "" {
				return
			}
			for _, w := range sink.writes {
				if !bytes.HasPrefix(w, []byte(tt.prefix)) || !bytes.HasSuffix(w, []byte("\n")) {
					t.Errorf("a Write of %d bytes is not whole prefixed lines: %.40q...", len(w), w)
				}
			}
		})
	}
}

// progLine is line i of program p in the concurrency test: its length
// varies from 0 to a few KiB (beyond PIPE_BUF) and its text names it.
func progLine(p, i int) []byte {
	n := (i*37 + p*11) % 300
	if i%997 == 0 {
		n = 5000
	}
	b := fmt.Appendf(nil, "p%d %05d ", p, i)
	for j := 0; j < n; j++ {
		b = append(b, byte('a'+(i+j)%26))
	}
	return append(b, '\n')
}

// Three programs write lines at full speed through their own pipes and
// copiers into one shared sink: every line arrives whole, with its
// program's prefix, in order, none lost.
func TestCopierSharedSink(t *testing.T) {
	const lines = 20000
	prefixes := []string{"alpha | ", "b | ", "program-gamma | "}
	// gosinit's stdout as a pipe (docker's case): writes beyond PIPE_BUF
	// from several writers would interleave without the sink's lock.
	outr, outw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer outr.Close()
	var out []byte
	read := make(chan struct{})
	go func() {
		out, _ = io.ReadAll(outr)
		close(read)
	}()
	sink := stdSink(outw, func(msg string) { t.Errorf("sink: %s", msg) })

	var wg sync.WaitGroup
	for p, prefix := range prefixes {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		startCopier(r, sink, []byte(prefix), false, nil, func() { close(done) })
		wg.Go(func() {
			// Different buffer sizes cut lines across pipe writes.
			bw := bufio.NewWriterSize(w, 1000+p*777)
			for i := range lines {
				bw.Write(progLine(p, i))
			}
			bw.Flush()
			w.Close()
			waitClosed(t, done, prefix+"done")
		})
	}
	wg.Wait()
	outw.Close()
	waitClosed(t, read, "reading the shared pipe")

	next := make([]int, len(prefixes))
	for len(out) > 0 {
		i := bytes.IndexByte(out, '\n')
		if i < 0 {
			t.Fatalf("output ends in a partial line %.40q", out)
		}
		line := out[:i+1]
		out = out[i+1:]
		p := -1
		for j, prefix := range prefixes {
			if bytes.HasPrefix(line, []byte(prefix)) {
				p = j
			}
		}
		if p < 0 {
			t.Fatalf("line without a known prefix: %.60q", line)
		}
		want := progLine(p, next[p])
		if got := line[len(prefixes[p]):]; !bytes.Equal(got, want) {
			t.Fatalf("%sline %d = %.60q, want %.60q", prefixes[p], next[p], got, want)
		}
		next[p]++
	}
	for p, n := range next {
		if n != lines {
			t.Errorf("%q: %d lines, want %d", prefixes[p], n, lines)
		}
	}
}

type failingSink struct{ writes atomic.Int64 }

func (f *failingSink) Write(p []byte) (int, error) {
	f.writes.Add(1)
	return 0, errors.New("broken sink")
}

// A sink that fails does not stop the copier from draining the pipe: the
// program's writes complete.
func TestCopierFailingSink(t *testing.T) {
	for _, prefix := range []string{"", "p "} {
		t.Run(fmt.Sprintf("prefix %q", prefix), func(t *testing.T) {
			var sink failingSink
			copied(t, &sink, []byte(prefix), nil, func(w *os.File) {
				w.Write(pattern(4 << 20))
			})
			if sink.writes.Load() == 0 {
				t.Errorf("the sink was never written")
			}
		})
	}
}

// The framing of the steady state allocates nothing.
func TestLineFramerAllocs(t *testing.T) {
	f := newLineFramer(io.Discard, []byte("web | "))
	data := pattern(64 << 10)
	if got := testing.AllocsPerRun(100, func() {
		f.write(data[:1000])
		f.write(data[1000:])
		f.flush()
	}); got != 0 {
		t.Errorf("allocations per chunk = %v, want 0", got)
	}
}

// BenchmarkCopier measures a copier draining a pipe fed 64 KiB at a time
// with 40-byte lines, into a sink that discards (the copier's own cost),
// into /dev/null through a logFile (plus one write(2) per chunk), and into
// a log file.
func BenchmarkCopier(b *testing.B) {
	chunk := pattern(64 << 10)
	devnull := func(b *testing.B) io.Writer {
		f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { f.Close() })
		return stdSink(f, nil)
	}
	discard := func(*testing.B) io.Writer { return io.Discard }
	file := func(b *testing.B) io.Writer {
		// Truncated in place at 64 MiB: a real file, bounded.
		l, err := openLogFile(filepath.Join(b.TempDir(), "x.log"), 64<<20, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { l.Close() })
		return l
	}
	for _, bc := range []struct {
		name   string
		prefix string
		sink   func(*testing.B) io.Writer
	}{
		{"raw/discard", "", discard},
		{"prefix/discard", "program-name | ", discard},
		{"raw/devnull", "", devnull},
		{"prefix/devnull", "program-name | ", devnull},
		{"raw/file", "", file},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r, w, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			startCopier(r, bc.sink(b), []byte(bc.prefix), false, nil, func() { close(done) })
			b.SetBytes(int64(len(chunk)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := w.Write(chunk); err != nil {
					b.Fatal(err)
				}
			}
			w.Close()
			<-done
		})
	}
}

// A copier without prefix into a rotating log file: each chunk is one
// Write, rotation is supervisord's (a chunk, then the size check), and the
// files hold exactly what the model says.
func TestCopierLogFileRotation(t *testing.T) {
	tests := []struct {
		name     string
		maxbytes int64
		backups  int
		total    int
		sizes    []int // write sizes, cycled; each one chunk
	}{
		{name: "1KB backups 2", maxbytes: 1024, backups: 2, total: 30_000, sizes: []int{100, 333, 1024, 2000, 7}},
		{name: "rotates at exactly maxbytes", maxbytes: 1024, backups: 3, total: 2548, sizes: []int{1000, 24}},
		{name: "backups 0 truncates", maxbytes: 1024, backups: 0, total: 10_000, sizes: []int{100, 333, 50}},
		{name: "maxbytes 0 never rotates", maxbytes: 0, backups: 2, total: 300_000, sizes: []int{4096, 1, 60_000}},
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
			chunks := splitChunks(pattern(tt.total), tt.sizes)
			copied(t, l, nil, nil, func(pw *os.File) {
				for _, chunk := range chunks {
					syncWrite(t, pw, chunk)
				}
			})
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l.notified.Wait()
			if msgs := w.list(); len(msgs) != 0 {
				t.Errorf("warnings: %q", msgs)
			}
			want := rotationModel(chunks, tt.maxbytes, tt.backups)
			for i := range want {
				got, err := os.ReadFile(filepath.Join(dir, logName("prog.log", i)))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want[i]) {
					t.Errorf("%s: %d bytes differ from the model's %d", logName("prog.log", i), len(got), len(want[i]))
				}
			}
			if _, err := os.Lstat(filepath.Join(dir, logName("prog.log", len(want)))); err == nil {
				t.Errorf("%s exists; the model has %d files", logName("prog.log", len(want)), len(want))
			}
		})
	}
}

// A burst larger than the pipe into rotating files: nothing lost, and no
// file grew past maxbytes by more than one read.
func TestCopierLogFileBurst(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.log")
	const maxbytes = 1 << 20
	l, err := openLogFile(path, maxbytes, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	data := pattern(6 << 20)
	copied(t, l, nil, nil, func(w *os.File) {
		for off := 0; off < len(data); off += 64 << 10 {
			w.Write(data[off:min(off+64<<10, len(data))])
		}
	})
	var all []byte
	for i := 10; i >= 0; i-- {
		got, err := os.ReadFile(logName(path, i))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && (len(got) < maxbytes || len(got) >= maxbytes+readSize) {
			t.Errorf("%s: %d bytes, want maxbytes (%d) plus less than one chunk", logName("x.log", i), len(got), maxbytes)
		}
		all = append(all, got...)
	}
	if !bytes.Equal(all, data) {
		t.Errorf("the files, oldest first, hold %d bytes, not the %d written", len(all), len(data))
	}
}

// countSink counts what it is given.
type countSink struct{ n atomic.Int64 }

func (c *countSink) Write(p []byte) (int, error) { c.n.Add(int64(len(p))); return len(p), nil }

// Copiers whose pipes are quiet hold no buffer: 100 prefixed copiers (1.1
// MiB of buffers each while busy) each take a burst in turn; once all are
// idle the heap is back near where it started.
func TestCopierIdleHoldsNoBuffer(t *testing.T) {
	const copiers = 100
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sink := &countSink{}
	var ws []*os.File
	done := make(chan struct{}, copiers)
	line := bytes.Repeat([]byte("x"), 99)
	line = append(line, '\n')
	burst := bytes.Repeat(line, 2000) // 200 kB of whole lines
	prefix := []byte("prog | ")
	framed := int64(len(burst) / len(line) * (len(prefix) + len(line)))
	for i := 0; i < copiers; i++ {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
		startCopier(r, sink, prefix, false, nil, func() { done <- struct{}{} })
		want := sink.n.Load() + framed
		if _, err := w.Write(burst); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for sink.n.Load() < want {
			if time.Now().After(deadline) {
				t.Fatalf("copier %d: %d of %d bytes after 10s", i, sink.n.Load(), want)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	defer func() {
		for _, w := range ws {
			w.Close()
		}
		for range ws {
			<-done
		}
	}()
	// A copier hands its buffers back just after its last Write: wait for
	// the heap (pools are emptied by two collections) to come down.
	const limit = 16 << 20
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		grown := int64(after.HeapInuse) - int64(before.HeapInuse)
		if grown < limit {
			t.Logf("heap in use grew by %d kB with %d idle copiers", grown>>10, copiers)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("heap in use grew by %d MB with %d idle copiers (limit %d MB): idle copiers keep buffers", grown>>20, copiers, limit>>20)
		}
		time.Sleep(time.Millisecond)
	}
}
