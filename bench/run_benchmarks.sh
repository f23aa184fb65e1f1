#!/usr/bin/env bash
# One performance report, every number measured in the same run so the ratios
# between Comity, the targets and the baselines share the machine's conditions.
#
#   bench/run_benchmarks.sh [options]
#
#   --build DIR          build directory with comity and comity_bench (default: build;
#                        configured as Release and built when the binaries are missing)
#   --model FILE         model to measure (default: $COMITY_MODEL, else models/comity-en-1.cmodel)
#   --data DIR           shared data (default: ../shared/data)
#   --out DIR            report and raw files (default: build/bench)
#   --quick              shorter runs: fewer repetitions, 5 s wrk runs, TOXICITY-only TF-IDF
#   --baselines-from DIR reuse tfidf.json / fasttext.json from DIR instead of retraining
#   --skip-baselines     no baselines (the report says so)
#   --skip-server        no wrk load test
#   --no-callgrind       skip the callgrind profile of 2,000 comments (perf runs when usable)
#
# Writes OUT/report.md (Markdown tables) and OUT/raw/* (benchmark JSON, hyperfine JSON,
# /usr/bin/time -v output, wrk output, baseline JSON, callgrind summary). The server is
# bound to 127.0.0.1 only and is always stopped before the script exits.
set -euo pipefail

ORIGINAL_ARGS="$*"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
MODEL=${COMITY_MODEL:-$ROOT/models/comity-en-1.cmodel}
DATA=$ROOT/../shared/data
OUT=$ROOT/build/bench
QUICK=0
BASELINES_FROM=""
SKIP_BASELINES=0
SKIP_SERVER=0
CALLGRIND=1
PY=/usr/bin/python3 # Debian's: has numpy/scipy/scikit-learn

while [[ $# -gt 0 ]]; do
  case $1 in
    --build) BUILD=$(realpath "$2"); shift 2 ;;
    --model) MODEL=$(realpath "$2"); shift 2 ;;
    --data) DATA=$(realpath "$2"); shift 2 ;;
    --out) OUT=$(realpath -m "$2"); shift 2 ;;
    --quick) QUICK=1; shift ;;
    --baselines-from) BASELINES_FROM=$(realpath "$2"); shift 2 ;;
    --skip-baselines) SKIP_BASELINES=1; shift ;;
    --skip-server) SKIP_SERVER=1; shift ;;
    --no-callgrind) CALLGRIND=0; shift ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run_benchmarks: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

RAW=$OUT/raw
mkdir -p "$RAW"
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
need() { command -v "$1" >/dev/null || { echo "run_benchmarks: $1 not found (scripts/install-deps.sh)" >&2; exit 2; }; }
need hyperfine
need /usr/bin/time
[[ $SKIP_SERVER == 1 ]] || { need wrk; need curl; }

if [[ $QUICK == 1 ]]; then
  RUNS=3; WRK_SECONDS=5; BENCH_REPS=1; TFIDF_ARGS=(--attributes TOXICITY --no-tune)
else
  RUNS=5; WRK_SECONDS=10; BENCH_REPS=3; TFIDF_ARGS=(--attributes TOXICITY --no-tune)
fi
WRK_THREADS=2
WRK_CONNECTIONS=(4 16 64)

# --- build ------------------------------------------------------------------
if [[ ! -x $BUILD/comity || ! -x $BUILD/bench/comity_bench ]]; then
  log "building comity and comity_bench (Release) in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCOMITY_BENCH=ON >/dev/null
  cmake --build "$BUILD" --target comity comity_bench -j"$(nproc)" >/dev/null
fi
COMITY=$BUILD/comity
BENCH=$BUILD/bench/comity_bench
[[ -f $MODEL ]] || { echo "run_benchmarks: no model at $MODEL (train one, or pass --model)" >&2; exit 2; }
# A private copy: the model file in the tree may be retrained while this runs.
cp "$MODEL" "$OUT/model-under-test.cmodel"
MODEL_SOURCE=$MODEL
MODEL=$OUT/model-under-test.cmodel
export COMITY_MODEL=$MODEL

# --- inputs -----------------------------------------------------------------
CORPUS=$OUT/corpus.jsonl
if [[ ! -s $CORPUS ]]; then
  log "building the fixed corpus"
  "$PY" "$ROOT/bench/make_corpus.py" --data "$DATA" --out "$CORPUS"
fi
CORPUS_2K=$OUT/corpus-2k.jsonl
head -n 2000 "$CORPUS" >"$CORPUS_2K"
# The baselines' serving cost is measured on the TOXICITY test texts; Comity is timed on
# the very same texts too, so that throughput ratio compares like with like.
BASELINE_TEXTS=$OUT/toxicity-test.jsonl
if [[ $SKIP_BASELINES == 0 && ! -s $BASELINE_TEXTS ]]; then
  "$PY" - "$ROOT/bench/baselines" "$DATA" "$BASELINE_TEXTS" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[1])
