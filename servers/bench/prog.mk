# bench: instruction counts of the kernel's primitives (see bench.c).
$(eval $(call user_program,bench,$(wildcard servers/bench/*.c)))
include servers/bench/bench.mk
