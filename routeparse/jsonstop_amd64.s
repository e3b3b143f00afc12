//go:build amd64 && !purego

#include "textflag.h"

// 0x02, 0x20 and '\\' in every byte.
DATA stopConst<>+0x00(SB)/8, $0x0202020202020202
DATA stopConst<>+0x08(SB)/8, $0x0202020202020202
DATA stopConst<>+0x10(SB)/8, $0x2020202020202020
DATA stopConst<>+0x18(SB)/8, $0x2020202020202020
DATA stopConst<>+0x20(SB)/8, $0x5c5c5c5c5c5c5c5c
DATA stopConst<>+0x28(SB)/8, $0x5c5c5c5c5c5c5c5c
GLOBL stopConst<>(SB), (NOPTR+RODATA), $48

// Each byte of a vector x becomes 0xff where x held a quote, a backslash
// or a byte below 0x20, and 0 elsewhere: (x^0x02) -sat 0x20 is zero
// exactly for 0x00-0x1f and '"', which XOR 0x02 maps to 0x20 (it moves
// space to 0x22); a compare finds '\\'. X10/Y10 is zero; X11-X13/Y11-Y13
// hold the constants.
#define STOP16(x, t) \
	MOVOU	x, t; \
	PXOR	X11, t; \
	PSUBUSB	X12, t; \
	PCMPEQB	X10, t; \
	PCMPEQB	X13, x; \
	POR	t, x

#define STOP32(y, t) \
	VPXOR	Y11, y, t; \
	VPSUBUSB	Y12, t, t; \
	VPCMPEQB	Y10, t, t; \
	VPCMPEQB	Y13, y, y; \
	VPOR	t, y, y

// func stopMasks(dst []uint64, p []byte) uint64
TEXT ·stopMasks(SB), NOSPLIT, $0-56
	MOVQ	dst_base+0(FP), DI
	MOVQ	dst_len+8(FP), CX
	MOVQ	p_base+24(FP), SI
	MOVQ	p_len+32(FP), BX
	SHRQ	$6, BX
	CMPQ	BX, CX
	CMOVQLT	BX, CX // CX: blocks to do, min(len(p)/64, len(dst))
	XORQ	R10, R10
	MOVQ	$1, R11
	TESTQ	CX, CX
	JZ	done
	CMPB	·stopAVX2(SB), $0
	JEQ	sse2
	VPBROADCASTQ	stopConst<>+0x00(SB), Y11
	VPBROADCASTQ	stopConst<>+0x10(SB), Y12
	VPBROADCASTQ	stopConst<>+0x20(SB), Y13
	VPXOR	Y10, Y10, Y10

	// A block without a stop (most blocks of text) costs one test and the
	// store of a zero word.
avx2:
	VMOVDQU	0(SI), Y0
	VMOVDQU	32(SI), Y1
	STOP32(Y0, Y2)
	STOP32(Y1, Y3)
	VPOR	Y0, Y1, Y2
	VPTEST	Y2, Y2
	JNZ	avx2stop
	MOVQ	$0, (DI)

avx2next:
	SHLQ	$1, R11
	ADDQ	$64, SI
	ADDQ	$8, DI
	DECQ	CX
	JNZ	avx2
	VZEROUPPER
	JMP	done

avx2stop:
	VPMOVMSKB	Y0, AX
	VPMOVMSKB	Y1, BX
	SHLQ	$32, BX
	ORQ	BX, AX
	MOVQ	AX, (DI)
	ORQ	R11, R10
	JMP	avx2next

sse2:
	MOVOU	stopConst<>+0x00(SB), X11
	MOVOU	stopConst<>+0x10(SB), X12
	MOVOU	stopConst<>+0x20(SB), X13
	PXOR	X10, X10

sse2loop:
	MOVOU	0(SI), X0
	MOVOU	16(SI), X1
	MOVOU	32(SI), X2
	MOVOU	48(SI), X3
	STOP16(X0, X4)
	STOP16(X1, X5)
	STOP16(X2, X6)
	STOP16(X3, X7)
	MOVOU	X0, X4
	POR	X1, X4
	POR	X2, X4
	POR	X3, X4
	PMOVMSKB	X4, AX
	TESTL	AX, AX
	JNZ	sse2stop
	MOVQ	$0, (DI)

sse2next:
	SHLQ	$1, R11
	ADDQ	$64, SI
	ADDQ	$8, DI
	DECQ	CX
	JNZ	sse2loop
	JMP	done

sse2stop:
	PMOVMSKB	X0, AX
	PMOVMSKB	X1, BX
	PMOVMSKB	X2, DX
	PMOVMSKB	X3, R8
	SHLQ	$16, BX
	SHLQ	$32, DX
	SHLQ	$48, R8
	ORQ	BX, AX
	ORQ	DX, R8
	ORQ	R8, AX
	MOVQ	AX, (DI)
	ORQ	R11, R10
	JMP	sse2next

done:
	MOVQ	R10, ret+48(FP)
	RET

// func cpuHasAVX2() bool
TEXT ·cpuHasAVX2(SB), NOSPLIT, $0-1
	XORL	AX, AX
	CPUID
	CMPL	AX, $7
	JB	no
	MOVL	$1, AX
	XORL	CX, CX
	CPUID
	ANDL	$0x18000000, CX // OSXSAVE (bit 27) and AVX (bit 28)
	CMPL	CX, $0x18000000
	JNE	no
	XORL	CX, CX
	XGETBV                  // XCR0: the OS saves SSE (bit 1) and AVX (bit 2) state
	ANDL	$6, AX
	CMPL	AX, $6
	JNE	no
	MOVL	$7, AX
	XORL	CX, CX
	CPUID
	TESTL	$0x20, BX       // AVX2 (bit 5)
	JZ	no
	MOVB	$1, ret+0(FP)
	RET

no:
	MOVB	$0, ret+0(FP)
	RET
