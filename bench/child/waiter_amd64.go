package main

import (
	"syscall"

	"golang.org/x/sys/unix"
)

func cloneWaiter(fd, slot uintptr) (pid, errno uintptr)

// spawnWaiters starts n waiters that share the forker's memory (CLONE_VM):
// creating one copies no page tables and its exit frees none, so the
// figures are about the init's reaping, not about the kernel tearing down
// 10,000 address spaces.
func spawnWaiters(n, fd int, base uintptr) error {
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	// The calling goroutine is locked to its thread by the caller; the
	// mask is inherited by every waiter and never restored: the forker
	// exits right after.
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &all, &old); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if _, errno := cloneWaiter(uintptr(fd), base+uintptr(i)*16); errno != 0 {
			return syscall.Errno(errno)
		}
	}
	return nil
}
