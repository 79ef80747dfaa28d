package main

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"runtime/debug"
	"testing"
)

// parseBuildInfo against runtime/debug's own reading of the running test
// binary, and of the gosinit binary the tests built.
func TestParseBuildInfo(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := parseBuildInfo(b)
	want, wok := debug.ReadBuildInfo()
	if !ok || !wok {
		t.Fatalf("parseBuildInfo ok=%v, ReadBuildInfo ok=%v", ok, wok)
	}
	if got.goVersion != want.GoVersion || got.mainPath != want.Main.Path || got.mainVersion != want.Main.Version {
		t.Errorf("parseBuildInfo = %+v; runtime/debug says go %q, main %q %q", got, want.GoVersion, want.Main.Path, want.Main.Version)
	}
	if got.goVersion == "" || got.mainPath == "" {
		t.Errorf("parseBuildInfo = %+v: empty fields", got)
	}
	for _, bad := range [][]byte{nil, []byte("\xff Go buildinf:"), append(make([]byte, 16), []byte("\xff Go buildinf:\x08\x02")...)} {
		if bi, ok := parseBuildInfo(bad); ok {
			t.Errorf("parseBuildInfo(%q) = %+v, ok", bad, bi)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	b, err := exec.Command(gosinitBin, "version").Output()
	bi, berr := buildinfo.ReadFile(gosinitBin)
	if berr != nil {
		t.Fatal(berr)
	}
	want := "gosinit dev\n"
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		want = "gosinit " + bi.Main.Version + "\n"
	}
	if out := string(b); err != nil || out != want {
		t.Errorf("gosinit version = %q, %v; want %q", out, err, want)
	}
}