import common
data = common.load_perspective(sys.argv[2])
with open(sys.argv[3], "w", encoding="utf-8") as f:
    for i, row in enumerate(data.examples("TOXICITY", "test")):
        f.write(json.dumps({"id": i, "text": row.text}, ensure_ascii=False) + "\n")
EOF
fi

# --- machine ----------------------------------------------------------------
{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores=$(nproc)"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "model=$MODEL_SOURCE"
  echo "model_bytes=$(stat -c %s "$MODEL")"
  echo "compiler=$(grep -m1 CMAKE_CXX_COMPILER: "$BUILD/CMakeCache.txt" | cut -d= -f2) $(grep -m1 CMAKE_BUILD_TYPE: "$BUILD/CMakeCache.txt" | cut -d= -f2)"
} >"$RAW/machine.txt"
log "machine: $(tr '\n' ' ' <"$RAW/machine.txt")"

# --- (a) micro-benchmarks ---------------------------------------------------
log "comity_bench"
"$BENCH" --benchmark_out="$RAW/comity_bench.json" --benchmark_out_format=json \
  --benchmark_repetitions="$BENCH_REPS" --benchmark_report_aggregates_only="$([[ $BENCH_REPS -gt 1 ]] && echo true || echo false)" \
  --benchmark_min_time=0.5 >"$RAW/comity_bench.txt" 2>&1

# --- (b) end to end: comity score over the fixed corpus -------------------------
log "comity score over $(wc -l <"$CORPUS") comments, -j1 and -j2"
hyperfine --warmup 1 --runs "$RUNS" --export-json "$RAW/score_corpus.json" \
  -n j1 "$COMITY score -m $MODEL -j1 -o /dev/null $CORPUS" \
  -n j2 "$COMITY score -m $MODEL -j2 -o /dev/null $CORPUS" >"$RAW/score_corpus.txt" 2>&1
/usr/bin/time -v "$COMITY" score -m "$MODEL" -j2 -o /dev/null "$CORPUS" 2>"$RAW/time_score_j2.txt"
/usr/bin/time -v "$COMITY" score -m "$MODEL" -j1 -o /dev/null "$CORPUS" 2>"$RAW/time_score_j1.txt"
log "model load (comity model)"
hyperfine --warmup 3 --runs $((RUNS * 4)) -N --export-json "$RAW/model_load.json" \
  -n "comity model" "$COMITY model $MODEL" \
  -n "comity --version" "$COMITY --version" >"$RAW/model_load.txt" 2>&1
/usr/bin/time -v "$COMITY" model "$MODEL" >/dev/null 2>"$RAW/time_model.txt"

# --- (c) baselines ------------------------------------------------------------
if [[ $SKIP_BASELINES == 0 ]]; then
  if [[ -n $BASELINES_FROM ]]; then
    log "baselines: reusing $BASELINES_FROM"
    cp "$BASELINES_FROM/tfidf.json" "$BASELINES_FROM/fasttext.json" "$RAW/"
  else
    log "TF-IDF baseline (${TFIDF_ARGS[*]}; minutes)"
    "$PY" "$ROOT/bench/baselines/tfidf_logreg.py" --data "$DATA" --threads 1 "${TFIDF_ARGS[@]}" \
      --out "$RAW/tfidf.json" >/dev/null 2>"$RAW/tfidf.log"
    log "fastText baseline (minutes)"
    "$PY" "$ROOT/bench/baselines/fasttext_baseline.py" --data "$DATA" --out "$RAW/fasttext.json" \
      >/dev/null 2>"$RAW/fasttext.log"
  fi
  log "comity score over the baselines' TOXICITY test texts"
  hyperfine --warmup 1 --runs "$RUNS" --export-json "$RAW/score_baseline_texts.json" \
    -n j1 "$COMITY score -m $MODEL -j1 -o /dev/null $BASELINE_TEXTS" >"$RAW/score_baseline_texts.txt" 2>&1
  /usr/bin/time -v "$COMITY" score -m "$MODEL" -j1 -o /dev/null "$BASELINE_TEXTS" 2>"$RAW/time_score_baseline_texts.txt"
  log "comity eval (quality on the same held-out texts)"
  "$COMITY" eval -m "$MODEL" -d "$DATA" --suite perspective-heldout --suite rtp-heldout \
    -o "$RAW/comity_eval.json" >/dev/null 2>"$RAW/comity_eval.log" || log "comity eval failed (see raw/comity_eval.log)"
fi

# --- (d) HTTP server under wrk ---------------------------------------------------
SERVER_PID=""
stop_server() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT

