# The two commands of the README:
#   make run    install what is missing, build release, start vigil on 127.0.0.1:9900 with data in
#               ./data and config/vigil.yml (it scrapes this machine and itself, and polls three
#               simulated clouds served by `vigil cloudsim` on 127.0.0.1:9901/9902)
#   make test   install what is missing, build, run every test through ctest
#               (release, then the fuzz targets briefly, then ASan+UBSan, then TSan)
# Everything else here is a convenience over CMake presets (CMakePresets.json).

LISTEN   ?= 127.0.0.1:9900
DATA_DIR ?= ./data
CONFIG   ?= config/vigil.yml
ARGS     ?=

# ccache keys on paths relative to the checkout, so every clone of the
# repository (CI builds a fresh one each time) shares one warm cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
export CCACHE_MAXSIZE := 15G

.PHONY: run test setup build debug asan tsan fuzz bench bench-logs bench-logs-rss format clean

setup:
	@scripts/setup.sh

build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release

# The cloud simulator runs beside the server as the "cloud" that
# config/vigil.yml's cloud_configs poll; it writes its test credentials
# (CA, GCP key) to $(DATA_DIR)/cloudsim before the server starts.
# config/vigil.yml reads them from ../data/cloudsim (beside the config):
# with another DATA_DIR, give a CONFIG whose ca_file and credentials_file
# point there.
CLOUDSIM ?= 1

run: build
ifeq ($(CLOUDSIM),1)
	@mkdir -p $(DATA_DIR)/cloudsim && rm -f $(DATA_DIR)/cloudsim/endpoints.env
	@build/release/vigil cloudsim --listen 127.0.0.1:9901 --tls-listen 127.0.0.1:9902 \
	  --state-dir $(DATA_DIR)/cloudsim --write-credentials $(DATA_DIR)/cloudsim & sim=$$!; \
	  trap 'kill $$sim 2>/dev/null' EXIT INT TERM; \
	  for i in $$(seq 100); do [ -f $(DATA_DIR)/cloudsim/endpoints.env ] && break; sleep 0.1; done; \
	  build/release/vigil serve --listen $(LISTEN) --data-dir $(DATA_DIR) --config $(CONFIG) $(ARGS)
else
	build/release/vigil serve --listen $(LISTEN) --data-dir $(DATA_DIR) --config $(CONFIG) $(ARGS)
endif

# Tests built with ThreadSanitizer: the modules with concurrency of their own.
TSAN_TARGETS = vigil_task_pool_test vigil_tsdb_test vigil_tsdb_wal_test vigil_http_test vigil_promql_engine_concurrency_test \
               vigil_scrape_test vigil_discovery_test vigil_httpclient_test vigil_cloud_manager_test \
               vigil_http_tls_test vigil_logstore_test vigil_logs_syslog_server_test vigil_logs_tail_test \
               vigil_api_loki_test vigil_forward_test vigil_cloud_log_source_test

# PRUNE_BUILDS=1 (CI's clean clone sets it) deletes each build tree once its
# tests have passed: the four trees together take several GB, and ccache
# keeps what a rebuild needs.
PRUNE_BUILDS ?= 0
prune = $(if $(filter 1,$(PRUNE_BUILDS)),rm -rf build/$(1),@true)

test: build
	ctest --preset release
	$(call prune,release)
	$(MAKE) --no-print-directory fuzz
	$(call prune,fuzz)
	$(MAKE) --no-print-directory asan
	$(call prune,asan)
	$(MAKE) --no-print-directory tsan
	$(call prune,tsan)

debug asan: setup
	cmake --preset $@ >/dev/null
	cmake --build --preset $@
	ctest --preset $@

tsan: setup
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan --target $(TSAN_TARGETS)
	TSAN_OPTIONS=halt_on_error=1 ctest --preset tsan -L concurrency

# libFuzzer targets (clang); ctest runs each one briefly over its seed corpus.
fuzz: setup
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz
	ctest --preset fuzz

bench: build
	@for b in build/release/bench/vigil_bench_*; do echo "== $$b"; $$b --benchmark_min_time=0.2; done

# Log ingestion side by side with rsyslog and syslog-ng (../shared/bench/logs;
# its setup.sh installs them, as root, with the same BENCH_WORK).
# BENCH_ARGS e.g. "--lines 200000 --reps 1" for a smoke run.
LOGBENCH_WORK ?= $(CURDIR)/build/logbench
BENCH_ARGS ?=
VIGIL_LOGBENCH_CMD = $(CURDIR)/build/release/vigil serve --listen 127.0.0.1:{port} --syslog-listen 127.0.0.1:{syslog_port} --data-dir {datadir} --tail {input_file} --tail.label job=logbench --no-host.enabled
bench-logs: build
	BENCH_WORK=$(LOGBENCH_WORK) ../shared/bench/logs/compare.sh --servers rsyslog,syslog-ng,custom \
	  --custom-name vigil --custom-cmd '$(VIGIL_LOGBENCH_CMD)' $(BENCH_ARGS)

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build

# Peak RSS against input size and under a stalled sink: the tcp, file and
# loki scenarios at two input sizes, then again with every record also routed
# to a forwarder whose receiver is down (bench/logs/stalled-forwarder.yml).
RSS_SIZES ?= 500000 2000000
bench-logs-rss: build
	@for n in $(RSS_SIZES); do for cfg in none stalled; do \
	  extra=$$( [ $$cfg = stalled ] && echo "--config $(CURDIR)/bench/logs/stalled-forwarder.yml" ); \
	  echo "== $$n lines, sink: $$cfg"; \
	  BENCH_WORK=$(LOGBENCH_WORK) ../shared/bench/logs/compare.sh --servers custom --custom-name vigil \
	    --lines $$n --reps 1 --custom-cmd '$(VIGIL_LOGBENCH_CMD)'" $$extra" | grep '^SUMMARY'; \
	done; done
