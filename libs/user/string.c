// memcpy, memmove and memset for user programs, a word (and eight words) at
// a time. The picolibc build user programs link (ARMv5TE, for its soft
// thread pointer; see servers/servers.mk) copies byte by byte: four
// instructions a byte under every struct copy, page zeroing and realloc.
// Linked before picolibc, these replace its own.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

// Keep GCC from turning the loops below back into calls of themselves.
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALLS void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & 3) == 0) { // same alignment: words
		while (n && ((uintptr_t)d & 3)) {
			*d++ = *s++;
			n--;
		}
		uint32_t *dw = (uint32_t *)d;
		const uint32_t *sw = (const uint32_t *)s;
		for (; n >= 32; n -= 32, dw += 8, sw += 8) {
			uint32_t a = sw[0], b = sw[1], c = sw[2], e = sw[3];
			uint32_t f = sw[4], g = sw[5], h = sw[6], i = sw[7];
			dw[0] = a, dw[1] = b, dw[2] = c, dw[3] = e;
			dw[4] = f, dw[5] = g, dw[6] = h, dw[7] = i;
		}
		for (; n >= 4; n -= 4)
			*dw++ = *sw++;
		d = (uint8_t *)dw;
		s = (const uint8_t *)sw;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

NO_LIBCALLS void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n); // forwards is safe
	d += n;                             // overlapping with dst above src: backwards
	s += n;
	if ((((uintptr_t)d ^ (uintptr_t)s) & 3) == 0) {
		while (n && ((uintptr_t)d & 3)) {
			*--d = *--s;
			n--;
		}
		uint32_t *dw = (uint32_t *)d;
		const uint32_t *sw = (const uint32_t *)s;
		for (; n >= 4; n -= 4)
			*--dw = *--sw;
		d = (uint8_t *)dw;
		s = (const uint8_t *)sw;
	}
	while (n--)
		*--d = *--s;
	return dst;
}

NO_LIBCALLS void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	uint32_t w = (uint8_t)c * 0x01010101u;

	while (n && ((uintptr_t)d & 3)) {
		*d++ = (uint8_t)c;
		n--;
	}
	uint32_t *dw = (uint32_t *)d;
	for (; n >= 32; n -= 32, dw += 8) {
		dw[0] = w, dw[1] = w, dw[2] = w, dw[3] = w;
		dw[4] = w, dw[5] = w, dw[6] = w, dw[7] = w;
	}
	for (; n >= 4; n -= 4)
		*dw++ = w;
	d = (uint8_t *)dw;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}