if [[ $SKIP_SERVER == 0 ]]; then
  PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  SERVE_DIR=$(mktemp -d /tmp/comity-bench-serve.XXXXXX)
  log "comity serve --no-auth on 127.0.0.1:$PORT (2 threads)"
  # The access log (one JSON line per request) is part of the serving cost; it is discarded.
  "$COMITY" serve --no-auth --host 127.0.0.1 --port "$PORT" --threads 2 --model "$MODEL" \
    --data-dir "$SERVE_DIR" >/dev/null 2>"$RAW/serve.log" &
  SERVER_PID=$!
  URL=http://127.0.0.1:$PORT
  for _ in $(seq 100); do
    curl -fsS "$URL/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "run_benchmarks: server exited (raw/serve.log)" >&2; exit 1; }
    sleep 0.1
  done
  curl -fsS "$URL/v1alpha1/comments:analyze" -H 'Content-Type: application/json' \
    -d '{"comment":{"text":"Thanks for writing this, you idiot."},"requestedAttributes":{"TOXICITY":{},"INSULT":{}}}' \
    >"$RAW/analyze_sample.json"
  for attrs in toxicity all; do
    for c in "${WRK_CONNECTIONS[@]}"; do
      log "wrk $attrs -c$c -t$WRK_THREADS -d${WRK_SECONDS}s"
      wrk -t"$WRK_THREADS" -c"$c" -d"${WRK_SECONDS}s" --timeout 5s --latency \
        -s "$ROOT/bench/wrk/analyze.lua" "$URL" -- "$attrs" >"$RAW/wrk_${attrs}_c$c.txt" 2>&1
    done
  done
  grep -E 'VmHWM|VmRSS' "/proc/$SERVER_PID/status" >"$RAW/serve_memory.txt" || true
  stop_server

  # What-if, clearly separated in the report: the same server with TCP_NODELAY forced on
  # accepted sockets (LD_PRELOAD shim), with 2 worker threads and with one per connection
  # (cpp-httplib holds a worker thread for each keep-alive connection).
  if command -v cc >/dev/null && cc -O2 -shared -fPIC -o "$OUT/nodelay_shim.so" \
    "$ROOT/bench/wrk/nodelay_shim.c" -ldl 2>"$RAW/nodelay_shim_build.log"; then
    for server_threads in 2 64; do
      log "what-if: TCP_NODELAY shim, comity serve --threads $server_threads"
      LD_PRELOAD=$OUT/nodelay_shim.so "$COMITY" serve --no-auth --host 127.0.0.1 --port "$PORT" \
        --threads "$server_threads" --model "$MODEL" --data-dir "$SERVE_DIR" >/dev/null 2>>"$RAW/serve.log" &
      SERVER_PID=$!
      for _ in $(seq 100); do curl -fsS "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
      for c in "${WRK_CONNECTIONS[@]}"; do
        wrk -t"$WRK_THREADS" -c"$c" -d"${WRK_SECONDS}s" --timeout 5s --latency \
          -s "$ROOT/bench/wrk/analyze.lua" "$URL" -- all >"$RAW/whatif_nodelay_t${server_threads}_all_c$c.txt" 2>&1
      done
      grep -E 'VmHWM' "/proc/$SERVER_PID/status" >"$RAW/whatif_nodelay_t${server_threads}_memory.txt" || true
      stop_server
    done
  fi
  rm -rf "$SERVE_DIR"
fi

# --- profile --------------------------------------------------------------------
if [[ $CALLGRIND == 1 ]] && command -v valgrind >/dev/null; then
  log "callgrind: comity score -j1 over 2,000 comments"
  valgrind --tool=callgrind --callgrind-out-file="$RAW/callgrind.out" \
    "$COMITY" score -m "$MODEL" -j1 -o /dev/null "$CORPUS_2K" >/dev/null 2>"$RAW/callgrind.log"
  callgrind_annotate --threshold=99 "$RAW/callgrind.out" >"$RAW/callgrind_self.txt" 2>/dev/null || true
  callgrind_annotate --inclusive=yes --threshold=99 "$RAW/callgrind.out" >"$RAW/callgrind_inclusive.txt" 2>/dev/null || true
fi
if command -v perf >/dev/null && perf record -o "$RAW/perf.data" -F 999 -g \
  "$COMITY" score -m "$MODEL" -j1 -o /dev/null "$CORPUS" >/dev/null 2>"$RAW/perf_record.log"; then
  log "perf: comity score -j1 over the corpus"
  perf report -i "$RAW/perf.data" --no-children --stdio --percent-limit 0.8 -g none \
    >"$RAW/perf_self.txt" 2>/dev/null || true
  perf report -i "$RAW/perf.data" --children --stdio --percent-limit 2 -g none \
    >"$RAW/perf_children.txt" 2>/dev/null || true
fi

echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RAW/machine.txt"
"$PY" "$ROOT/bench/make_report.py" --raw "$RAW" --corpus "$CORPUS" --out "$OUT/report.md" \
  --command "bench/run_benchmarks.sh $ORIGINAL_ARGS"
log "report: $OUT/report.md"
