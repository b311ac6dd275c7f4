# The two commands of the README:
#   make run    install what is missing, build release, start vigil on 127.0.0.1:9900 with data in ./data
#   make test   install what is missing, build, run every test through ctest
# Everything else here is a convenience over CMake presets (CMakePresets.json).

LISTEN   ?= 127.0.0.1:9900
DATA_DIR ?= ./data
ARGS     ?=

.PHONY: run test setup build debug asan tsan fuzz bench format clean

setup:
	@scripts/setup.sh

build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release

run: build
	build/release/vigil serve --listen $(LISTEN) --data-dir $(DATA_DIR) $(ARGS)

test: build
	ctest --preset release
	$(MAKE) --no-print-directory fuzz

debug asan tsan: setup
	cmake --preset $@ >/dev/null
	cmake --build --preset $@
	ctest --preset $@

# libFuzzer targets (clang); ctest runs each one briefly over its seed corpus.
fuzz: setup
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz
	ctest --preset fuzz

bench: build
	@for b in build/release/bench/vigil_bench_*; do echo "== $$b"; $$b --benchmark_min_time=0.2; done

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
