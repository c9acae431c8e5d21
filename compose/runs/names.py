"""The name of every file and folder in a run folder, said once.

recipe.yaml           the resolved recipe: it loads and builds wherever the folder goes
summary.json          where the run stands, rewritten before each metrics line is added
metrics.jsonl         one JSON record per log point
norms.jsonl           per-node gradient and weight norms (compose.runs.norms_log)
model.eqx             the weights the summary speaks of
transforms.json       what training did to the data: CSV columns, classes, standardisation
checkpoint.ckpt       everything needed to resume (compose.runs.checkpoint), and the one
checkpoint.prev.ckpt  before it, kept while the next is written
data.npz              the arrays a run was given from Python, and val.npz, test.npz
variants/             a population's variants, each a run folder of its own
group.json            a group's index: its members, each a run or population folder beside
                      it (compose.runs.group_folder)
plots/                what `compose plot` draws, by default
model.stablehlo       what `compose export` writes, by default, each beside its signature
model.onnx            (model.stablehlo.json, model.onnx.json): compose.export
"""

RECIPE = "recipe.yaml"
SUMMARY = "summary.json"
METRICS = "metrics.jsonl"
NORMS = "norms.jsonl"
WEIGHTS = "model.eqx"
TRANSFORMS = "transforms.json"
CHECKPOINT = "checkpoint.ckpt"
PREVIOUS_CHECKPOINT = "checkpoint.prev.ckpt"
DATA_FILES = {"train": "data.npz", "val": "val.npz", "test": "test.npz"}  # by part
VARIANTS = "variants"
GROUP = "group.json"
PLOTS = "plots"
EXPORTS = {"stablehlo": "model.stablehlo", "onnx": "model.onnx"}  # by format
