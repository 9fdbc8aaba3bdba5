/* The kernel image: linked at PAGE_OFFSET + TEXT_OFFSET; its load (LMA)
 * addresses assume RAM at 0x40000000 as on QEMU virt, which only matters to
 * tools reading the ELF: the raw image runs wherever it is loaded. Each part
 * is page-aligned so it can be mapped with its own permissions (W^X). */
#include "memlayout.h"

OUTPUT_FORMAT("elf32-littlearm")
OUTPUT_ARCH(arm)
ENTRY(_start)

#define LOAD_OFFSET (PAGE_OFFSET - 0x40000000)

SECTIONS
{
	. = KERNEL_VBASE;
	_text = .;
	.text : AT(ADDR(.text) - LOAD_OFFSET) {
		KEEP(*(.text.head))
		*(.text .text.*)
	}
	. = ALIGN(PAGE_SIZE);
	_etext = .;

	.rodata : AT(ADDR(.rodata) - LOAD_OFFSET) {
		*(.rodata .rodata.*)
	}
	.ARM.exidx : AT(ADDR(.ARM.exidx) - LOAD_OFFSET) { *(.ARM.exidx*) }
	. = ALIGN(PAGE_SIZE);
	_erodata = .;

	.data : AT(ADDR(.data) - LOAD_OFFSET) {
		*(.data .data.*)
	}
	. = ALIGN(PAGE_SIZE);
	_edata = .;

	.bss (NOLOAD) : AT(ADDR(.bss) - LOAD_OFFSET) {
		__bss_start = .;
		*(.bss.page_aligned)
		*(.bss .bss.* COMMON)
		. = ALIGN(8);
		__bss_end = .;
	}
	. = ALIGN(PAGE_SIZE);
	_end = .;

	/DISCARD/ : { *(.comment) *(.note*) *(.ARM.attributes) *(.interp) *(.dynamic) *(.dynsym) *(.dynstr) *(.hash) *(.gnu.hash) }
}

ASSERT(_end - PAGE_OFFSET <= 2 * SECTION_SIZE, "image larger than the sections mapped page by page (IMAGE_SECTIONS)")
