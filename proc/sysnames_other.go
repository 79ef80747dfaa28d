//go:build linux && !(386 || amd64 || arm || arm64 || loong64 || riscv64 || s390x)

package proc

import "golang.org/x/sys/unix"

// On these architectures unix's tables differ from sysnames.go's.

func errnoText(e unix.Errno) string { return unix.ErrnoName(e) }

func signalText(s unix.Signal) string { return unix.SignalName(s) }
