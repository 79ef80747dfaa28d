package proc

import (
	"encoding/hex"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestEventTextMatchesSupervisord: a PROCESS_LOG payload's text is what
// supervisord's ProcessLogEvent makes of the same bytes (as_string, or
// "Undecodable: %r"), for random bytes: ASCII, quotes, backslashes,
// control bytes, valid and broken UTF-8.
func TestEventTextMatchesSupervisord(t *testing.T) {
	if _, err := exec.LookPath(python); err != nil {
		t.Skip("no python3 (apt-get install python3)")
	}
	pieces := []string{"a", "Z", " ", "'", `"`, `\`, "\t", "\n", "\r", "\x00", "\x1b", "\x7f",
		"é", "\xe9", "€", "\xe2\x82", "\xff", "\xc0\xaf", "\xed\xa0\x80", "𝄞"}
	r := rand.New(rand.NewPCG(5, 7))
	inputs := make([][]byte, 3000)
	var hexed []string
	for i := range inputs {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		inputs[i] = []byte(b.String())
		hexed = append(hexed, hex.EncodeToString(inputs[i])+".")
	}
	cmd := exec.Command(python, "-c", `import sys
for line in sys.stdin:
    b = bytes.fromhex(line.strip()[:-1])
    try:
        d = b.decode('utf-8')
    except UnicodeDecodeError:
        d = 'Undecodable: %r' % b
    print(d.encode('utf-8').hex() + '.')`)
	cmd.Stdin = strings.NewReader(strings.Join(hexed, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	theirs := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(theirs) != len(inputs) {
		t.Fatalf("python answered %d lines for %d inputs", len(theirs), len(inputs))
	}
	for i, in := range inputs {
		want, _ := hex.DecodeString(strings.TrimSuffix(theirs[i], "."))
		if got := eventText(in); got != string(want) {
			t.Errorf("eventText(%q) = %q, supervisord %q", in, got, want)
		}
	}
}

// TestOwnSigpipeListenerPipe: a listener's stdin pipe whose reader has
// gone makes a SIGPIPE gosinit's own (a goroutine writing an event that
// did not fit raised it), not one to pass on; a sound one does not.
func TestOwnSigpipeListenerPipe(t *testing.T) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	w := os.NewFile(uintptr(fds[1]), "|stdin")
	defer w.Close()
	p := &process{listener: &listenerConn{stdin: w, stdinFd: fds[1], writing: true}}
	s := &Supervisor{procs: []*process{p}}
	// The test's own stdout and stderr may be anything: only run where
	// they are sound.
	if s.ownSigpipe() {
		t.Skip("the test's stdout or stderr has lost its reader")
	}
	unix.Close(fds[0])
	if !s.ownSigpipe() {
		t.Error("a SIGPIPE with a listener's stdin broken was taken for one sent to gosinit")
	}
}
