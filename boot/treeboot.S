// A stand-in for a boot loader, to boot hmk with a device tree that QEMU
// does not rewrite (scripts/treeboot): QEMU loads this stub, the kernel and
// the tree with -device loader and starts the CPU here. It enters the
// kernel as the Linux ARM boot protocol does: r0 = 0, r1 = ~0 (no machine
// number), r2 = the tree. The two words after the code say where the
// kernel and the tree go; scripts/treeboot reads them from this image.
	.arm
	.section .text
	.global	_start
_start:
	mov	r0, #0
	mvn	r1, #0
	ldr	r2, dtb_pa
	ldr	pc, kernel_pa
kernel_pa:
	.word	TREEBOOT_KERNEL_PA
dtb_pa:
	.word	TREEBOOT_DTB_PA
