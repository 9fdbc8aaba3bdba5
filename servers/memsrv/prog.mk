# memsrv: the memory server (started first by init when the initrd holds it).
$(eval $(call user_program,memsrv,$(wildcard servers/memsrv/*.c)))
