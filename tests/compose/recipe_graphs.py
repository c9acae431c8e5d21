"""Hypothesis strategies for valid recipes, drawn from the block registry.

A graph starts from one or two inputs and adds nodes one at a time, each wired to values
already there. Its middle uses the blocks whose shape rules this module restates itself,
independently of the composer (`RULES`: the elementwise blocks, the softmax family,
layer and batch norm, dropout and noise, add, multiply, where, linear, sum, mean, max,
concat, transpose, flatten, reshape, matmul, split and parameter, and instances of small
networks of them, maybe repeated), so every node's shape is known before the recipe is
checked. A linear's weight is learned, wired to another value of its size (reshaped) or
tied to another linear's weight; its size is sometimes a `$param`. Any other block of the
registry joins as an island: inputs of its own declared `example` shapes and its
`example_hypers`, its output among the recipe's outputs. Hyperparameters a rule does not
choose for the shapes' sake, and initialisers' arguments, are drawn from their
declarations: kind, bounds and choices."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import yaml
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from blocks import BLOCKS, INITIALIZERS, Hyper

SCALE = float(os.environ.get("PROPERTY_SCALE", "1"))  # 10: ten times the examples


def budget(examples: int) -> settings:
    """Settings for one property: `examples` of them (times PROPERTY_SCALE), no deadline
    (compiling is slow on a shared machine), and no example database in the work tree.
    PROPERTY_NO_SHRINK=1 reports the first failure found as it is, at once."""
    phases = tuple(Phase)
    if os.environ.get("PROPERTY_NO_SHRINK"):
        phases = tuple(p for p in phases if p is not Phase.shrink)
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        database=None,
        phases=phases,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


Shape = tuple[int, ...]
FLOAT32_MAX = 3.4e38  # what the composer accepts for a number that becomes float32
MAX_VALUES = 256  # per value: keeps every example small and quick

# Shape unchanged; the float and bool hyperparameters come from their declarations.
SAME_SHAPE = (
    "sigmoid tanh relu leaky_relu relu6 elu celu selu gelu silu mish softplus softsign "
    "log_sigmoid hard_tanh hard_sigmoid exp log scale layer_norm batch_norm dropout noise"
).split()
ALONG_AXIS = ("softmax", "log_softmax", "sparsemax")  # shape unchanged; `axis` must exist
REDUCE = ("sum", "mean", "max")  # `axis` dropped
UNSTABLE = ("exp", "log")  # overflow or NaN on ordinary data: kept out of training examples
RANK_ONE = {"layer_norm", "batch_norm"}  # need an axis to normalise over


@dataclass
class Graph:
    """A recipe's inputs and nodes in YAML order, with the shape each value must have."""

    inputs: dict[str, Shape] = field(default_factory=dict)
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    shapes: dict[str, Shape] = field(default_factory=dict)  # inputs and RULES nodes
    islands: list[str] = field(default_factory=list)  # nodes whose shape is not restated
    used: set[str] = field(default_factory=set)
    weights: dict[str, Shape] = field(default_factory=dict)  # `node.weight` -> its shape
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    params: dict[str, int] = field(default_factory=dict)
    loss: str | None = None
    targets: dict[str, str] = field(default_factory=dict)  # target input -> what it holds
    sparse: bool = False  # sparsemax -> cross_entropy: a true class can get exactly 0

    def values(self, *, rank: int = 0) -> list[str]:
        """Inputs and node outputs whose shape is known, with at least `rank` axes."""
        return [n for n, s in self.shapes.items() if len(s) >= rank]

    def add(self, name: str, node: dict[str, Any], shape: Shape | None) -> str:
        if node.get("block") == "linear" and "weight" not in node and shape:
            self.weights[f"{name}.weight"] = (shape[-1], self.shapes[node["in"]][-1])
        self.nodes[name] = node
        wired = node.get("in", [])
        wired = wired.values() if isinstance(wired, dict) else wired
        for ref in [wired] if isinstance(wired, str) else list(wired):
            self.used.add(ref)
        if shape is None:
            self.islands.append(name)
        else:
            self.shapes[name] = shape
        return name

    def outputs(self) -> list[str]:
        """Every node nothing else reads (so the model runs all of them), in YAML order."""
        ends = [n for n in self.nodes if n not in self.used and n != self.loss]
        return ends or [next(iter(self.nodes))]

    def recipe(self, *, train: dict[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"name": "generated"}
        if self.params:
            out["params"] = self.params
        if self.networks:
            out["networks"] = self.networks
        out["inputs"] = {n: list(s) for n, s in self.inputs.items()}
        out["nodes"] = self.nodes
        out["outputs"] = self.outputs()
        if self.loss:
            out["loss"] = self.loss
        if train:
            out["train"] = train
        return out

    def text(self, *, train: dict[str, Any] | None = None) -> str:
        return dump(self.recipe(train=train))


def dump(tree: Any) -> str:
    """YAML text, one key per line, so problems' lines point at one thing."""
    return yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, width=1000)


