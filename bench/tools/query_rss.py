#!/usr/bin/env python3
"""Peak RSS of each dashboard query (../shared/bench/queries.json) on one Vigil.

Copies a kept data dir (bench.py ingest --keep-data), starts `vigil serve` on
it, and for every instant or range query resets the peak RSS (VmHWM, Linux
>= 4.0), runs the query 3 times and prints the RSS before, the peak, and the
RSS after. Used for the memory figures in docs/performance.md.

  bench/tools/query_rss.py --vigil build/release/vigil --data DIR --meta WORKLOAD/meta.json
"""
import argparse, json, shutil, subprocess, tempfile, time, urllib.parse, urllib.request, os

ap = argparse.ArgumentParser()
ap.add_argument("--vigil", required=True)
ap.add_argument("--data", required=True, help="a data dir to copy (left untouched)")
ap.add_argument("--meta", required=True, help="the workload's meta.json")
ap.add_argument("--queries", default=os.path.join(os.path.dirname(__file__), "../../../shared/bench/queries.json"))
ap.add_argument("--port", type=int, default=19310)
ap.add_argument("extra", nargs="*", help="more vigil flags")
a = ap.parse_args()

tmp = tempfile.mkdtemp(prefix="vigil-rss-")
data = os.path.join(tmp, "data")
shutil.copytree(a.data, data)
p = subprocess.Popen([a.vigil, "serve", "--listen", f"127.0.0.1:{a.port}", "--data-dir", data] + a.extra,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    time.sleep(3)
    def status(field):
        for line in open(f"/proc/{p.pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    meta = json.load(open(a.meta))
    end = meta["eval_ms"] // 1000
    print(f"start rss {status('VmRSS')} MiB")
    for q in json.load(open(a.queries)):
        if q["type"] not in ("instant", "range"):
            continue
        expr = q["query"].replace("{example_node_instance}", meta["example_node_instance"])
        if q["type"] == "range":
            path, params = "/api/v1/query_range", {"query": expr, "start": end - 3600, "end": end, "step": 15}
        else:
            path, params = "/api/v1/query", {"query": expr, "time": end}
        open(f"/proc/{p.pid}/clear_refs", "w").write("5")
        before = status("VmRSS")
        for _ in range(3):
            urllib.request.urlopen(f"http://127.0.0.1:{a.port}{path}?" + urllib.parse.urlencode(params)).read()
        print(f"{q['name']:24s} rss_before {before:5d} hwm {status('VmHWM'):5d} rss_after {status('VmRSS'):5d}")
    print(f"final hwm {status('VmHWM')} MiB")
finally:
    p.terminate()
    p.wait()
    shutil.rmtree(tmp, ignore_errors=True)
