# hmdemo: HIGHMEM above 4 GiB through memsrv with each mapping primitive
# (started by init in the demo when memsrv runs).
$(eval $(call user_program,hmdemo,servers/demos/hmdemo/hmdemo.c))