# Names ---------------------------------------------------------------------------------

NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)


def fresh(draw, graph: Graph) -> str:
    taken = set(graph.inputs) | set(graph.nodes)
    name, suffix = draw(NAMES), len(taken)
    while name in taken:  # a suffix rather than a filter: hypothesis gives up on filters
        name, suffix = f"{name}{suffix}", suffix + 1
    return name


def pick(draw, graph: Graph, options: list[str]) -> str:
    """One of `options`. Hypothesis leans to a list's first element, so the list is turned
    to start at a place that moves as the graph grows: every block comes up."""
    start = (len(graph.nodes) * 7 + len(graph.inputs) * 3) % len(options)
    return draw(st.sampled_from(options[start:] + options[:start]))


# Hyperparameters from their declarations -----------------------------------------------


def number(hyper: Hyper, *, tame: bool) -> st.SearchStrategy:
    """Numbers inside the declared bounds; `tame`: also within [-2, 2], for training."""
    lo = hyper.minimum if hyper.minimum is not None else hyper.exclusive_minimum
    hi = hyper.maximum if hyper.maximum is not None else hyper.exclusive_maximum
    span = 2.0 if tame else FLOAT32_MAX
    if hyper.kind is int:
        lo = -4 if lo is None else int(lo) + (hyper.exclusive_minimum is not None)
        return st.integers(lo, lo + 4)
    low, high = max(lo, -span) if lo is not None else -span, span if hi is None else min(hi, span)
    if tame and hyper.exclusive_minimum == 0:
        low = 1e-3  # eps: a positive float32 far from underflow
    return st.floats(
        low,
        high,
        exclude_min=low == hyper.exclusive_minimum,
        exclude_max=high == hyper.exclusive_maximum,
        allow_nan=False,
        allow_infinity=False,
    )


def declared(hyper: Hyper, *, tame: bool) -> st.SearchStrategy:
    """A value a hyperparameter accepts, by its kind, bounds and choices."""
    if hyper.choices:
        return st.sampled_from(hyper.choices)
    if hyper.kind is bool:
        return st.booleans()
    if hyper.kind in (int, float):
        return number(hyper, tame=tame)
    raise ValueError(f"no strategy for {hyper.name} of kind {hyper.kind}")


def draw_hypers(draw, block: str, *, tame: bool) -> dict:
    """Declared values for some of the hyperparameters that set no shape."""
    hypers = {}
    for hyper in BLOCKS[block].hypers:
        if hyper.kind not in (bool, int, float, str):
            continue
        if hyper.name in ("axis", "out") or not draw(st.booleans()):
            continue  # shape-setting ones belong to the rule; else keep the default
        hypers[hyper.name] = draw(declared(hyper, tame=tame))
    return hypers


