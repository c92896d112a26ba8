#!/usr/bin/env bash
# Builds the release build and runs the microbenchmarks, then prints, for every
# benchmark named ".../ainet" that has a sibling ".../evp", the ratio
# ainet / bare EVP (CPU time, the fastest of the repetitions: on a shared
# machine the minimum is the least disturbed estimate). Target: <= 1.3 at
# 1400 bytes (docs: bench/ipsec_bench.cc explains what each side measures).
#
#   scripts/bench.sh                         # every *_bench executable
#   scripts/bench.sh --benchmark_filter=/1400/   # extra args go to each benchmark
#
# Environment: AINET_BUILD_DIR (default build), AINET_BENCH_REPS (default 3),
# AINET_BENCH_MIN_TIME (seconds per benchmark, default 0.2),
# AINET_BENCH_JSON (where to keep the raw JSON, default <build>/bench/results.json).
# Exit status is non-zero if a benchmark fails; a ratio above the target is
# reported, not treated as a failure (benchmarks are not tests).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${AINET_BUILD_DIR:-build}
REPS=${AINET_BENCH_REPS:-3}
MIN_TIME=${AINET_BENCH_MIN_TIME:-0.2}
JSON=${AINET_BENCH_JSON:-$BUILD/bench/results.json}

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for src in bench/*_bench.cc; do targets+=("$(basename "$src" .cc)"); done
cmake --build "$BUILD" -j2 --target "${targets[@]}"
mkdir -p "$(dirname "$JSON")"

results=()
for exe in "$BUILD"/bench/*_bench; do
  [ -x "$exe" ] || continue
  out="${JSON%.json}.$(basename "$exe").json"
  echo "=== running $(basename "$exe") (reps=$REPS, min_time=${MIN_TIME}s)" >&2
  "$exe" --benchmark_repetitions="$REPS" --benchmark_min_time="$MIN_TIME" \
    --benchmark_enable_random_interleaving=true --benchmark_format=json --benchmark_out="$out" \
    --benchmark_out_format=json "$@" >/dev/null
  # A --benchmark_filter that matches nothing in this executable leaves an
  # empty file: skip it rather than fail the whole table.
  [ -s "$out" ] && results+=("$out")
done
[ ${#results[@]} -gt 0 ] || { echo "no *_bench executables in $BUILD/bench" >&2; exit 1; }

/usr/bin/python3 - "${results[@]}" <<'EOF'
import json, sys
TARGET = 1.3
rows = {}
for path in sys.argv[1:]:
    with open(path) as f:
        data = json.load(f)
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            print(f"ERROR in {b['name']}: {b.get('error_message')}", file=sys.stderr)
            sys.exit(1)
        if b.get("run_type") == "aggregate":
            continue  # use the individual repetitions and keep the fastest
        name = b.get("run_name", b["name"])
        unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        ns = b["cpu_time"] * unit
        rows[name] = min(ns, rows.get(name, ns))
pairs = []
for name, ns in rows.items():
    if name.endswith("/ainet"):
        base = name[: -len("/ainet")]
        if base + "/evp" in rows:
            pairs.append((base, ns, rows[base + "/evp"]))
def order(pair):
    # op/alg/size: group by algorithm, then operation, then numeric size.
    parts = pair[0].split("/")
    size = int(parts[-1]) if parts[-1].isdigit() else 0
    return (parts[1:-1], parts[0], size)
pairs.sort(key=order)
if not pairs:
    print("no ainet/evp benchmark pairs found")
    sys.exit(0)
w = max(len(p[0]) for p in pairs)
print(f"{'benchmark':<{w}}  {'ainet ns':>10}  {'evp ns':>10}  {'ratio':>6}   (CPU ns/packet, min of repetitions)")
worse = []
for base, ours, bare in pairs:
    ratio = ours / bare
    flag = ""
    if base.endswith("/1400") and ratio > TARGET:
        flag = f"  > {TARGET} target"
        worse.append(base)
    print(f"{base:<{w}}  {ours:>10.0f}  {bare:>10.0f}  {ratio:>6.2f}{flag}")
at1400 = [p for p in pairs if p[0].endswith("/1400")]
if at1400:
    print(f"\n1400-byte pairs: {len(at1400)}, within the {TARGET} target: {len(at1400) - len(worse)}"
          + (f"; over: {', '.join(worse)}" if worse else ""))
EOF
