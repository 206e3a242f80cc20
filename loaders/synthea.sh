#!/usr/bin/env bash
# Reproducible Synthea (3.3.0) population generator for CareGraph.
#
# Usage: loaders/synthea.sh [-p N] [-s SEED] [-o OUTDIR] [--ndjson] [--synthea-defaults]
#                           [--force] [-- EXTRA_SYNTHEA_ARGS...]
#
#   -p N                 number of (living) patients to generate      (default 20)
#   -s SEED              population seed, also used as clinician seed (default 42)
#   -o OUTDIR            output directory (default: <repo>/target/synthea/p${N}-s${SEED},
#                        with suffix -ndjson / -full for the modes below)
#   --ndjson             FHIR bulk-data NDJSON (OUTDIR/fhir/<ResourceType>.ndjson)
#                        instead of one transaction bundle per patient (OUTDIR/fhir/*.json)
#   --synthea-defaults   do NOT apply the CareGraph profile below; use Synthea's own defaults
#                        (ages 0-140, 10 years of history, Claim/ExplanationOfBenefit included).
#                        Much bigger output (one 101-year-old patient can be an 85 MB bundle).
#   --force              regenerate even if OUTDIR already holds a completed generation
#   -- ARGS              passed verbatim to Synthea (e.g. -- --exporter.years_of_history=5)
#
# The CareGraph profile (default) is the one that produced shared/data/synthea/seed42-p5:
#   -a 20-50 --exporter.years_of_history=2 --exporter.fhir.excluded_resources=Claim,ExplanationOfBenefit
# so `loaders/synthea.sh -p 5 -s 42` reproduces that data set byte for byte (patient bundles).
#
# Synthea's console log goes to OUTDIR/synthea.log; a one-line progress/summary goes to
# stderr. The LAST line on stdout is the output directory, so callers can do
#   OUT=$(loaders/synthea.sh -p 5 | tail -n1)
#
# Java: Synthea 3.3.0 is compiled for Java 11; it runs (with identical output) on 17 and 25.
# Uses $JAVA_HOME/bin/java if JAVA_HOME is set, else `java` on PATH; override with $JAVA.
# Extra JVM options: $SYNTHEA_JAVA_OPTS (e.g. -Xmx8g).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
RUNNER_POM="$SCRIPT_DIR/synthea/pom.xml"
CP_FILE="$SCRIPT_DIR/synthea/target/classpath.txt"

SYNTHEA_VERSION="3.3.0"
REFERENCE_DATE="20250101"   # -r: ages/birthdates are computed relative to this date
END_DATE="20250101"         # -e: simulation stops here (no wall-clock dependence)
STATE="Massachusetts"
PROFILE_ARGS=(-a 20-50
  --exporter.years_of_history=2
  --exporter.fhir.excluded_resources=Claim,ExplanationOfBenefit)

N=20
SEED=42
OUTDIR=""
NDJSON=false
PROFILE=caregraph
FORCE=false
EXTRA_ARGS=()

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}
die() { echo "synthea.sh: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    -p) [[ $# -ge 2 ]] || die "-p needs a value"; N="$2"; shift 2 ;;
    -s) [[ $# -ge 2 ]] || die "-s needs a value"; SEED="$2"; shift 2 ;;
    -o) [[ $# -ge 2 ]] || die "-o needs a value"; OUTDIR="$2"; shift 2 ;;
    --ndjson) NDJSON=true; shift ;;
    --synthea-defaults) PROFILE=synthea-defaults; shift ;;
    --force) FORCE=true; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; EXTRA_ARGS=("$@"); break ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ "$N" =~ ^[1-9][0-9]*$ ]] || die "-p must be a positive integer (got '$N')"
[[ "$SEED" =~ ^-?[0-9]+$ ]] || die "-s must be an integer (got '$SEED')"

if [[ -z "$OUTDIR" ]]; then
  OUTDIR="$REPO_ROOT/target/synthea/p${N}-s${SEED}"
  [[ "$PROFILE" == synthea-defaults ]] && OUTDIR+="-full"
  [[ "$NDJSON" == true ]] && OUTDIR+="-ndjson"
fi
mkdir -p "$OUTDIR"
OUTDIR="$(cd "$OUTDIR" && pwd)"
MARKER="$OUTDIR/.synthea-complete"
LOG="$OUTDIR/synthea.log"

