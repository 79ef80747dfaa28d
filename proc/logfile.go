package proc

// Log files: where program output and gosinit's activity log are written.
//
// A logFile is supervisord's RotatingFileHandler (supervisor/loggers.py)
// with two differences that matter to a container init:
//
//   - A write error never reaches the writer. A full disk (ENOSPC), an I/O
//     error or a file that became unwritable drops the output, counts the
//     dropped bytes, reports the first failure of a streak once and the
//     recovery once, and reports success to the caller, so the copier keeps
//     draining the pipe and the program never blocks on it. supervisord
//     raises instead, and the dispatcher stops reading that pipe.
//   - It never follows a symlink at the log path (O_NOFOLLOW), opens without
//     blocking on a FIFO that has no reader, and never rotates what is not a
//     regular file: a log path that names /dev/null or a FIFO must not be
//     renamed to "/dev/null.1" by a root process.
//
// Rotation is supervisord's exactly: after a write that leaves the file at
// maxbytes or more, PATH.(backups-1) becomes PATH.backups ... PATH.1 becomes
// PATH.2, PATH becomes PATH.1 and a new, empty PATH is opened; with backups=0
// PATH is truncated in place instead; maxbytes=0 never rotates. Copies beyond
// backups left by an earlier configuration are left alone, as supervisord
// does. Files are created 0644 minus the umask (an AUTO file, 0600).
//
// Nothing is buffered in user space: each Write is one write(2) (or a few if
// the kernel takes part of it) and does not allocate.

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/internal/textf"
)

// logFileFlags opens a log file for appending. O_NONBLOCK only keeps open(2)
// from blocking on a FIFO without a reader: open clears it again for
// anything but a FIFO, and os.OpenFile puts a FIFO in the runtime poller, so
// its writes wait for room instead of failing with EAGAIN.
const logFileFlags = os.O_WRONLY | os.O_APPEND | os.O_CREATE | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK

// logFileMode is the mode new log files get before the umask (but the
// first file of an AUTO log: 0600, as supervisord's mkstemp). Never
// world-writable.
const logFileMode = 0o644

// umaskMu keeps log files from being created under a program's umask=:
// spawn sets the process-wide umask around its fork (holding umaskMu),
// while copier goroutines may be creating log files (holding it for
// reading).
var umaskMu sync.RWMutex

// logFile is one output destination: a (possibly rotating) file, or one of
// gosinit's own standard streams (stdSink). It is safe for concurrent use:
// copier goroutines write, the owner loop reopens and closes, and Writes are
// serialised, so a sink shared by several copiers receives each Write whole.
type logFile struct {
	mu       sync.Mutex
	path     string   // the configured path, also the name used in messages
	f        *os.File // nil while a (re)open after rotation keeps failing
	std      bool     // gosinit's own stdout/stderr: never reopened, rotated or closed
	maxbytes int64    // rotate at this size; 0 = never
	rotateAt int64    // maxbytes, or 0 while the file is not a regular file
	backups  int      // rotated copies to keep; 0 = truncate in place
	mode     uint32   // the next file created gets it (before the umask)
	size     int64    // bytes in the file, as far as this handle knows
	closed   bool
	dir      int       // the directory, opened by openDir, when dirOK
	dirOK    bool      // (opens and renames are relative to it)
	dirKey   [2]uint64 // its device and inode, in sharedDirs

	warn      func(msg string)
	pending   []string       // messages for warn, in order
	notifying bool           // a goroutine is delivering pending
	notified  sync.WaitGroup // that goroutine (tests wait on it)

	cut          bool  // a failed write left a line unfinished in the file
	dropping     bool  // inside a streak of failed writes
	dropped      int64 // bytes dropped in the current streak
	rotateFailed bool  // the last rotation attempt failed (reported once)

	// gated: a program's output file, whose writes take a slot of a
	// writeGate (gateWrites); gate is its device's once the file is
	// open (none for a FIFO), before that the gate of files not yet
	// opened. Both are guarded by mu, as every open is.
	gated bool
	gate  *writeGate

	// fifo is the descriptor + 1 of the file when it is a FIFO, regular
	// when it is a regular file, else 0: the loop reads them (without
	// l.mu) to tell a SIGPIPE or a SIGXFSZ that a copier's write raised
	// from one sent to gosinit (Supervisor.ownSigpipe, ownSigxfsz).
	fifo, regular atomic.Int32
}