def initialised(draw, graph: Graph, node: dict[str, Any], *, tame: bool) -> None:
    """Maybe give some of the node's learned weights `{init: NAME, ...}`, the initialiser
    and its arguments drawn from their declarations."""
    block = BLOCKS[node["block"]]
    wired = node.get("in", [])
    shapes = [graph.shapes[ref] for ref in ([wired] if isinstance(wired, str) else wired)]
    given = {k: graph.params.get(str(v)[1:], v) for k, v in node.items() if block.hyper(k)}
    present = block.slot_shapes(shapes, block.with_defaults(given))  # as the block declares
    for slot in block.slots:
        if slot.name in node or slot.name not in present or not draw(st.booleans()):
            continue
        init = INITIALIZERS[draw(st.sampled_from(sorted(INITIALIZERS)))]
        spec = {"init": init.name}
        for arg in init.args:
            if arg.required or draw(st.booleans()):
                spec[arg.name] = draw(declared(arg, tame=tame))
        node[slot.name] = spec


# The rules: a node wired to the graph's values, and its shape ----------------------------

Rule = Callable[..., tuple[dict[str, Any], Shape] | None]


def same_shape(draw, graph: Graph, block: str, tame: bool):
    x = draw(st.sampled_from(graph.values(rank=1 if block in RANK_ONE else 0)))
    return {"block": block, "in": x, **draw_hypers(draw, block, tame=tame)}, graph.shapes[x]


def along_axis(draw, graph: Graph, block: str, tame: bool):
    x = draw(st.sampled_from(graph.values(rank=1)))
    rank = len(graph.shapes[x])
    node = {"block": block, "in": x, "axis": draw(st.integers(-rank, rank - 1))}
    return node, graph.shapes[x]


def reduce(draw, graph: Graph, block: str, tame: bool):
    x = draw(st.sampled_from(graph.values(rank=1)))
    shape = graph.shapes[x]
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    node = {"block": block, "in": x} | (
        {} if axis == -1 and draw(st.booleans()) else {"axis": axis}
    )
    return node, shape[: axis % len(shape)] + shape[axis % len(shape) + 1 :]


def same_shapes(draw, graph: Graph, block: str, tame: bool):
    first = draw(st.sampled_from(graph.values()))
    alike = [v for v in graph.values() if graph.shapes[v] == graph.shapes[first]]
    count = 3 if block == "where" else draw(st.integers(2, 3))
    wired = [first] + draw(st.lists(st.sampled_from(alike), min_size=count - 1, max_size=count - 1))
    return {"block": block, "in": wired}, graph.shapes[first]


def linear(draw, graph: Graph, block: str, tame: bool):
    source = draw(st.sampled_from(["learned", "wired", "tied"]))
    tied = source == "tied" and graph.weights
    tie = draw(st.sampled_from(sorted(graph.weights))) if tied else None
    fits = [v for v in graph.values(rank=1) if tie and graph.shapes[v][-1] == graph.weights[tie][1]]
    x = draw(st.sampled_from(fits or graph.values(rank=1)))  # tied: an input the weight fits
    out, n = draw(st.integers(1, 5)), graph.shapes[x][-1]
    tie = tie if fits else None
    out = graph.weights[tie][0] if tie else out
    node = {"block": block, "in": x, "out": out, **draw_hypers(draw, block, tame=tame)}
    if draw(st.sampled_from(range(4))) == 3:  # the size as a recipe parameter, `$name`
        param = f"p{len(graph.params)}"
        graph.params[param] = out
        node["out"] = f"${param}"
    if tie:  # `other.weight`: one stored weight, used twice
        node["weight"] = tie
    elif source == "wired":  # another value of out * n elements, reshaped to (out, n)
        sized = [v for v in graph.values() if math.prod(graph.shapes[v]) == out * n]
        if not sized or draw(st.booleans()):
            shape = factors(draw, out * n)
            sized = [
                graph.add(fresh(draw, graph), {"block": "parameter", "shape": list(shape)}, shape)
            ]
        node["weight"] = draw(st.sampled_from(sized))
    return node, graph.shapes[x][:-1] + (out,)


