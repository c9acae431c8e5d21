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
compose() { command "${COMPOSE:-compose}" "$@"; }  # COMPOSE=/path/to/compose: another one
keep() {  # keep FOLDER NAME... PREFIX: copy pictures compose plot drew into the doc's folder
    local from=$1 prefix=${*: -1}
    for name in "${@:2:$#-2}"; do cp "$from/$name.png" "$IMAGES/$prefix-$name.png"; done
}

if claim 1 "XOR: a line cannot, one hidden layer can"; then
    compose run $R/01_xor_linear.yaml --vary seed=0:20 --out $RUNS/1/linear --quiet
    compose compare $RUNS/1/linear --metric accuracy --out $RUNS/1/linear.png
    compose plot $RUNS/1/linear/variants/seed=0 --out $RUNS/1/linear-plots
    keep $RUNS/1/linear-plots boundary 01-linear
    compose run $R/01_xor_hidden.yaml --out $RUNS/1/hidden --quiet
    compose plot $RUNS/1/hidden --out $RUNS/1/hidden-plots
    keep $RUNS/1/hidden-plots boundary units-hidden units-bend 01-hidden
    compose run $R/01_xor_hidden.yaml --vary nodes.hidden.out=1,2,3,4,8 --vary seed=0:20 \
        --out $RUNS/1/widths --quiet
    compose compare $RUNS/1/widths --solved 'accuracy>=1' --out $IMAGES/01-widths.png
fi

if claim 2 "universal approximation"; then
    compose run $R/02_approximation.yaml --vary nodes.hidden.out=1,2,4,8,16,32 --vary seed=0:3 \
        --out $RUNS/2/widths --quiet
    compose compare $RUNS/2/widths --metric loss --out $IMAGES/02-widths.png
    for width in 2 4 32; do
        compose plot "$RUNS/2/widths/hidden.out=$width/variants/seed=0" --out $RUNS/2/plots-$width
        keep $RUNS/2/plots-$width prediction 02-width-$width
    done
    keep $RUNS/2/plots-4 units-bend 02-width-4
fi
