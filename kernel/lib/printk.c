// printk: a small formatter writing straight to the console.
#include "printk.h"

#include <stdint.h>

#include "plat.h"

struct spec {
	int width;
	char pad;  // ' ' or '0'
	int left;  // '-' flag
	int lsize; // count of 'l'
	int prec;  // %.Ns / %.*s: most characters of a string; -1 none, -2 from the arguments
};

static void put_padded(const char *s, int len, const struct spec *sp)
{
	int fill = sp->width > len ? sp->width - len : 0;

	if (!sp->left)
		while (fill-- > 0)
			console_putc(sp->pad);
	while (len-- > 0)
		console_putc(*s++);
	if (sp->left)
		while (fill-- > 0)
			console_putc(' ');
}

static void put_number(uint64_t v, unsigned base, int negative, const struct spec *sp)
{
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (negative)
		buf[--i] = '-';
	put_padded(buf + i, sizeof(buf) - i, sp);
}

static uint64_t arg_unsigned(va_list *ap, int lsize)
{
	if (lsize >= 2)
		return va_arg(*ap, unsigned long long);
	if (lsize == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(va_list *ap, int lsize)
{
	if (lsize >= 2)
		return va_arg(*ap, long long);
	if (lsize == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static const char *parse_spec(const char *f, struct spec *sp)
{
	*sp = (struct spec){ .pad = ' ', .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = 1;
		else if (*f == '0')
			sp->pad = '0';
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.' && f[1] == '*') {
		sp->prec = -2;
		f += 2;
	} else if (*f == '.') {
		for (sp->prec = 0, f++; *f >= '0' && *f <= '9'; f++)
			sp->prec = sp->prec * 10 + (*f - '0');
	}
	while (*f == 'l') {
		sp->lsize++;
		f++;
	}
	return f;
}

void vprintk(const char *fmt, va_list ap)
{
	va_list args;

	va_copy(args, ap);
	for (const char *f = fmt; *f; f++) {
		struct spec sp;
		const char *s;
		int64_t n;

		if (*f != '%') {
			console_putc(*f);
			continue;
		}
		f = parse_spec(f + 1, &sp);
		if (sp.prec == -2)
			sp.prec = va_arg(args, int);
		switch (*f) {
		case 'd':
			n = arg_signed(&args, sp.lsize);
			put_number(n < 0 ? -(uint64_t)n : (uint64_t)n, 10, n < 0, &sp);
			break;
		case 'u': put_number(arg_unsigned(&args, sp.lsize), 10, 0, &sp); break;
		case 'x': put_number(arg_unsigned(&args, sp.lsize), 16, 0, &sp); break;
		case 'p':
			console_putc('0');
			console_putc('x');
			put_number((uintptr_t)va_arg(args, void *), 16, 0,
				   &(struct spec){ .width = 8, .pad = '0' });
			break;
		case 'c': console_putc((char)va_arg(args, int)); break;
		case 's':
			s = va_arg(args, const char *);
			if (!s)
				s = "(null)";
			for (n = 0; (sp.prec < 0 || n < sp.prec) && s[n]; n++)
				;
			put_padded(s, (int)n, &sp);
			break;
		case '%': console_putc('%'); break;
		default: // unknown conversion: show it rather than guess
			console_putc('%');
			if (!*f)
				f--;
			else
				console_putc(*f);
		}
	}
	va_end(args);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
