// ARM PrimeCell PL011 UART as the kernel console (polled transmit).
#include <stdint.h>

#include "mmu.h"
#include "plat.h"

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_LCR_H 0x2c
#define UART_CR 0x30
#define FR_TXFF (1u << 5)
#define LCR_H_FEN (1u << 4)
#define LCR_H_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)

static volatile uint32_t *uart;

static void reg_write(unsigned off, uint32_t v)
{
	uart[off / 4] = v;
}
static uint32_t reg_read(unsigned off)
{
	return uart[off / 4];
}

void console_init(const struct machine *m)
{
	uart = ioremap(m->uart_base, PAGE_SIZE);
	reg_write(UART_CR, 0);
	reg_write(UART_LCR_H, LCR_H_WLEN8 | LCR_H_FEN);
	reg_write(UART_CR, CR_UARTEN | CR_TXE | CR_RXE);
}

static void put_raw(char c)
{
	while (reg_read(UART_FR) & FR_TXFF)
		;
	reg_write(UART_DR, (uint8_t)c);
}

void console_putc(char c)
{
	if (!uart)
		return;
	if (c == '\n')
		put_raw('\r');
	put_raw(c);
}
