package proc

// Unmapping the start's code pages once gosinit is idle.
//
// A static Go binary is mapped from its file, and the kernel maps its pages
// into the process as they run, each fault mapping the 64 KiB around it
// when those pages are in the page cache ("fault-around"). By the time the
// start is over (the config read, every program spawned) nearly the whole
// binary is mapped: 2.4 MB of an idle gosinit's 3.3 MB of RSS, though an
// idle gosinit runs little of it, and the code that parsed the config runs
// again only at a reload.
//
// So once the start (or a reload) has settled, gosinit unmaps those pages
// from itself: madvise(MADV_DONTNEED) on its own read-only, file-backed
// mappings, just before the owner loop goes to sleep. Nothing is lost: the
// pages stay in the page cache, and the code that runs next maps its pages
// back in with minor faults (no I/O while the cache holds them): the first
// signal forwarded after idle took 0.50 ms at the median instead of 0.37,
// with 7 faults instead of 1; later events are as before. RSS then shows what gosinit
// runs, not what it once ran, and under memory pressure the kernel can
// reclaim the cold pages without unmapping them from PID 1 first. It does
// not change what a cgroup is charged for the page cache of the binary.
//
// Only mappings that are safe to drop are dropped: private, not writable,
// of gosinit's own executable (by device and inode, from /proc/self/exe),
// and holding no anonymous page. A -buildmode=pie binary's relocated
// read-only data is anonymous (copied on write by the loader); dropping it
// would map the unrelocated file back in, so such a mapping is left alone.
//
// It reads /proc/self/smaps through a fixed buffer on the stack and
// allocates nothing per line: it runs to make the process smaller, so it
// must not grow the heap while it does.

import (
	"golang.org/x/sys/unix"
)

// maxDrop bounds the mappings dropped; a Go binary has two read-only ones
// (text and rodata).
const maxDrop = 8

// span is one mapping's address range.
type span struct{ lo, hi uintptr }

// dropCodePages unmaps gosinit's clean, read-only executable pages from
// its page tables. It returns the bytes unmapped; an error leaves the
// mappings it had not reached yet as they were.
func dropCodePages() (int, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		return 0, err
	}
	fd, err := unix.Open("/proc/self/smaps", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	spans, err := droppable(fd, st)
	unix.Close(fd)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range spans {
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, s.lo, s.hi-s.lo, unix.MADV_DONTNEED); errno != 0 {
			return n, errno
		}
		n += int(s.hi - s.lo)
	}
	return n, nil
}

// droppable reads smaps text from fd and returns the mappings that
// dropCodePages may drop: private, not writable, of the file exe
// describes, with no anonymous page.
func droppable(fd int, exe unix.Stat_t) ([]span, error) {
	var (
		buf  [4096]byte
		have int // bytes of buf holding unread text
		out  = make([]span, 0, maxDrop)
		cur  span
		cand bool // the current mapping may be dropped, if it has no anonymous page
		skip bool // the line being read did not fit in buf: discard it to its end
	)
	for {
		n, err := unix.Read(fd, buf[have:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return out, nil
		}
		have += n
		start := 0
		for i := start; i < have; i++ {
			if buf[i] != '\n' {
				continue
			}
			line := buf[start:i]
			start = i + 1
			if skip {
				skip = false
				cand = false // a header too long to read is not a candidate
				continue
			}
			if m, ok := parseSmapsHeader(line); ok {
				cur = m.span
				cand = m.private && !m.writable && m.dev == exe.Dev && m.ino == exe.Ino
				continue
			}
			if cand {
				if kb, ok := smapsValue(line, "Anonymous:"); ok {
					if kb == 0 && len(out) < maxDrop {
						out = append(out, cur)
					}
					cand = false
				}
			}
		}
		have = copy(buf[:], buf[start:have])
		if have == len(buf) { // one line fills the buffer
			have, skip = 0, true
		}
	}
}

// smapsMapping is what a header line of /proc/PID/smaps says.
type smapsMapping struct {
	span
	writable, private bool
	dev, ino          uint64
}

// parseSmapsHeader reads a mapping's header line in /proc/PID/smaps,
// "lo-hi perms offset major:minor inode [path]"; ok is false for the
// "Key: value" lines after it.
func parseSmapsHeader(line []byte) (m smapsMapping, ok bool) {
	f := fields6(line)
	if f[4] == nil || len(f[1]) != 4 {
		return m, false
	}
	lo, rest, ok1 := hexPrefix(f[0])
	hi, end, ok2 := hexPrefix(rest[min(1, len(rest)):])
	if !ok1 || !ok2 || len(rest) == 0 || rest[0] != '-' || len(end) != 0 || hi <= lo {
		return m, false
	}
	major, rest, ok1 := hexPrefix(f[3])
	minor, end, ok2 := hexPrefix(rest[min(1, len(rest)):])
	if !ok1 || !ok2 || len(rest) == 0 || rest[0] != ':' || len(end) != 0 {
		return m, false
	}
	ino, ok := decimal(f[4])
	if !ok {
		return m, false
	}
	m.span = span{uintptr(lo), uintptr(hi)}
	m.writable, m.private = f[1][1] == 'w', f[1][3] == 'p'
	m.dev, m.ino = unix.Mkdev(uint32(major), uint32(minor)), ino
	return m, true
}

// smapsValue reads "Key:   N kB" for the given key.
func smapsValue(line []byte, key string) (uint64, bool) {
	if len(line) < len(key) || string(line[:len(key)]) != key {
		return 0, false
	}
	f := fields6(line[len(key):])
	if string(f[1]) != "kB" {
		return 0, false
	}
	return decimal(f[0])
}

// fields6 splits line at runs of spaces into at most six fields without
// allocating; missing fields are nil.
func fields6(line []byte) (f [6][]byte) {
	n := 0
	for i := 0; i < len(line) && n < len(f); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if j > i {
			f[n] = line[i:j]
			n++
		}
		i = j
	}
	return f
}

// hexPrefix reads the hexadecimal digits at the start of b. Not inlined
// (issue 2).
//
//go:noinline
func hexPrefix(b []byte) (v uint64, rest []byte, ok bool) {
	i := 0
	for ; i < len(b) && i < 16; i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return v, b[i:], i > 0
		}
	}
	return v, b[i:], i > 0
}

// decimal reads b as a whole unsigned decimal number.
func decimal(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}