def concat(draw, graph: Graph, block: str, tame: bool):
    first = draw(st.sampled_from(graph.values(rank=1)))
    shape = graph.shapes[first]
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    keep = axis % len(shape)

    def rest(s: Shape) -> Shape:
        return s[:keep] + s[keep + 1 :]

    fits = [v for v in graph.values(rank=1) if len(graph.shapes[v]) == len(shape)]
    fits = [v for v in fits if rest(graph.shapes[v]) == rest(shape)]
    wired = [first] + draw(st.lists(st.sampled_from(fits), min_size=1, max_size=2))
    length = sum(graph.shapes[v][keep] for v in wired)
    node = {"block": block, "in": wired} | ({} if axis == -1 else {"axis": axis})
    return node, shape[:keep] + (length,) + shape[keep + 1 :]


def transpose(draw, graph: Graph, block: str, tame: bool):
    x = draw(st.sampled_from(graph.values(rank=1)))
    shape = graph.shapes[x]
    rank = len(shape)
    if draw(st.booleans()):
        return {"block": block, "in": x}, shape[::-1]
    order = draw(st.permutations(range(rank)))
    axes = [a - rank if draw(st.booleans()) else a for a in order]  # negative counts too
    return {"block": block, "in": x, "axes": axes}, tuple(shape[a] for a in order)


def flatten(draw, graph: Graph, block: str, tame: bool):
    x = draw(st.sampled_from(graph.values()))
    return {"block": block, "in": x}, (math.prod(graph.shapes[x]),)


def factors(draw, n: int) -> Shape:
    """A random shape of n values: n cut into factors, in a random order."""
    sizes = []
    while n > 1 and len(sizes) < 3:
        divisors = [d for d in range(2, n + 1) if n % d == 0]
        d = draw(st.sampled_from(divisors))
        sizes.append(d)
        n //= d
    if n > 1:
        sizes[-1] *= n
    sizes += [1] * draw(st.integers(0 if sizes else 1, 1))
    return tuple(draw(st.permutations(sizes)))


def reshape(draw, graph: Graph, block: str, tame: bool):
    x = draw(st.sampled_from(graph.values()))
    target = factors(draw, math.prod(graph.shapes[x]))
    given = list(target)
    if draw(st.booleans()):
        given[draw(st.integers(0, len(given) - 1))] = -1
    return {"block": block, "in": x, "shape": given}, target


def sizes(draw, rank: tuple[int, int] = (1, 3)) -> Shape:
    return tuple(draw(st.lists(st.integers(1, 4), min_size=rank[0], max_size=rank[1])))


def parameter(draw, graph: Graph, block: str, tame: bool):
    shape = sizes(draw, (0, 3))
    return {"block": block, "shape": list(shape)}, shape


def matmul(draw, graph: Graph, block: str, tame: bool):
    a = draw(st.sampled_from(graph.values(rank=1)))
    k = graph.shapes[a][-1]
    fits = [v for v in graph.values(rank=1) if _matmul(graph.shapes[a], graph.shapes[v])]
    if fits and draw(st.booleans()):
        b = draw(st.sampled_from(fits))
    else:  # a learned right-hand side: a parameter node of a fitting shape
        shape = (k,) + sizes(draw, (0, 1))
        b = graph.add(fresh(draw, graph), {"block": "parameter", "shape": list(shape)}, shape)
    return {"block": block, "in": [a, b]}, _matmul(graph.shapes[a], graph.shapes[b])


def _matmul(a: Shape, b: Shape) -> Shape | None:
    """numpy's answer: the reference for what matmul gives."""
    try:
        return np.matmul(np.zeros(a, np.float32), np.zeros(b, np.float32)).shape
    except ValueError:
        return None


