"""Changing a node's block in place: its name, wires and the settings the new block still
takes stay; what it does not take is dropped, and the edit's label says what.

    doc.set_block("hidden", "mlp")   # label: "node 'hidden': block mlp (was linear);
                                     #         dropped use_bias: false"

The node may be a block node, a node whose block is unknown (a typo such as `linaer`) or a
network instance (its network, `repeat` and parameters are dropped). Input wires are kept
by port name where the new block has that port, the rest matched to its free ports in
order; wires beyond its inputs are dropped. Weight slots the new block has keep their
source. A required hyperparameter still missing is the check's to report.
"""

from __future__ import annotations

from typing import Any

from blocks import BLOCKS, Block
from compose.document.layout import NODES
from compose.document.records import Refused
from compose.document.rendering import Plain
from compose.document.rules import hyper_value, node_spec, unknown
from compose.document.splice import Edit, Group
from compose.document.view import View
from compose.recipe.problems import shown

_OWN = ("block", "network", "in")  # the keys that say what a node is and what feeds it


def set_block(view: View, node: str, block: str) -> Edit:
    """Node `node` made a `block` node, keeping what still applies (see the module)."""
    spec = node_spec(view, node)
    new = BLOCKS.get(block) if isinstance(block, str) else None
    if new is None:
        raise unknown(f"node '{node}'", "a block", block, BLOCKS, path=("nodes", node, "block"))
    was = _what(spec)
    if spec.get("block") == block:
        raise Refused(f"node '{node}' is already a {block} node", path=("nodes", node, "block"))
    label = f"node '{node}' ({block})"
    drop = [
        key
        for key, value in spec.items()
        if key not in _OWN and ("network" in spec or not _applies(view, new, key, value, label))
    ]
    wires, lost = kept_wires(spec.get("in"), new)
    dropped = [f"{key}: {shown(spec[key])}" for key in drop]
    dropped += [f"in {port}: {shown(ref)}" for port, ref in lost]
    text = f"node '{node}': block {block} (was {was})"
    if dropped:
        text += "; dropped " + ", ".join(dropped)

    def change(spec: Any, kit: Plain) -> None:
        if "network" in spec and "block" not in spec:
            kit.rename(spec, "network", "block")
        kit.insert(spec, "block", kit.value(block), after=None)
        for key in drop:
            kit.delete(spec, key)
        if "in" in spec and wires is None:
            kit.delete(spec, "in")
        elif "in" in spec and wires != spec["in"]:
            kit.insert(spec, "in", kit.value(wires))

    def mutate(root: Any, kit: Plain) -> None:
        change(root[NODES][node], kit)

    return Edit(text, (Group(NODES, node),), mutate)


def _what(spec: dict) -> str:
    """What a node is now, in words: its block, its network, or what it lacks."""
    if "network" in spec:
        network = spec["network"]
        return f"an instance of {network}" if isinstance(network, str) else "an inline network"
    if "block" in spec:
        return f"{shown(spec['block'])}" if not isinstance(spec["block"], str) else spec["block"]
    return "no block"


def _applies(view: View, new: Block, key: Any, value: Any, label: str) -> bool:
    """Whether setting `key: value` of a node means something to block `new` and passes its
    check (a hyperparameter), or names one of its weight slots."""
    if not isinstance(key, str):
        return False
    if new.slot(key) is not None:
        return True
    hyper = new.hyper(key)
    if hyper is None:
        return False
    try:
        hyper_value(view, hyper, key, value, label, ())
    except Refused:
        return False
    return True


def kept_wires(value: Any, new: Block) -> tuple[Any, list[tuple[str, Any]]]:
    """What `in:` becomes for block `new` (None: nothing), and the (port, ref) dropped.

    A wire to a port `new` has keeps its port; the others go to its free ports in order.
    """
    names = list(new.inputs)
    if value is None or (not names and not new.variadic):
        lost = [] if value is None else _listed(value)
        return None, lost
    if isinstance(value, dict) and not new.variadic:
        kept = {k: v for k, v in value.items() if k in names}
        free = [n for n in names if n not in kept]
        lost = []
        for key, ref in value.items():
            if key in names:
                continue
            if free:
                kept[free.pop(0)] = ref
            else:
                lost.append((str(key), ref))
        ordered = {n: kept[n] for n in names if n in kept}
        return (_compact(ordered, names) if ordered else None), lost
    refs = list(value.values()) if isinstance(value, dict) else value
    if not isinstance(refs, list):
        return refs, []  # one name: the first port
    if new.variadic:
        return refs, []
    room = len(names)
    lost = [(names[i] if i < len(names) else f"#{i}", r) for i, r in enumerate(refs)][room:]
    kept_refs = refs[:room]
    return (kept_refs[0] if len(kept_refs) == 1 and room == 1 else kept_refs), lost


def _compact(wires: dict, names: list[str]) -> Any:
    """A mapping of one block's one port as just the name, as people write it."""
    return wires[names[0]] if len(names) == 1 and names[0] in wires else wires


def _listed(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    if isinstance(value, list):
        return [(f"#{i}", v) for i, v in enumerate(value)]
    return [("in", value)]
