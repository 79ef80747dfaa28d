package proc

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gosinit/gosinit/config"
)

// debugOutput writes what fmt's "'%s' %s output:\n%s" makes of a chunk,
// bytes that are not UTF-8 included.
func TestDebugOutput(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("hello\n"), []byte("a\xffb\x00%s%!\n\n"), bytes.Repeat([]byte("x"), 70000)} {
		var got bytes.Buffer
		newLogger(config.LevelDebug, &got).debugOutput("web", "stdout", data)
		want := fmt.Appendf(nil, "DEBG '%s' %s output:\n%s\n", "web", "stdout", data)
		// past the time, "2026-11-26 04:41:35,123 "
		if g, w := got.Bytes()[24:], want; !bytes.Equal(g, w) {
			t.Errorf("chunk of %d bytes: got %q, want %q", len(data), g, w)
		}
	}
	var b bytes.Buffer
	newLogger(config.LevelInfo, &b).debugOutput("web", "stdout", []byte("x"))
	if b.Len() != 0 {
		t.Errorf("at loglevel info: %q, want nothing", b.Bytes())
	}
}