def split(draw, graph: Graph, block: str, tame: bool):
    x = draw(st.sampled_from(graph.values(rank=1)))
    shape = graph.shapes[x]
    axes = [i for i, d in enumerate(shape) if d >= 2]
    if not axes:
        return None
    axis = draw(st.sampled_from(axes))
    parts = draw(st.sampled_from([p for p in range(2, shape[axis] + 1) if shape[axis] % p == 0]))
    node = {"block": block, "in": x, "parts": parts, "index": draw(st.integers(0, parts - 1))}
    if axis != len(shape) - 1 or draw(st.booleans()):
        node["axis"] = axis - len(shape) if draw(st.booleans()) else axis
    return node, shape[:axis] + (shape[axis] // parts,) + shape[axis + 1 :]


def network(draw, graph: Graph, block: str, tame: bool):
    """An instance of a network of its own: a few nodes that keep the input's shape, maybe
    repeated (its copies chained by a scan)."""
    x = draw(st.sampled_from(graph.values(rank=1)))
    shape = graph.shapes[x]
    inner = Graph(inputs={"h": shape}, shapes={"h": shape})
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(["linear", "add", *SAME_SHAPE]))
        if tame and name in UNSTABLE:
            continue
        if name == "linear":
            found = ({"block": "linear", "in": draw(st.sampled_from(list(inner.shapes)))}, shape)
            found[0]["out"] = shape[-1]
        elif name == "add":
            found = same_shapes(draw, inner, name, tame)
        else:
            found = same_shape(draw, inner, name, tame)
        inner.add(f"n{len(inner.nodes)}", *found)
    if not inner.nodes:
        inner.add("n0", {"block": "tanh", "in": "h"}, shape)
    title = f"net{len(graph.networks)}"
    graph.networks[title] = {
        "inputs": {"h": list(shape)},
        "nodes": inner.nodes,
        "outputs": [list(inner.nodes)[-1]],
    }
    node = {"network": title, "in": x}
    if draw(st.booleans()):
        node["repeat"] = draw(st.integers(1, 3))
    return node, shape


RULES: dict[str, tuple[Rule, int]] = {  # block -> (rule, the rank its first input needs)
    **{b: (same_shape, 1 if b in RANK_ONE else 0) for b in SAME_SHAPE},
    **{b: (along_axis, 1) for b in ALONG_AXIS},
    **{b: (reduce, 1) for b in REDUCE},
    "add": (same_shapes, 0),
    "multiply": (same_shapes, 0),
    "where": (same_shapes, 0),
    "linear": (linear, 1),
    "concat": (concat, 1),
    "transpose": (transpose, 1),
    "flatten": (flatten, 0),
    "reshape": (reshape, 0),
    "matmul": (matmul, 1),
    "split": (split, 1),
    "parameter": (parameter, 0),
    "network": (network, 1),  # not a block: a network instance
}
ISLANDS = tuple(name for name in BLOCKS if name not in RULES)
BLOCK_RULES = sorted(set(RULES) - {"network"})


def island(draw, graph: Graph) -> None:
    """Any other registry block, on inputs of its declared example shapes."""
    name = pick(draw, graph, list(ISLANDS))
    block = BLOCKS[name]
    wired = []
    for shape in block.example:
        wired.append(fresh(draw, graph))
        graph.inputs[wired[-1]] = shape
        graph.used.add(wired[-1])
    hypers = {k: list(v) if isinstance(v, tuple) else v for k, v in block.example_hypers.items()}
    graph.add(fresh(draw, graph), {"block": name, "in": wired, **hypers}, None)


