# fuzz: the in-guest random-call fuzzer (run with "run=fuzz:ARG", see
# fuzz.h; scripts/test runs a short campaign, make fuzz a long one).
$(eval $(call user_program,fuzz,$(wildcard servers/tests/fuzz/*.c)))
