"""One small recipe for each way docs/recipes.md shows of composing a model: inputs wired
one, as a list and by name; each source of a weight slot; and each way of using a
network. Every command runs on each (tests/compose/test_forms.py, tests/tui/test_forms.py).

Each recipe reads spiral points `x (2,)` with one-hot arms `y (2,)`, so that `compose plot`
draws its pictures over the plane too, and trains for a few steps only.
"""

from __future__ import annotations

from pathlib import Path

HEAD = """\
name: {name}
about: the form '{name}' of docs/recipes.md
"""

TAIL = """\
  probs: {block: softmax, in: logits}
  loss: {block: cross_entropy, in: {pred: probs, target: y}}
outputs: [probs]
loss: loss
train:
  data: {dataset: spiral, n: 64, val: 0.25}
  batch: 16
  steps: 5
  log_every: 1
  optimizer: {adam: {learning_rate: 1e-2}}
"""

GEN = """\
networks:
  weight_gen:
    params: {size: 32}
    inputs: {z: [2]}
    nodes:
      h: {block: linear, in: z, out: 8}
      a: {block: tanh, in: h}
      w: {block: linear, in: a, out: $size}
    outputs: [w]
"""

RESIDUAL = """\
networks:
  residual:
    params: {width: 8}
    inputs: {h: [$width]}
    nodes:
      a: {block: linear, in: h, out: $width}
      b: {block: tanh, in: a}
      s: {block: add, in: [h, b]}
    outputs: [s]
"""

INPUTS = "inputs: {x: [2], y: [2]}\nnodes:\n"

# name -> the nodes before `probs` and `loss` (the networks they use: NETWORKS)
FORMS = {
    # `in: x`, `in: [a, b]` and `in: {pred: p, target: y}`; every weight absent (learned)
    "wiring": """\
  h1: {block: linear, in: x, out: 8}
  a1: {block: tanh, in: h1}
  both: {block: concat, in: [h1, a1]}
  logits: {block: linear, in: both, out: 2}
""",
    # `{init: NAME, ...}`: learned, with that initialiser
    "init": """\
  h1: {block: linear, in: x, out: 8, weight: {init: normal, stddev: 0.5}, bias: {init: ones}}
  a1: {block: tanh, in: h1}
  logits: {block: linear, in: a1, out: 2}
""",
    # `other`: the output of a node, per example, reshaped
    "node_weight": """\
  h1: {block: linear, in: x, out: 8}
  a1: {block: tanh, in: h1}
  gen: {block: linear, in: x, out: 16}
  logits: {block: linear, in: a1, out: 2, weight: gen}
""",
    # `other.weight`: tied to another node's weight
    "tied": """\
  x1: {block: split, in: x, parts: 2, index: 0}
  x2: {block: split, in: x, parts: 2, index: 1}
  enc_a: {block: linear, in: x1, out: 8}
  enc_b: {block: linear, in: x2, out: 8, weight: enc_a.weight, bias: enc_a.bias}
  both: {block: concat, in: [enc_a, enc_b]}
  a1: {block: tanh, in: both}
  logits: {block: linear, in: a1, out: 2}
""",
    # `{network: N, in: ...}`: a network instance made for the slot (a hypernetwork)
    "weight_network": """\
  h1: {block: linear, in: x, out: 16}
  a1: {block: tanh, in: h1}
  logits: {block: linear, in: a1, out: 2, weight: {network: weight_gen, in: x}}
""",
    # the same, with the network written inline in the slot
    "weight_inline_network": """\
  h1: {block: linear, in: x, out: 4}
  a1: {block: tanh, in: h1}
  logits:
    block: linear
    in: a1
    out: 2
    weight:
      network: {inputs: {t: [2]}, nodes: {w: {block: linear, in: t, out: 8}}, outputs: [w]}
      in: x
""",
    # a network under `networks:`, used as a node, with a parameter set
    "network": """\
  h1: {block: linear, in: x, out: 4}
  body: {network: residual, in: h1, width: 4}
  logits: {block: linear, in: body, out: 2}
""",
    # `repeat: N`: copies in sequence, stacked weights
    "repeat": """\
  h1: {block: linear, in: x, out: 8}
  body: {network: residual, in: h1, repeat: 3}
  logits: {block: linear, in: body, out: 2}
""",
    # a network in another recipe file, relative to this one
    "network_file": """\
  h1: {block: linear, in: x, out: 8}
  enc: {network: parts/encoder.yaml, in: h1}
  logits: {block: linear, in: enc, out: 2}
""",
    # a network written inline in the node
    "inline_network": """\
  h1: {block: linear, in: x, out: 8}
  enc:
    network:
      inputs: {h: [8]}
      nodes: {a: {block: linear, in: h, out: 8}, b: {block: tanh, in: a}}
      outputs: [b]
    in: h1
  logits: {block: linear, in: enc, out: 2}
""",
    # `weight: gen`: a weight from a network instance's output
    "network_weight": """\
  h1: {block: linear, in: x, out: 16}
  a1: {block: tanh, in: h1}
  gen: {network: weight_gen, in: {z: x}}
  logits: {block: linear, in: a1, out: 2, weight: gen}
""",
}

NETWORKS = {"weight_network": GEN, "network_weight": GEN, "network": RESIDUAL, "repeat": RESIDUAL}

ENCODER = """\
inputs: {h: [8]}
nodes:
  a: {block: linear, in: h, out: 8}
  b: {block: tanh, in: a}
outputs: [b]
"""


def write_form(name: str, folder: Path) -> Path:
    """The recipe of form `name` written into `folder` (with the files it names)."""
    networks, nodes = NETWORKS.get(name, ""), FORMS[name]
    (folder / "parts").mkdir(exist_ok=True)
    (folder / "parts" / "encoder.yaml").write_text(ENCODER)
    path = folder / f"{name}.yaml"
    path.write_text(HEAD.format(name=name) + networks + INPUTS + nodes + TAIL)
    return path
