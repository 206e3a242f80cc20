#!/usr/bin/env bash
# Measures what issue #18 point 2 asks: time from starting the server (`caregraph serve`, i.e. `java -jar`) to ready
# (the readiness probe answers UP: HTTP answering, embedded Neo4j up, schema applied), and the resident memory (VmRSS
# from /proc) once the demo population is imported and the server has been idle for a while.
#
# Usage: ops/measure-start.sh [-p PATIENTS] [--idle SECONDS] [--runs N] [--keep DIR]
#   -p PATIENTS     demo population to import (loaders/synthea.sh -p PATIENTS -s 42; default 20, as serve --demo)
#   --idle SECONDS  how long the server stays idle after the import before RSS is read (default 60)
#   --runs N        start the server N times on the same data directory (run 1 creates it and imports; default 3)
# Environment: CAREGRAPH_JAVA_OPTS as for the launcher. Prints one line per run and a JSON summary on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
patients=20; idle=60; runs=3; keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    -p) patients="$2"; shift 2 ;;
    --idle) idle="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
work="${keep:-$(mktemp -d)}"
mkdir -p "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export CAREGRAPH_DEMO_PATIENTS="$patients" # `serve --demo` imports loaders/synthea.sh -p PATIENTS -s 42 (cached)
server=""
stop() { if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi; server=""; }
trap 'stop; [ -n "$keep" ] || rm -rf "$work"' EXIT
rss_mb() { awk '/^VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status"; }
now_ms() { date +%s%3N; }

# the launcher extracts the jar and records the AOT cache at the first serve of a build: done here, untimed
"$here/caregraph" prepare
summary=()
for run in $(seq 1 "$runs"); do
  extra=()
  [ "$run" = 1 ] && extra=(--demo)
  log="$work/serve-$run.log"
  t0=$(now_ms)
  "$here/caregraph" serve --port "$port" --bolt-port 0 --data-dir "$work/data" "${extra[@]}" > "$log" 2>&1 &
  server=$!
  ready=""
  for _ in $(seq 1 1200); do
    if curl -fs -o /dev/null "http://127.0.0.1:$port/actuator/health/readiness"; then ready=$(( $(now_ms) - t0 )); break; fi
    kill -0 "$server" 2>/dev/null || { tail -40 "$log" >&2; echo "measure-start: the server exited" >&2; exit 1; }
    sleep 0.05
  done
  [ -n "$ready" ] || { echo "measure-start: not ready after 60 s" >&2; exit 1; }
  rss_ready=$(rss_mb "$server")
  if [ "$run" = 1 ]; then
    token="$(sed -n 's/^Demo access token[^:]*: //p' "$log" | head -1)"
    job="$(sed -n 's/.*as job \([0-9a-f-]*\).*/\1/p' "$log" | head -1)"
    status=""
    for _ in $(seq 1 1800); do
      # serve prints the job a moment after it is ready
      [ -n "$job" ] || { job="$(sed -n 's/.*as job \([0-9a-f-]*\).*/\1/p' "$log" | head -1)"; [ -n "$job" ] || { sleep 1; continue; }; }
      # the demo token lives 5 minutes: a fresh one for each poll, as a backend client gets it (README, caregraph token)
      token="$("$here/caregraph" token --server "http://127.0.0.1:$port" --client-id caregraph-demo \
        --key "$work/data/security/demo-client.jwk" --scope 'system/caregraph.import' 2>/dev/null || echo "$token")"
      status="$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$port/import/$job" || true)"
      case "$status" in *'"status":"COMPLETED'*|*'"status":"FAILED"'*) break ;; esac
      sleep 1
    done
    case "$status" in *'"status":"COMPLETED'*) ;; *) echo "measure-start: demo import did not complete: $status" >&2; exit 1 ;; esac
    imported=$(( $(now_ms) - t0 ))
    rss_import=$(rss_mb "$server")
    sleep "$idle"
    rss_idle=$(rss_mb "$server")
    line="run 1 (new store, demo import of $patients patients): ready in $ready ms (RSS $rss_ready MB); import done at $imported ms (RSS $rss_import MB); after ${idle} s idle: RSS $rss_idle MB"
    summary+=("{\"run\":1,\"readyMs\":$ready,\"rssReadyMb\":$rss_ready,\"importDoneMs\":$imported,\"rssAfterImportMb\":$rss_import,\"rssIdleMb\":$rss_idle}")
  else
    sleep "$idle"
    rss_idle=$(rss_mb "$server")
    line="run $run (the imported store): ready in $ready ms (RSS $rss_ready MB); after ${idle} s idle: RSS $rss_idle MB"
    summary+=("{\"run\":$run,\"readyMs\":$ready,\"rssReadyMb\":$rss_ready,\"rssIdleMb\":$rss_idle}")
  fi
  spring="$(grep -o 'Started [A-Za-z]* in [0-9.]* seconds (process running for [0-9.]*)' "$log" | head -1 || true)"
  echo "$line; Spring: ${spring:-?}" >&2
  stop
done
echo "{\"cores\":$(nproc),\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"javaOpts\":\"${CAREGRAPH_JAVA_OPTS:-}\",\"aot\":\"${CAREGRAPH_AOT:-1}\",\"runs\":[$(IFS=,; echo "${summary[*]}")]}"
