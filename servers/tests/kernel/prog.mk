# tests: the in-guest test suite (run with "run=tests" on the command line).
$(eval $(call user_program,tests,$(wildcard servers/tests/kernel/*.c)))
