# make bench: boots the benchmark image twice under -icount, checks that
# both runs give the same figures, writes build/bench/results.jsonl and
# prints a table (scripts/bench).
.PHONY: bench
bench: ## run the benchmarks under -icount (twice, must agree): build/bench/results.jsonl
	@scripts/install-deps
	@$(MAKE) -s --no-print-directory kernel initrd
	@scripts/bench --kernel $(KBUILD)/hmk.bin --initrd $(INITRD) --out $(KBUILD)/bench --config "$(KCONFIG)"

# make bench-compare A=<results.jsonl> B=<results.jsonl> [THRESHOLD=5]
.PHONY: bench-compare
bench-compare: ## compare two make bench results: A=<file> B=<file> [THRESHOLD=<percent>]
	@scripts/bench-compare "$(A)" "$(B)" $(THRESHOLD)
