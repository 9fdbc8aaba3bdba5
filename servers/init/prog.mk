# init: the first program, started by the kernel.
$(eval $(call user_program,init,$(wildcard servers/init/*.c)))
