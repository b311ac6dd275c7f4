#!/bin/bash
# A/B of scrape cost: starts `rwload expo` (4 targets x 25k series, the
# shared bench's scrape workload) and one vigil binary scraping it every
# second, and prints Vigil's CPU seconds per 1M scraped samples over 20 s of
# steady state. Run it for the old and the new binary back to back: the
# machine is noisy, the pair is the measurement.
#   bench/tools/scrape_ab.sh build/release/vigil
set -euo pipefail
BIN=$1
RWLOAD=${RWLOAD:-$(dirname "$0")/../../../shared/bench/build/rwload}
D=$(mktemp -d)
trap 'kill $V $EXPO 2>/dev/null || true; rm -rf "$D"' EXIT
"$RWLOAD" expo --port 19300 --targets 4 --series 25000 --status-file "$D/st.json" >"$D/expo.log" 2>&1 &
EXPO=$!
sleep 1
printf "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: expo\n    static_configs:\n      - targets: ['127.0.0.1:19300','127.0.0.1:19301','127.0.0.1:19302','127.0.0.1:19303']\n" >"$D/scrape.yml"
"$BIN" serve --listen 127.0.0.1:19390 --data-dir "$D/data" --config "$D/scrape.yml" --no-host.enabled >"$D/vigil.log" 2>&1 &
V=$!
sleep 8
scrapes() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['scrapes'])" "$D/st.json"; }
cpu() { awk '{print $14+$15}' "/proc/$V/stat"; }
t0=$(cpu); s0=$(scrapes)
sleep 20
t1=$(cpu); s1=$(scrapes)
python3 -c "t=($t1-$t0)/100; s=($s1-$s0)*25000; print(f'cpu {t:.2f}s for {s} samples: {t/s*1e6:.3f} CPU s per 1M')"