# ---- Synthea command line (everything that determines the output) -------------------------
SYNTHEA_ARGS=(-s "$SEED" -cs "$SEED" -r "$REFERENCE_DATE" -e "$END_DATE" -p "$N")
[[ "$PROFILE" == caregraph ]] && SYNTHEA_ARGS+=("${PROFILE_ARGS[@]}")
SYNTHEA_ARGS+=(
  --exporter.baseDirectory="$OUTDIR/"
  --exporter.fhir.export=true
  --exporter.fhir.transaction_bundle=true
  --exporter.fhir.bulk_data="$NDJSON"
  --exporter.hospital.fhir.export=true
  --exporter.practitioner.fhir.export=true
  --exporter.fhir_stu3.export=false
  --exporter.fhir_dstu2.export=false
  --exporter.ccda.export=false
  --exporter.csv.export=false
  --exporter.cpcds.export=false
  --exporter.bfd.export=false
  --exporter.text.export=false
  --exporter.json.export=false
  --exporter.groups.fhir.export=false
  --exporter.metadata.export=false
  --exporter.pretty_print=true
)
# Bulk NDJSON: all patients append to shared per-resource-type files, so with several
# generator threads the LINE ORDER depends on thread scheduling. One thread makes it
# byte-reproducible (per-patient bundles are reproducible with any thread count).
[[ "$NDJSON" == true ]] && SYNTHEA_ARGS+=(--generate.thread_pool_size=1)
[[ ${#EXTRA_ARGS[@]} -gt 0 ]] && SYNTHEA_ARGS+=("${EXTRA_ARGS[@]}")
SYNTHEA_ARGS+=("$STATE")

# The marker records the exact parameters; the output dir path is normalised out so a
# generation can be recognised regardless of where OUTDIR lives.
marker_content() {
  echo "synthea=$SYNTHEA_VERSION"
  echo "N=$N"
  echo "SEED=$SEED"
  echo "ndjson=$NDJSON"
  echo "profile=$PROFILE"
  local a
  for a in "${SYNTHEA_ARGS[@]}"; do
    [[ "$a" == --exporter.baseDirectory=* ]] && a="--exporter.baseDirectory=OUTDIR/"
    echo "arg=$a"
  done
}

if [[ "$FORCE" != true && -f "$MARKER" ]] && diff -q <(marker_content) "$MARKER" >/dev/null 2>&1 \
   && compgen -G "$OUTDIR/fhir/*" >/dev/null; then
  echo "synthea: reusing completed generation (N=$N, seed=$SEED) in $OUTDIR" >&2
  echo "$OUTDIR"
  exit 0
fi

# ---- Java + classpath ------------------------------------------------------------------------
if [[ -n "${JAVA:-}" ]]; then :
elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"
else JAVA=java; fi
command -v "$JAVA" >/dev/null || die "no java found (need Java >= 11; set JAVA or JAVA_HOME)"

classpath_ok() {
  [[ -s "$CP_FILE" && "$CP_FILE" -nt "$RUNNER_POM" ]] || return 1
  local IFS=':' jar
  for jar in $(cat "$CP_FILE"); do [[ -f "$jar" ]] || return 1; done
}
if ! classpath_ok; then
  echo "synthea: resolving Synthea $SYNTHEA_VERSION and dependencies with Maven (once)..." >&2
  mkdir -p "$(dirname "$CP_FILE")"
  if ! mvn -B -q -f "$RUNNER_POM" dependency:build-classpath \
         -Dmdep.outputFile="$CP_FILE" >"$(dirname "$CP_FILE")/mvn.log" 2>&1; then
    cat "$(dirname "$CP_FILE")/mvn.log" >&2
    rm -f "$CP_FILE"
    die "maven could not resolve org.mitre.synthea:synthea:$SYNTHEA_VERSION"
  fi
fi
CLASSPATH_VALUE="$(cat "$CP_FILE")"

# ---- generate --------------------------------------------------------------------------------
# Clear only what this script owns, so stale files from an earlier/different run never mix in.
rm -rf "$OUTDIR/fhir" "$MARKER" "$LOG"

JAVA_PID=""
cleanup() { [[ -n "$JAVA_PID" ]] && kill "$JAVA_PID" 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
# Run from OUTDIR so that anything Synthea writes relative to its working dir stays there.
# shellcheck disable=SC2086
(cd "$OUTDIR" && exec "$JAVA" ${SYNTHEA_JAVA_OPTS:-} -cp "$CLASSPATH_VALUE" App "${SYNTHEA_ARGS[@]}") \
  >"$LOG" 2>&1 &
JAVA_PID=$!

count_records() { grep -cE '^[0-9]+ -- ' "$LOG" 2>/dev/null || true; }
progress=false
[[ -t 2 ]] && progress=true
while kill -0 "$JAVA_PID" 2>/dev/null; do
  if $progress; then
    printf '\rsynthea: p=%s seed=%s: %s records simulated, %ss ' \
      "$N" "$SEED" "$(count_records)" "$(( $(date +%s) - start ))" >&2
  fi
  sleep 1
done
rc=0
wait "$JAVA_PID" || rc=$?
JAVA_PID=""
$progress && printf '\r\033[K' >&2
elapsed=$(( $(date +%s) - start ))

if [[ $rc -ne 0 ]] || ! compgen -G "$OUTDIR/fhir/*" >/dev/null; then
  echo "synthea: FAILED (exit $rc) after ${elapsed}s; last lines of $LOG:" >&2
  tail -n 20 "$LOG" >&2
  exit 1
fi

marker_content >"$MARKER"
nfiles=$(find "$OUTDIR/fhir" -maxdepth 1 -type f | wc -l)
size=$(du -sh "$OUTDIR/fhir" | cut -f1)
summary=$(grep -E '^Records: ' "$LOG" | tail -n1 || true)
echo "synthea: p=$N seed=$SEED done in ${elapsed}s: ${summary:-records: ?}; $nfiles files, $size" >&2
echo "$OUTDIR"
