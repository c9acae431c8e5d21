#!/usr/bin/env bash
# Regenerates every table and picture of docs/lecture.md from scratch: full runs into
# runs/lecture/, pictures into docs/images/lecture/. With arguments, only those claims'
# sections run (scripts/lecture.sh 3 4). Run from anywhere; it works in the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=runs/lecture
IMAGES=docs/images/lecture
R=recipes/lecture
mkdir -p "$RUNS" "$IMAGES"

ASKED=("$@")
claim() {  # claim N TITLE: announce claim N's section; false when it is not asked for
    local n=$1
    shift
    if [ ${#ASKED[@]} -gt 0 ] && [[ ! " ${ASKED[*]} " =~ " $n " ]]; then
        return 1
    fi
    echo
    echo "=== claim $n: $*"
    rm -rf "${RUNS:?}/$n"
    mkdir -p "$RUNS/$n"
}
compose() { "${COMPOSE:-compose}" "$@"; }  # COMPOSE=/path/to/compose to use another
