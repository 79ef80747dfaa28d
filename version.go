package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// versionString is -X main.version when set, else the module version that
// `go install github.com/gosinit/gosinit@vX` stamped into the binary, else
// "dev".
func versionString() string {
	if version != "dev" {
		return version
	}
	if b, err := os.ReadFile("/proc/self/exe"); err == nil {
		if bi, ok := parseBuildInfo(b); ok && bi.mainVersion != "" && bi.mainVersion != "(devel)" {
			return bi.mainVersion
		}
	}
	return version
}

type buildInfo struct {
	goVersion, mainPath, mainVersion string
}

// parseBuildInfo reads the build information the Go linker writes into a
// binary (its .go.buildinfo section, in the inline format of Go 1.18 and
// later), as debug/buildinfo does. runtime/debug.ReadBuildInfo would read
// it from memory, but it formats its errors with fmt, which would link fmt
// and reflect into gosinit (issue 2's binary budget); `gosinit version`
// reading its own 2.5 MB file instead costs about a millisecond.
func parseBuildInfo(b []byte) (buildInfo, bool) {
	const headerSize = 32
	const flagsVersionInline = 0x2
	magic := []byte("\xff Go buildinf:")
	for off := 0; ; {
		// the next magic: its first byte, then the rest (bytes.Index,
		// with its Rabin-Karp search, would cost 4 kB of binary here)
		i := bytes.IndexByte(b[off:], magic[0])
		if i < 0 {
			return buildInfo{}, false
		}
		i += off
		off = i + 1
		if !bytes.HasPrefix(b[i:], magic) {
			continue
		}
		if i%16 != 0 || len(b)-i < headerSize || b[i+15]&flagsVersionInline == 0 {
			continue
		}
		rest := b[i+headerSize:]
		goVersion, rest, ok := varintString(rest)
		if !ok {
			continue
		}
		mod, _, ok := varintString(rest)
		if !ok {
			continue
		}
		// The module information is framed by 16-byte sentinels.
		if len(mod) >= 33 && mod[len(mod)-17] == '\n' {
			mod = mod[16 : len(mod)-16]
		} else {
			mod = ""
		}
		bi := buildInfo{goVersion: goVersion}
		for _, line := range strings.Split(mod, "\n") {
			f := strings.Split(line, "\t")
			if len(f) >= 3 && f[0] == "mod" {
				bi.mainPath, bi.mainVersion = f[1], f[2]
			} else if len(f) >= 2 && f[0] == "path" && bi.mainPath == "" {
				bi.mainPath = f[1]
			}
		}
		return bi, true
	}
}

func varintString(b []byte) (string, []byte, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return "", nil, false
	}
	return string(b[k : k+int(n)]), b[k+int(n):], true
}
