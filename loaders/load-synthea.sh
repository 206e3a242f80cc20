#!/usr/bin/env bash
# Generate a reproducible Synthea population (loaders/synthea.sh) and import it into CareGraph.
# Usage: loaders/load-synthea.sh [-p N] [-s SEED] [--ndjson] [--synthea-defaults] [-- caregraph import options]
# e.g.   loaders/load-synthea.sh -p 100 -- --data-dir /var/lib/caregraph
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gen=()
while [[ $# -gt 0 && "$1" != "--" ]]; do gen+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
out="$("$here/synthea.sh" "${gen[@]}" | tail -n1)"
exec "$here/../caregraph" import "$out/fhir" "$@"
