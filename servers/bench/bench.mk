# make bench: boots the benchmark image twice under -icount, checks that
# both runs give the same figures, and writes results.jsonl, results.md and
# plots/ to BENCH_OUT (scripts/bench, scripts/benchtool). SMP and MEM only
# change the boot, not the build directory, so other values than 1 and 8G
# get an output of their own.
BENCH_OUT := $(KBUILD)/bench$(if $(filter-out 1,$(SMP)),-smp$(SMP))$(if $(filter-out 8G,$(MEM)),-mem$(MEM))

.PHONY: bench
bench: ## run the benchmarks under -icount (twice, must agree): build/bench/results.{jsonl,md}, plots/
	@scripts/install-deps
	@$(MAKE) -s --no-print-directory kernel initrd
	@scripts/bench --kernel $(KBUILD)/hmk.bin --initrd $(INITRD) --out $(BENCH_OUT) --smp $(SMP) \
		--mem $(MEM) --config "$(KCONFIG) mem=$(MEM)"

# Where make bench writes for these variables (for bench-matrix).
.PHONY: print-bench-out
print-bench-out:
	@echo $(BENCH_OUT)

# make bench-compare A=<results.jsonl> B=<results.jsonl> [THRESHOLD=5]
.PHONY: bench-compare
bench-compare: ## compare two make bench results: A=<file> B=<file> [THRESHOLD=<percent>]
	@scripts/benchtool compare "$(A)" "$(B)" $(if $(THRESHOLD),--threshold "$(THRESHOLD)")

# make bench-matrix [CONFIGS="..."]: make bench for each configuration (one
# word each; several variables joined by commas, e.g. VMSPLIT=2G,FASTPATH=0),
# stopping at the first that fails, then one table of their medians.
CONFIGS ?= FASTPATH=1 FASTPATH=0 VMSPLIT=2G VMSPLIT=1G SMP=2
comma := ,
.PHONY: bench-matrix
bench-matrix: ## run make bench over a matrix of configurations: build/bench-matrix.md
	@scripts/install-deps
	@set -e; results=""; \
	for c in $(CONFIGS); do \
		vars=$$(echo "$$c" | tr '$(comma)' ' '); \
		echo "== make bench $$vars"; \
		$(MAKE) --no-print-directory bench $$vars || { echo "bench-matrix: make bench $$vars failed" >&2; exit 1; }; \
		results="$$results $$($(MAKE) -s --no-print-directory print-bench-out $$vars)/results.jsonl"; \
	done; \
	echo "== $(BUILD)/bench-matrix.md"; \
	scripts/benchtool matrix --out $(BUILD)/bench-matrix.md $$results