@st.composite
def graphs(draw, *, tame: bool = False, islands: bool = True, max_nodes: int = 8) -> Graph:
    """A valid recipe's graph: inputs, then nodes wired to what is there.

    tame: hyperparameters within [-2, 2] and no `exp` or `log`, so training stays finite.
    """
    graph = Graph()
    for _ in range(draw(st.integers(1, 2))):
        name = fresh(draw, graph)
        graph.inputs[name] = graph.shapes[name] = sizes(draw, (0, 3))
    blocks = [b for b in RULES if not (tame and b in UNSTABLE)]
    for _ in range(draw(st.integers(1, max_nodes))):
        if islands and draw(st.sampled_from(range(8))) == 7:
            island(draw, graph)
            continue
        ranks = {len(s) for s in graph.shapes.values()}
        usable = [b for b in blocks if RULES[b][1] <= max(ranks)]
        # The one-input blocks that keep the shape are many; drawn as one family, the
        # blocks that change shapes and wiring come up as often as each of them.
        unary = [b for b in usable if b in SAME_SHAPE or b in ALONG_AXIS]
        family = pick(draw, graph, ["unary"] * 3 + [b for b in usable if b not in unary])
        block = pick(draw, graph, unary) if family == "unary" else family
        found = RULES[block][0](draw, graph, block, tame)
        if found is None or math.prod(found[1]) > MAX_VALUES:
            continue
        if block in BLOCKS:
            initialised(draw, graph, found[0], tame=tame)
        graph.add(fresh(draw, graph), *found)
    if not graph.nodes:
        x = next(iter(graph.inputs))
        graph.add(fresh(draw, graph), {"block": "flatten", "in": x}, (math.prod(graph.shapes[x]),))
    return graph


# A loss at the end, and data to train on -----------------------------------------------

LOSSES = ("mse", "sigmoid", "softmax", "sparsemax", "sigmoid_cross_entropy", "softmax_ce")


@st.composite
def trainable(draw, *, tame: bool = True, islands: bool = True) -> Graph:
    """A valid graph ending in a loss, some written the textbook way the composer rewrites."""
    graph = draw(graphs(tame=tame, islands=islands, max_nodes=6))
    last = [n for n in graph.nodes if n in graph.shapes][-1:] or list(graph.inputs)
    end = last[0]
    kind = draw(st.sampled_from(LOSSES))
    if kind == "mse" and draw(st.booleans()):  # straight onto the graph's own shape
        target = fresh(draw, graph)
        graph.inputs[target] = graph.shapes[target] = graph.shapes[end]
        graph.loss = graph.add(fresh(draw, graph), _loss("mse", end, target), ())
        graph.targets[target] = "values"
        return graph
    if len(graph.shapes[end]) != 1:
        flat = (math.prod(graph.shapes[end]),)
        end = graph.add(fresh(draw, graph), {"block": "flatten", "in": end}, flat)
    k = 1 if kind in ("sigmoid", "sigmoid_cross_entropy") else draw(st.integers(1, 4))
    if kind in ("softmax", "sparsemax", "softmax_ce"):
        k = max(k, 2)
    pred = graph.add(fresh(draw, graph), {"block": "linear", "in": end, "out": k}, (k,))
    graph.sparse = kind == "sparsemax"
    if kind in ("sigmoid", "softmax", "sparsemax"):
        pred = graph.add(fresh(draw, graph), {"block": kind, "in": pred}, (k,))
    block = {"softmax_ce": "softmax_cross_entropy", "mse": "mse"}.get(kind, "cross_entropy")
    if kind == "sigmoid_cross_entropy":
        block = kind
    target = fresh(draw, graph)
    graph.inputs[target] = graph.shapes[target] = (k,)
    graph.targets[target] = "values" if kind == "mse" else "one-hot" if k > 1 else "binary"
    graph.loss = graph.add(fresh(draw, graph), _loss(block, pred, target), ())
    return graph


def _loss(block: str, pred: str, target: str) -> dict[str, Any]:
    return {"block": block, "in": {"pred": pred, "target": target}}


def arrays(graph: Graph, n: int, seed: int) -> dict[str, np.ndarray]:
    """n examples for every input: normal values, and targets a loss accepts."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in graph.inputs.items():
        held = graph.targets.get(name)
        if held == "one-hot":
            out[name] = np.eye(shape[0], dtype=np.float32)[rng.integers(0, shape[0], n)]
        elif held == "binary":
            out[name] = rng.integers(0, 2, (n, *shape)).astype(np.float32)
        else:
            out[name] = rng.normal(size=(n, *shape)).astype(np.float32)
    return out