// openLogFile opens (creating it if needed) the log file at path for
// appending. maxbytes and backups are the *_logfile_maxbytes and
// *_logfile_backups settings. warn, which may be nil, receives one line per
// change of health (writes started failing, writes resumed, rotation
// failed), in order, from a goroutine of its own: never from inside Write,
// so it may log through a logger that writes to this very logFile (the
// activity log reporting its own full disk) without deadlocking.
//
// The paths that mean gosinit's own stdout and stderr (/dev/stdout,
// /proc/self/fd/1 ...) are not special here: the caller maps them to stdSink.
func openLogFile(path string, maxbytes int64, backups int, warn func(msg string)) (*logFile, error) {
	l := newLogFile(path, maxbytes, backups, warn)
	if err := l.open(0); err != nil {
		return nil, textf.Errorf("open log file %q: %w", path, err)
	}
	return l, nil
}

// stdSink wraps one of gosinit's own standard streams (os.Stdout or
// os.Stderr) as a sink: written to as is, never rotated, seeked, reopened or
// closed. Create one per stream and share it between every copier and logger
// that targets it, so that their Writes are serialised. Not inlined: it
// runs once per stream at setup, and its three inlined copies cost text.
//
//go:noinline
func stdSink(f *os.File, warn func(msg string)) *logFile {
	return &logFile{path: f.Name(), f: f, std: true, warn: warn}
}

