//go:build !amd64

package main

import "syscall"

// spawnWaiters forks n copies of the forker (copy on write): slower to
// create and to tear down than amd64's shared-memory waiters, so the reap
// figures include more kernel exit work.
func spawnWaiters(n, fd int, base uintptr) error {
	for i := 0; i < n; i++ {
		pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
		if errno != 0 {
			return errno
		}
		if pid == 0 {
			grandchild(uintptr(fd), base+uintptr(i)*16)
		}
	}
	return nil
}

// grandchild runs in a forked copy of the Go process that has only the
// forking thread and no working runtime, so it may make raw system calls
// and nothing else: no allocation, no stack growth (hence nosplit), no
// runtime calls.
//
//go:nosplit
//go:norace
func grandchild(fd, slot uintptr) {
	// read returns 0 (EOF) once the harness closes the FIFO's last writer;
	// it stores nothing, so the slot doubles as the buffer.
	syscall.RawSyscall(syscall.SYS_READ, fd, slot, 1)
	syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, 1, slot, 0)
	syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
}
