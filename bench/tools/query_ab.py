#!/usr/bin/env python3
"""Dashboard query times of several Vigil binaries on the same data, alternated.

Each binary gets a fresh data dir and the workload sent with rwload (as
compare.sh does, so the data is in the head), then the instant and range
queries of queries.json run in 4 alternating rounds x 3 runs per binary;
prints the median per query and binary and the geomeans. For A/B of engine
changes on a noisy 2-core machine, where only same-run ratios mean much.

  bench/tools/query_ab.py --workload WORKLOAD_DIR BINARY_A BINARY_B ...
"""
import argparse, json, math, os, shutil, statistics, subprocess, tempfile, time, urllib.parse, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--workload", required=True, help="dir with workload.rwl and meta.json")
ap.add_argument("--rwload", default=os.path.join(os.path.dirname(__file__), "../../../shared/bench/build/rwload"))
ap.add_argument("--queries", default=os.path.join(os.path.dirname(__file__), "../../../shared/bench/queries.json"))
ap.add_argument("binaries", nargs="+")
a = ap.parse_args()

meta = json.load(open(os.path.join(a.workload, "meta.json")))
end = meta["eval_ms"] // 1000
tmp = tempfile.mkdtemp(prefix="vigil-ab-")
procs = []
try:
    for i, b in enumerate(a.binaries):
        data = os.path.join(tmp, f"d{i}")
        os.makedirs(data)
        port = 19340 + i
        p = subprocess.Popen([b, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append((p, port))
        time.sleep(1)
        subprocess.run([a.rwload, "send", "--in", os.path.join(a.workload, "workload.rwl"),
                        "--url", f"http://127.0.0.1:{port}/api/v1/write", "--quiet"],
                       check=True, stdout=subprocess.DEVNULL)
    time.sleep(3)
    queries = [q for q in json.load(open(a.queries)) if q["type"] in ("instant", "range")]
    times = {}
    for _ in range(4):
        for i, (_, port) in enumerate(procs):
            for q in queries:
                expr = q["query"].replace("{example_node_instance}", meta["example_node_instance"])
                if q["type"] == "range":
                    path, params = "/api/v1/query_range", {"query": expr, "start": end - 3600, "end": end, "step": 15}
                else:
                    path, params = "/api/v1/query", {"query": expr, "time": end}
                url = f"http://127.0.0.1:{port}{path}?" + urllib.parse.urlencode(params)
                for _ in range(3):
                    t = time.time()
                    urllib.request.urlopen(url).read()
                    times.setdefault((q["name"], i), []).append((time.time() - t) * 1000)
    for q in queries:
        print(f"{q['name']:24s}" + "".join(f"{statistics.median(times[(q['name'], i)]):10.1f}" for i in range(len(procs))))
    for i, b in enumerate(a.binaries):
        g = math.exp(sum(math.log(statistics.median(times[(q["name"], i)])) for q in queries) / len(queries))
        print(f"geomean {g:.1f} ms  {b}")
finally:
    for p, _ in procs:
        p.terminate()
        p.wait()
    shutil.rmtree(tmp, ignore_errors=True)
