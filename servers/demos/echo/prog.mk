# echo: the server of the IPC demo (started by init when no run= is given).
$(eval $(call user_program,echo,servers/demos/echo/echo.c))
