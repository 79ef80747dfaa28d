#include "textflag.h"

// func cloneWaiter(fd, slot uintptr) (pid uintptr, errno uintptr)
//
// clone(CLONE_VM|SIGCHLD) with the caller's stack pointer. The child shares
// the forker's memory but never touches a stack: it keeps its arguments in
// registers (SYSCALL preserves all but RAX, RCX and R11) and makes three
// system calls: read(fd, slot, 1), clock_gettime(CLOCK_MONOTONIC, slot),
// exit(0). The caller must have blocked every signal: a handler would run
// on the forker's stack.
TEXT ·cloneWaiter(SB), NOSPLIT, $0-32
	MOVQ	fd+0(FP), R12
	MOVQ	slot+8(FP), R13
	MOVQ	$0x111, DI // CLONE_VM | SIGCHLD
	MOVQ	$0, SI     // new stack: none, the child uses none
	MOVQ	$0, DX
	MOVQ	$0, R10
	MOVQ	$0, R8
	MOVQ	$56, AX    // SYS_clone
	SYSCALL
	CMPQ	AX, $0
	JEQ	child
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok
	NEGQ	AX
	MOVQ	$0, pid+16(FP)
	MOVQ	AX, errno+24(FP)
	RET
ok:
	MOVQ	AX, pid+16(FP)
	MOVQ	$0, errno+24(FP)
	RET

child:
	MOVQ	R12, DI
	MOVQ	R13, SI
	MOVQ	$1, DX
	MOVQ	$0, AX     // SYS_read: returns 0 (EOF) when the last writer closes
	SYSCALL
	MOVQ	$1, DI     // CLOCK_MONOTONIC
	MOVQ	R13, SI
	MOVQ	$228, AX   // SYS_clock_gettime
	SYSCALL
exit:
	MOVQ	$0, DI
	MOVQ	$60, AX    // SYS_exit
	SYSCALL
	JMP	exit
