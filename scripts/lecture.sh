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
    keep $RUNS/1/hidden-plots boundary units-bend 01-hidden
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

if claim 7 "conditional execution: hard and soft gates"; then
    compose inspect $R/07_hard_gate.yaml --values a --example 0
    compose inspect $R/07_hard_gate.yaml --values b --example 0
    compose run $R/07_hard_gate.yaml --vary seed=0:8 --out $RUNS/7/hard --quiet
    compose run $R/07_soft_gate.yaml --vary seed=0:8 --out $RUNS/7/soft --quiet
    compose compare $RUNS/7/hard $RUNS/7/soft --solved 'val_accuracy>=0.99' \
        --out $IMAGES/07-gates.png
    for gate in hard soft; do
        compose plot $RUNS/7/$gate/variants/seed=0 --out $RUNS/7/$gate-plots
        keep $RUNS/7/$gate-plots boundary 07-$gate
    done
fi

if claim 8 "multiplicative interactions"; then
    for model in multiplicative mlp; do
        compose check $R/08_$model.yaml | grep 'total parameters'
        compose run $R/08_$model.yaml --out $RUNS/8/$model --quiet
        for ring in 1_2 2_3; do
            compose evaluate $RUNS/8/$model --data $R/data/08_products_$ring.npz
        done
        compose plot $RUNS/8/$model --out $RUNS/8/$model-plots --range=-3:3
        keep $RUNS/8/$model-plots prediction 08-$model
    done
fi

if claim 9 "regularisation"; then
    compose run $R/09_regularise.yaml --vary early_stop.patience=null,20 \
        --vary nodes.jitter.stddev=0,0.3 --vary nodes.drop1.rate,nodes.drop2.rate=0,0.5 \
        --vary penalty.l2=0,0.003 --out $RUNS/9/group --quiet
    compose plot "$RUNS/9/group/patience=null" --out $RUNS/9/plots-all-steps
    keep $RUNS/9/plots-all-steps curves 09-all-steps
    compose plot "$RUNS/9/group/patience=20" --out $RUNS/9/plots-early-stop
    keep $RUNS/9/plots-early-stop curves 09-early-stop
fi

if claim 10 "the debugging checklist"; then
    compose run $R/10_zero_init.yaml --out $RUNS/10/zero_init-full --quiet
    for name in checklist zero_init squashed_logits; do
        compose run $R/10_$name.yaml --overfit 8 --out $RUNS/10/$name --quiet
    done
    compose compare $RUNS/10/checklist $RUNS/10/zero_init $RUNS/10/squashed_logits \
        --metric loss --out $IMAGES/10-overfit.png
fi

if claim 11 "sparse outputs"; then
    compose run $R/11_sparse_outputs.yaml --vary nodes.probs.block=softmax,sparsemax \
        --out $RUNS/11/group --quiet
    for block in softmax sparsemax; do
        compose inspect "$RUNS/11/group/probs.block=$block" --values probs --example 0
        compose plot "$RUNS/11/group/probs.block=$block" --out $RUNS/11/plots-$block
        keep $RUNS/11/plots-$block prediction 11-$block
    done
fi

if claim 12 "a weight that is another network"; then
    for name in shared hypernetwork; do
        compose run $R/12_$name.yaml --vary seed=0:4 --out $RUNS/12/$name --quiet
    done
    compose compare $RUNS/12/shared $RUNS/12/hypernetwork --metric val_loss \
        --out $IMAGES/12-tasks.png
fi

if claim 3 "depth: linear regions"; then
    compose regions $R/03_sawtooth.yaml --segment 0:1 --set params.depth=4 --out $RUNS/3/sawtooth
    keep $RUNS/3/sawtooth regions-segment 03-sawtooth-depth-4
    compose regions $R/03_one_layer.yaml --segment=-2,-2:2,2 --grid=-2:2 --set params.width=8 \
        --out $RUNS/3/one-layer
    keep $RUNS/3/one-layer regions-grid 03-one-layer-8
    count() {  # count RECIPE ARGS...: the regions along the segment (and over the grid)
        compose regions "$@" --json 2>/dev/null | "${PYTHON:-python}" -c 'import json, sys
found = json.load(sys.stdin)
print(found["segment"]["regions"], found["grid"]["regions"] if found["grid"] else "")'
    }
    echo "units  sawtooth (depth units/2) on [0, 1]  one layer: on a line, over [-2, 2]^2  bound"
    for units in 2 4 6 8 12 16 24; do
        saw=$(count $R/03_sawtooth.yaml --segment 0:1 --set params.depth=$((units / 2)) \
            --out $RUNS/3/counted)
        one=$(count $R/03_one_layer.yaml --segment=-2,-2:2,2 --grid=-2:2 \
            --set params.width=$units --out $RUNS/3/counted)
        printf '%5d  %33d  %12s %20s  %5d\n' $units $saw ${one% *} ${one#* } \
            $((1 + units + units * (units - 1) / 2))
    done
fi

if claim 5 "saturated sigmoids and dead ReLUs"; then
    for stddev in 0.5 5 50; do
        echo "--- params.stddev=$stddev"
        compose inspect $R/05_saturation.yaml --set params.stddev=$stddev | grep -E '^(node|h1|s1|weight|h1.weight) '
    done
    compose run $R/05_saturation.yaml --vary nodes.h1.weight.stddev=0.5,5,50 \
        --out $RUNS/5/saturation --quiet
    compose plot $RUNS/5/saturation --out $RUNS/5/saturation-plots
    keep $RUNS/5/saturation-plots curves 05-saturation
    compose inspect $R/05_dead_relu.yaml --set nodes.hidden.bias.value=-3
    compose run $R/05_dead_relu.yaml --vary nodes.hidden.bias.value=0,-1,-3 --out $RUNS/5/dead \
        --quiet
    compose plot $RUNS/5/dead --out $RUNS/5/dead-plots
    keep $RUNS/5/dead-plots curves 05-dead
fi

if claim 6 "max's gradient"; then
    for example in 0 1 2 3; do
        compose inspect $R/06_max.yaml --values h --example $example
    done
    compose regions $R/06_max.yaml --grid=-0.5:1.5 --out $RUNS/6/regions
    keep $RUNS/6/regions regions-grid 06-max
fi

if claim 4 "stable combinations"; then
    for name in softmax_cross_entropy sigmoid_cross_entropy log_softmax; do
        status=0
        compose run $R/04_$name.yaml --set train.rewrite=false --out $RUNS/4/$name-as-written \
            --quiet || status=$?
        echo "exit status $status (1: the run failed, as the claim says)"
        compose run $R/04_$name.yaml --out $RUNS/4/$name-rewritten --quiet
    done
    compose plot $RUNS/4/softmax_cross_entropy-as-written --out $RUNS/4/as-written-plots
    keep $RUNS/4/as-written-plots curves 04-as-written
    compose plot $RUNS/4/softmax_cross_entropy-rewritten --out $RUNS/4/rewritten-plots
    keep $RUNS/4/rewritten-plots curves 04-rewritten
fi
