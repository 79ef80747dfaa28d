package proc

import "bytes"

// ansiStripper removes ANSI escape sequences from a program's output, for
// [supervisord] strip_ansi=true: from "ESC[" up to and including the first
// of supervisord's terminators, HfABCDRsuJKhlpm (dispatchers.py,
// stripEscapes). A sequence with no terminator runs to the end of the
// output, as there.
//
// supervisord strips each chunk it reads on its own, so a sequence cut by
// a read leaves its tail ("32m") in the log. Here the state carries over
// from one chunk to the next: the cut sequence is stripped whole, and an
// ESC that ends a chunk waits for the next byte to say whether it starts
// a sequence.
type ansiStripper struct {
	inSeq bool // after "ESC[", before its terminator
	esc   bool // the last chunk ended with an ESC, held back
}

const escByte = 0x1b

// isTerminator reports whether c ends a sequence: supervisord's
// ANSI_TERMINATORS, HfABCDRsuJKhlpm.
func isTerminator(c byte) bool {
	switch c {
	case 'H', 'f', 'A', 'B', 'C', 'D', 'R', 's', 'u', 'J', 'K', 'h', 'l', 'p', 'm':
		return true
	}
	return false
}

// strip strips buf[1:], the chunk just read, in place. buf[0] is a spare
// byte in front of the chunk: a held ESC that turns out not to start a
// sequence goes there. It returns the stripped chunk, a part of buf.
func (a *ansiStripper) strip(buf []byte) []byte {
	start, w, i := 1, 1, 1
	if a.esc {
		a.esc = false
		if len(buf) > 1 && buf[1] == '[' {
			a.inSeq = true
			i = 2
		} else {
			buf[0] = escByte
			start = 0
		}
	}
	for i < len(buf) {
		if a.inSeq {
			// Sequences are short: a byte at a time (bytes.IndexAny
			// would cost the binary 8 kB).
			for i < len(buf) && !isTerminator(buf[i]) {
				i++
			}
			if i < len(buf) {
				i++
				a.inSeq = false
			}
			continue
		}
		j := bytes.IndexByte(buf[i:], escByte)
		if j < 0 {
			w += copy(buf[w:], buf[i:])
			break
		}
		w += copy(buf[w:], buf[i:i+j])
		i += j
		switch {
		case i+1 == len(buf):
			a.esc = true // the next chunk decides
			i++
		case buf[i+1] == '[':
			a.inSeq = true
			i += 2
		default:
			buf[w] = escByte
			w++
			i++
		}
	}
	return buf[start:w]
}

// finish returns what the stripper still holds when the output ends: an
// ESC with nothing after it, or nothing. A sequence left open is dropped.
func (a *ansiStripper) finish() []byte {
	if a.esc {
		a.esc = false
		return []byte{escByte}
	}
	return nil
}
