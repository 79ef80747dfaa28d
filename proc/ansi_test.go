package proc

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// stripAll runs a fresh stripper over data cut into the given chunks and
// returns everything it emits, as the copier does.
func stripAll(data []byte, cuts []int) []byte {
	var a ansiStripper
	var out []byte
	prev := 0
	for _, c := range append(cuts, len(data)) {
		buf := append([]byte{0}, data[prev:c]...)
		out = append(out, a.strip(buf)...)
		prev = c
	}
	return append(out, a.finish()...)
}

func TestANSIStrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain\n", "plain\n"},
		{"\x1b[31mred\x1b[0m\n", "red\n"},
		{"\x1b[1;32mbold\x1b[m tail", "bold tail"},
		{"a\x1b[2Jb\x1b[Hc\x1b[10;20fd", "abcd"},
		{"\x1b[?25lhidden\x1b[?25h", "hidden"},
		// An ESC that starts no sequence stays, at the end too.
		{"no \x1bx seq", "no \x1bx seq"},
		{"end\x1b", "end\x1b"},
		{"\x1b\x1b[0mz", "\x1bz"},
		// supervisord drops up to its own terminators only: an unknown
		// final byte (here 'n') and what follows, to the next 'm', go.
		{"a\x1b[6nbcm d", "a d"},
		// A sequence without a terminator runs to the end of the output.
		{"x\x1b[31;", "x"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := stripAll([]byte(tt.in), nil); string(got) != tt.want {
			t.Errorf("strip(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// Every way of cutting the input in two, and into single bytes,
		// gives the same output: the state carries across reads.
		for c := 0; c <= len(tt.in); c++ {
			if got := stripAll([]byte(tt.in), []int{c}); string(got) != tt.want {
				t.Errorf("strip(%q) cut at %d = %q, want %q", tt.in, c, got, tt.want)
			}
		}
		var each []int
		for c := 1; c < len(tt.in); c++ {
			each = append(each, c)
		}
		if got := stripAll([]byte(tt.in), each); string(got) != tt.want {
			t.Errorf("strip(%q) byte by byte = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestANSIStripMatchesSupervisord compares the stripper with Debian's
// supervisor (dispatchers.stripEscapes) on random output made of the bytes
// that matter, each input whole and cut at random places.
func TestANSIStripMatchesSupervisord(t *testing.T) {
	if err := exec.Command(python, "-c", "import supervisor.dispatchers").Run(); err != nil {
		t.Skip("Debian's supervisor is not installed (apt-get install supervisor python3)")
	}
	const alphabet = "\x1b\x1b\x1b[[[mHJK;0123a\nxz?"
	r := rand.New(rand.NewPCG(1, 2))
	inputs := make([][]byte, 2000)
	var hexed []string
	for i := range inputs {
		b := make([]byte, r.IntN(40))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		inputs[i] = b
		hexed = append(hexed, hex.EncodeToString(b))
	}
	cmd := exec.Command(python, "-c", `import sys
from supervisor.dispatchers import stripEscapes
for line in sys.stdin:
    print(stripEscapes(bytes.fromhex(line.strip())).hex())`)
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
		want, _ := hex.DecodeString(theirs[i])
		if got := stripAll(in, nil); !bytes.Equal(got, want) {
			t.Errorf("strip(%q) = %q, supervisord %q", in, got, want)
			continue
		}
		var cuts []int
		for c := 1; c < len(in); c++ {
			if r.IntN(4) == 0 {
				cuts = append(cuts, c)
			}
		}
		if got := stripAll(in, cuts); !bytes.Equal(got, want) {
			t.Errorf("strip(%q) cut at %v = %q, supervisord (whole) %q", in, cuts, got, want)
		}
	}
}
