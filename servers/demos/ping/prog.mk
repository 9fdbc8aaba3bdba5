# ping: the client of the IPC demo, started by echo through init.
$(eval $(call user_program,ping,servers/demos/ping/ping.c))
