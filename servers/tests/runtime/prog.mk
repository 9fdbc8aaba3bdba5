# rttest: checks of the user runtime and of init's requests (run=rttest).
$(eval $(call user_program,rttest,servers/tests/runtime/rttest.c))