// open opens l.path with extra flags (0 or O_TRUNC) and makes it the current
// file, closing the previous one. On failure the previous file stays.
func (l *logFile) open(extra int) error {
	if !l.dirOK {
		fd, err := openDir(filepath.Dir(l.path))
		if err != nil {
			return err
		}
		l.dir, l.dirKey = shareDir(fd)
		l.dirOK = true
	}
	base := filepath.Base(l.path)
	umaskMu.RLock()
	fd, err := unix.Openat(l.dir, base, logFileFlags|extra, l.mode)
	if err == unix.ELOOP && trustedLink(l.dir, base) {
		// A link only we could have made (docker images link
		// /var/log/x.log to /dev/stdout): follow it.
		fd, err = unix.Openat(l.dir, base, logFileFlags&^unix.O_NOFOLLOW|extra, l.mode)
	}
	umaskMu.RUnlock()
	var f *os.File
	if err == nil {
		f = os.NewFile(uintptr(fd), l.path) // a FIFO (O_NONBLOCK) goes in the poller
	}
	if err != nil {
		if err == unix.ELOOP { // O_NOFOLLOW in a directory opened already: the name is a link
			return newError("is a symbolic link someone other than gosinit's user could have made, which log files never follow")
		}
		if errors.Is(err, unix.ENXIO) {
			return newError("is a FIFO with no reader")
		}
		return unwrapPath(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if fi.IsDir() {
		f.Close()
		return newError("is a directory")
	}
	if fi.Mode()&fs.ModeNamedPipe == 0 {
		if err := clearNonblock(f); err != nil {
			f.Close()
			return err
		}
	}
	// A device or a FIFO: its "size" means nothing, and renaming it would
	// be a disaster. Never rotate it.
	l.rotateAt = 0
	if fi.Mode().IsRegular() {
		l.rotateAt = l.maxbytes
	}
	if l.f != nil {
		l.f.Close()
	}
	l.f = f
	l.forget()
	if l.gated {
		// A FIFO's writes wait for room in the runtime poller, holding
		// no thread: no gate, so a reader that stalls holds up its own
		// program, not every program logging to that device.
		var g *writeGate
		if fi.Mode()&fs.ModeNamedPipe == 0 {
			g = gateFor(l.dirKey[0])
		}
		l.gate = g
	}
	if fi.Mode()&fs.ModeNamedPipe != 0 {
		l.fifo.Store(int32(fd) + 1)
	} else if fi.Mode().IsRegular() {
		l.regular.Store(int32(fd) + 1)
	}
	l.size = fi.Size()
	l.mode = logFileMode
	return nil
}

// forget clears fifo and regular, before the file is closed.
func (l *logFile) forget() {
	l.fifo.Store(0)
	l.regular.Store(0)
}

// Write writes p to the file and rotates it when it has reached maxbytes.
// It reports success whenever the logFile is open, whether or not the bytes
// could be written (see the package comment); its only error is
// os.ErrClosed after Close. It never allocates on success.
func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// The turn is taken holding l.mu: the loop's Reopen and Close find
	// the file busy and leave the work to a goroutine (whenFree), rather
	// than open a file on a device that may hang.
	g := l.gate
	if g != nil {
		g.slots <- struct{}{}
	}
	defer func() {
		if g != nil {
			<-g.slots
		}
	}()
	if l.closed {
		return 0, os.ErrClosed
	}
	var err error
	if l.f == nil {
		// Not opened yet (the opener goroutine has not reached it), or
		// the open after a rotation failed: try again, appending. A
		// directory removed meanwhile takes no new file: look it up by
		// its path again next time, so that one made anew is used.
		if oerr := l.open(0); oerr != nil {
			l.closeDir()
			err = textf.Errorf("open %q: %w", l.path, oerr)
		}
		if g2 := l.gate; g2 != g {
			// The open found what the file is: the write takes a turn
			// of its device's gate, or none for a FIFO, rather than
			// hold one of the files not yet opened (a FIFO whose
			// reader stalls would hold it for good).
			if g != nil {
				<-g.slots
			}
			if g = g2; g != nil {
				g.slots <- struct{}{}
			}
		}
	}
	n := 0
	if l.f != nil {
		if l.cut {
			// The last write stopped mid-line (a full disk): end that
			// line first, so that it is never glued to this one.
			if _, err := l.f.Write([]byte{'\n'}); err == nil {
				l.cut = false
				l.size++
			}
		}
		n, err = l.f.Write(p)
		l.size += int64(n)
		if err != nil {
			err = textf.Errorf("write %q: %w", l.path, unwrapPath(err))
			if n > 0 {
				l.cut = p[n-1] != '\n'
			}
		}
	}
	if err != nil {
		if !l.dropping {
			l.dropping = true
			l.report(err.Error() + "; dropping output")
		}
		l.dropped += int64(len(p) - n)
	} else if l.dropping {
		l.report(l.droppedMsg("resumed writing "))
		l.dropping = false
		l.dropped = 0
	}
	if l.rotateAt > 0 && l.size >= l.rotateAt && l.f != nil {
		l.rotate()
	}
	return len(p), nil
}

// report queues msg for warn. Called with l.mu held.
func (l *logFile) report(msg string) {
	if l.warn == nil {
		return
	}
	l.pending = append(l.pending, msg)
	if !l.notifying {
		l.notifying = true
		l.notified.Add(1)
		go l.notify()
	}
}

// notify delivers the queued messages until there are none.
func (l *logFile) notify() {
	defer l.notified.Done()
	for {
		l.mu.Lock()
		msgs := l.pending
		l.pending = nil
		if len(msgs) == 0 {
			l.notifying = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		for _, m := range msgs {
			l.warn(m)
		}
	}
}

// rotate does supervisord's doRollover once the file has reached maxbytes.
// Called with l.mu held.
func (l *logFile) rotate() {
	// The tracked size can be stale if someone truncated the file behind our
	// back (logrotate's copytruncate); the O_APPEND offset after our last
	// write is the true end of file.
	if pos, err := l.f.Seek(0, io.SeekCurrent); err == nil {
		l.size = pos
		if pos < l.rotateAt {
			return
		}
	}
	fail := func(err error) {
		if !l.rotateFailed {
			l.rotateFailed = true
			l.report(textf.Sprintf("rotate log file %q: %v; still writing to it", l.path, err))
		}
	}
	extra := 0
	if l.backups > 0 {
		// PATH.(n-1) -> PATH.n ... PATH -> PATH.1, in the directory
		// openDir opened. A failure ends the rotation; when PATH itself
		// could not be renamed it is not opened afresh: it still holds
		// the data.
		base := filepath.Base(l.path)
		for i := l.backups; i >= 1; i-- {
			src := base
			if i > 1 {
				src += "." + itoa(i-1)
			}
			dst := base + "." + itoa(i)
			if err := unix.Renameat(l.dir, src, l.dir, dst); err != nil && err != unix.ENOENT {
				fail(textf.Errorf("rename %s %s: %w", src, dst, err))
				return
			}
		}
	} else {
		extra = os.O_TRUNC
	}
	if err := l.open(extra); err != nil {
		// PATH was renamed away (or cannot be truncated) and no new
		// file could be opened. Drop output until one can: each Write
		// tries again.
		l.rotateFailed = false
		if extra == 0 {
			l.forget()
			l.f.Close()
			l.f = nil
			if !l.dropping {
				l.dropping = true
				l.report(textf.Sprintf("open %q after rotation: %v; dropping output", l.path, err))
			}
			return
		}
		fail(err)
		return
	}
	l.rotateFailed = false
}

// newLogFile is openLogFile without the open: the copier opens the file
// (prepare) when it starts, or the first Write does. A file that cannot be
// opened then costs the program nothing but its output: one warning, a
// count of dropped bytes, and writing resumes once the file can be opened.
// Not inlined: its inlined copies cost text (issue 2's size).
//
//go:noinline
func newLogFile(path string, maxbytes int64, backups int, warn func(msg string)) *logFile {
	// supervisord takes negatives as written: maxbytes never rotates,
	// backups truncates; so do 0 and 0.
	return &logFile{path: path, maxbytes: max(maxbytes, 0), backups: max(backups, 0), mode: logFileMode, warn: warn}
}

// prepare opens the file if it is not open yet, reporting a failure as a
// failed write would.
func (l *logFile) prepare() {
	if l.std {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.f != nil {
		return
	}
	if err := l.open(0); err != nil && !l.dropping {
		l.dropping = true
		l.report(textf.Sprintf("open %q: %v; dropping output", l.path, err))
	}
}

// Reopen closes the file and opens the same path again, for an outside
// logrotate that moved the file aside (SIGUSR2, as supervisord). If the path
// cannot be opened, writing continues to the old file, and the error is
// reported through warn (and returned, when the reopen was done at once).
// A stdSink is left as it is.
//
// The owner loop calls it, and must never wait on a log file: while a Write
// holds the file (one stuck on a FIFO whose reader stopped reading), the
// reopen is left to a goroutine that waits for that Write.
func (l *logFile) Reopen() error {
	if l.std {
		return nil // without the lock: a Write may be stuck on a full pipe
	}
	return l.whenFree(func() (string, error) {
		if l.closed {
			return "", nil
		}
		l.closeDir() // the directory may have been replaced too
		if oerr := l.open(0); oerr != nil {
			err := textf.Errorf("reopen log file %q: %w", l.path, oerr)
			return err.Error(), err
		}
		return "", nil
	})
}

// Close closes the file; later Writes return os.ErrClosed. Closing a
// stdSink does nothing: gosinit's own stdout and stderr stay open. Bytes
// dropped since the last good write are reported, as writing will not
// resume. Like Reopen, it never waits for a Write.
func (l *logFile) Close() error {
	if l.std {
		return nil
	}
	return l.whenFree(func() (msg string, err error) {
		if l.closed {
			return "", nil
		}
		l.closed = true
		l.closeDir()
		if l.f != nil {
			l.forget()
			err = l.f.Close()
			l.f = nil
		}
		if l.dropping && l.dropped > 0 {
			msg = l.droppedMsg("closed ")
		}
		return msg, err
	})
}

// whenFree runs fn with l.mu held, then gives the message it returns (if
// not empty) to warn without it: at once when no Write holds l.mu, else
// from a goroutine once it is free, so that the caller never waits on a
// stuck Write. It returns fn's error when fn ran at once, else nil: fn
// returns it rather than setting a variable of the caller's, which the
// goroutine would write after the caller had read it (a data race).
func (l *logFile) whenFree(fn func() (string, error)) error {
	run := func() error {
		msg, err := fn()
		l.mu.Unlock()
		if msg != "" && l.warn != nil {
			l.warn(msg)
		}
		return err
	}
	if l.mu.TryLock() {
		return run()
	}
	go func() {
		l.mu.Lock()
		run()
	}()
	return nil
}

// droppedMsg ends a streak of dropped output: what, the path, the count.
// Not inlined: it has two call sites (issue 2's size).
//
//go:noinline
func (l *logFile) droppedMsg(what string) string {
	return textf.Sprintf("%s%q after dropping %d bytes", what, l.path, l.dropped)
}

// closeDir closes the directory; the next open opens it again.
func (l *logFile) closeDir() {
	if !l.dirOK {
		return
	}
	l.dirOK = false
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if d := sharedDirs[l.dirKey]; d != nil && d[0] == l.dir {
		if d[1]--; d[1] > 0 {
			return
		}
		delete(sharedDirs, l.dirKey)
	}
	unix.Close(l.dir)
}

// writeGate bounds the copiers in a blocking write (or a rotation's renames
// and opens) to the files of one device at gateSlots. A write to a regular
// file is a blocking system call: the Go runtime gives the copier's P to
// another thread meanwhile, making a new one if none is idle. Fifty
// programs writing to log files on a disk that throttled them (dirty page
// writeback) made gosinit 57 threads; each costs a task of the container's
// pids limit, and a thread the runtime needs and may not create (the limit
// reached) is fatal to PID 1. A copier waiting for a slot is a parked
// goroutine and holds no thread. Gates are per device, so a file system
// that hangs (a lost NFS server) holds up only the programs logging to it.
// Channel sends wait in order, so no copier starves. The activity log is
// not gated: the loop writes it, and must never queue behind copiers. Nor
// is a FIFO: its writes wait in the runtime poller, not in a thread.
type writeGate struct{ slots chan struct{} }

// gateSlots is how many writes one device's files take at once: more than
// the two Ps (the writes overlap with the copiers' reads), few threads.
const gateSlots = 4

var (
	gatesMu sync.Mutex
	gates   = map[uint64]*writeGate{}
)

// unopenedDev keys the gate of gated files whose device is not known yet:
// at the start, every program's first write may open its file at once.
// Not a device number the kernel gives (the top major and minor).
const unopenedDev = ^uint64(0)

// gateWrites makes l's writes take slots of a writeGate. Called before l
// is shared.
func (l *logFile) gateWrites() {
	l.gated = true
	l.gate = gateFor(unopenedDev)
}

// gateFor returns the write gate of device dev (made on first use; a
// container has a handful of devices).
func gateFor(dev uint64) *writeGate {
	gatesMu.Lock()
	defer gatesMu.Unlock()
	g := gates[dev]
	if g == nil {
		g = &writeGate{slots: make(chan struct{}, gateSlots)}
		gates[dev] = g
	}
	return g
}

// sharedDirs are the directories log files have open, by device and
// inode: one descriptor and its count of users. A descriptor per log
// file cost 200 programs with two log files each 400 descriptors more
// than supervisord needs for them, and EMFILE under a limit it fits in.
var (
	sharedMu   sync.Mutex
	sharedDirs = map[[2]uint64]*[2]int{}
)

// shareDir returns the descriptor of fd's directory that log files
// already share (closing fd), or fd, now shared, and the directory's key.
func shareDir(fd int) (int, [2]uint64) {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return fd, [2]uint64{} // not shared: closeDir closes it
	}
	k := [2]uint64{st.Dev, st.Ino}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if d := sharedDirs[k]; d != nil {
		d[1]++
		unix.Close(fd)
		return d[0], k
	}
	sharedDirs[k] = &[2]int{fd, 1}
	return fd, k
}

// openDir opens dir (O_PATH) for a log file's opens and renames, one name
// at a time, following only symbolic links owned by root or by gosinit's
// user: a link someone else made (a program's user, in a log directory it
// owns) could send root's writes and renames anywhere. Once open, the
// directory stays the same whatever is later renamed or linked on its path.
func openDir(dir string) (int, error) {
	start := "."
	if filepath.IsAbs(dir) {
		start = "/"
	}
	fd, err := unix.Open(start, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	names := strings.Split(dir, "/")
	for hops := 0; err == nil && len(names) > 0; {
		name := names[0]
		names = names[1:]
		if name == "" || name == "." {
			continue
		}
		var next int
		if next, err = unix.Openat(fd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0); err != nil {
			break
		}
		var st unix.Stat_t
		err = unix.Fstat(next, &st)
		target := ""
		switch {
		case err != nil:
		case st.Mode&unix.S_IFMT == unix.S_IFDIR:
			unix.Close(fd)
			fd = next
			continue
		case st.Mode&unix.S_IFMT != unix.S_IFLNK:
			err = unix.ENOTDIR
		case st.Uid != 0 && st.Uid != uint32(os.Geteuid()):
			err = textf.Errorf("%s is a symbolic link owned by uid %d, which log paths never follow", name, st.Uid)
		case hops > 40:
			err = unix.ELOOP
		default:
			buf := make([]byte, unix.PathMax)
			n, rerr := unix.Readlinkat(next, "", buf)
			target, err = string(buf[:max(n, 0)]), rerr
		}
		unix.Close(next)
		if err != nil {
			break
		}
		hops++
		names = append(strings.Split(target, "/"), names...)
		if strings.HasPrefix(target, "/") {
			unix.Close(fd)
			fd, err = unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		}
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// unwrapPath strips the *fs.PathError that os.File adds ("write NAME: "),
// since messages name the configured path themselves.
func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

// clearNonblock puts f back in blocking mode (see logFileFlags).
func clearNonblock(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}

// trustedLink: name in the directory dir (openDir's) is a symbolic link
// owned by our effective user or root, and the directory is owned by one
// of them and no one else can write it (but gosinit's own group). Nobody else can then have made the
// link or swap it, so following it is what its maker meant (an image's
// root-made link to /dev/stdout, for a gosinit run as --user 1000). The
// checks are made on the directory the file is opened in, not on its
// path, which may have changed since.
func trustedLink(dir int, name string) bool {
	var ls, ds unix.Stat_t
	if unix.Fstatat(dir, name, &ls, unix.AT_SYMLINK_NOFOLLOW) != nil || ls.Mode&unix.S_IFMT != unix.S_IFLNK {
		return false
	}
	if unix.Fstat(dir, &ds) != nil {
		return false
	}
	// A directory its group may write is trusted when that group is
	// gosinit's own (OpenShift's images: chgrp 0 and chmod g=u, run as a
	// random uid in group 0): whoever else could write is gosinit's kin.
	uid := uint32(os.Geteuid())
	return (ls.Uid == uid || ls.Uid == 0) && (ds.Uid == uid || ds.Uid == 0) &&
		ds.Mode&0o002 == 0 && (ds.Mode&0o020 == 0 || ds.Gid == uint32(os.Getegid()))
}
