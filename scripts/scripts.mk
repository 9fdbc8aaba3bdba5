# Set-up, running, debugging and testing.

.PHONY: deps run debug test
deps: ## install what the build lacks, from Debian packages
	@scripts/install-deps

run: ## boot on QEMU (MEM=8G SMP=1 VMSPLIT=3G BOOTARGS=...) and show the boot report
	@scripts/install-deps
	@$(MAKE) --no-print-directory kernel initrd
	scripts/boot --kernel $(KBUILD)/hmk.bin --initrd $(INITRD) --mem $(MEM) --smp $(SMP) \
		--append "$(BOOTARGS)"

debug: ## boot halted with a gdb stub and attach gdb-multiarch to hmk.elf
	@scripts/install-deps
	@$(MAKE) --no-print-directory kernel initrd
	scripts/debug $(KBUILD) $(INITRD) $(MEM) $(SMP) "$(BOOTARGS)"

test: ## host unit tests and QEMU boots, ending with "N passed, N failed"
	@scripts/install-deps
	@scripts/test

# The C style (.clang-format), over every tracked .c and .h file.
.PHONY: format format-check
format-check: ## list the C files that differ from .clang-format (clang-format-14); fails if any
	@scripts/install-deps
	@scripts/format --check

format: ## rewrite every C file in the .clang-format style (clang-format-14 -i)
	@scripts/install-deps
	@scripts/format

.PHONY: distro-check
distro-check: ## make test and make run in a fresh minimal Debian 12 root (root, ~20 min; before a release)
	@scripts/distro-check

# The benchmarks' host tooling (scripts/benchtool) on small fixtures.
.PHONY: host-test-benchtool
host-test-benchtool:
	scripts/tests/test-benchtool

HOST_TESTS += host-test-benchtool

# The figures the docs quote, against a real run: make test's demo boot
# (8G, "poweroff") and its benchmarks (make bench's configuration).
DOCS_CHECKED := README.md docs/benchmarking.md
DOCS_RUN := --boot $(BUILD)/test/demo-8G.log --bench $(BUILD)/test/bench/results.jsonl
.PHONY: docs-check docs-update host-test-docs-check
docs-check: ## check the README's boot report and figures against make test's last run
	@scripts/docs-check $(DOCS_RUN) $(DOCS_CHECKED)

docs-update: ## rewrite the figures the docs quote from make test's last run
	@scripts/docs-check --update $(DOCS_RUN) $(DOCS_CHECKED)

host-test-docs-check:
	scripts/tests/test-docs-check

HOST_TESTS += host-test-docs-check

# A longer campaign than make test for the kernel's SMP paths: the test
# kernel's suites booted STRESS_ROUNDS times at SMP CPUs (scripts/stress).
.PHONY: stress
STRESS_ROUNDS ?= 10
stress: ## the kernel and memsrv suites, STRESS_ROUNDS=10 boots each at SMP CPUs (make stress SMP=4)
	@scripts/install-deps
	@SMP=$(SMP) STRESS_ROUNDS=$(STRESS_ROUNDS) scripts/stress

# Fuzzing: the libFuzzer harnesses of libs/ (they also run briefly in
# make test, as host tests), then the in-guest fuzzer.
.PHONY: fuzz
FUZZ_KCALLS ?= 1000
FUZZ_SEED ?= 1
fuzz: ## libFuzzer on libs/ for FUZZ_S=60 s each, then FUZZ_KCALLS=1000 thousand guest calls
	@scripts/install-deps
	@HOST_FUZZERS="$(HOST_FUZZERS)" FUZZ_S=$(FUZZ_S) FUZZ_KCALLS=$(FUZZ_KCALLS) \
		FUZZ_SEED=$(FUZZ_SEED) scripts/fuzz
