"""The edits an editor makes to a recipe's nodes: add, rename, delete, set, wire.

Each function takes the current `View`, refuses a bad edit with the reason (`Refused`, see
compose.document.rules), and otherwise returns an `Edit`: a label for undo, the entries it
rewrites, and `mutate(root, kit)`, which makes the change on whichever tree it is given, a
ruamel.yaml one that keeps the comments or plain data (compose.document.rendering).
"""

from __future__ import annotations

from typing import Any

from blocks import BLOCKS, Block
from compose.document.layout import NODES
from compose.document.records import Refused
from compose.document.rendering import END, Plain
from compose.document.rules import (
    check_new_name,
    hyper_value,
    names_of,
    node_spec,
    param_value,
    port_kind,
    repeat_count,
    section,
    section_after,
    section_groups,
    source_problem,
    unknown,
    weight_value,
    wires_value,
)
from compose.document.splice import Edit, Group
from compose.document.view import View, block_of, refs_of
from compose.recipe.problems import shown


def add_node(view, name, block, *, wires=None, hypers=None, weights=None, after=None) -> Edit:
    """A block node after node `after` (default: the last), each value checked."""
    spec = block_spec(view, name, block, wires=wires, hypers=hypers, weights=weights)
    return _add(view, name, spec, after, f"add node '{name}'")


def block_spec(view, name, block, *, wires=None, hypers=None, weights=None) -> dict[str, Any]:
    """What a new node `name` of `block` is written as, each value checked."""
    check_new_name(view, name, "node")
    found = BLOCKS.get(block) if isinstance(block, str) else None
    if found is None:
        raise unknown(f"node '{name}'", "a block", block, BLOCKS)
    spec: dict[str, Any] = {"block": block}
    if wires is not None:
        spec["in"] = wires_value(view, name, wires)
    label = f"node '{name}' ({block})"
    for key, value in (hypers or {}).items():
        hyper = found.hyper(key)
        spec[key] = hyper_value(view, hyper, key, value, label, [h.name for h in found.hypers])
    for slot, source in (weights or {}).items():
        if found.slot(slot) is None:
            raise unknown(label, "one of its weights", slot, [s.name for s in found.slots])
        spec[slot] = weight_value(view, name, slot, source)
    return spec


def add_instance(view, name, network, *, wires=None, params=None, repeat=None, after=None) -> Edit:
    """A node that instantiates a network under `networks:` or in a .yaml file."""
    spec = instance_spec(view, name, network, wires, params, repeat, name)
    return _add(view, name, spec, after, f"add node '{name}'")


def instance_spec(view, name, network, wires, params, repeat, feeds: str) -> dict[str, Any]:
    """What node `name`, an instance of `network`, is written as; its wires may name
    nothing that depends on node `feeds` (the instance itself, or the node it will feed)."""
    check_new_name(view, name, "node")
    networks = [n.name for n in view.networks]
    if not isinstance(network, str) or (
        network not in networks and not network.endswith((".yaml", ".yml"))
    ):
        raise unknown(f"node '{name}'", "a network or a .yaml file", network, networks)
    spec: dict[str, Any] = {"network": network}
    if wires is not None:
        spec["in"] = wires_value(view, feeds, wires, name=name)
    if repeat is not None:
        spec["repeat"] = repeat_count(repeat)
    for key, value in (params or {}).items():
        spec[key] = param_value(name, key, value)
    return spec


def wire_instance(view, node, slot, name, network, *, wires=None, params=None, repeat=None) -> Edit:
    """Node `name`, a new instance of `network`, put just before `node` and wired into
    its weight slot `slot`: one edit, so one undo takes both back."""
    node_spec(view, node)
    if port_kind(view, node, slot) != "weight":
        raise Refused(
            f"node '{node}': expected one of its weight slots, got '{slot}', an input",
            path=("nodes", node, slot),
        )
    spec = instance_spec(view, name, network, wires, params, repeat, node)
    order = list(view.specs)
    before = order[order.index(node) - 1] if order.index(node) > 0 else None

    def mutate(root, kit: Plain) -> None:
        nodes = root[NODES]
        value = kit.value(spec, flow=kit.flow_like(nodes))
        kit.insert(nodes, name, value, after=before if before in nodes else None)
        kit.insert(nodes[node], slot, kit.value(name))

    groups = (Group(NODES, before), Group(NODES, node)) if before else (Group(NODES, node),)
    label = f"node '{node}': {slot} from a new instance '{name}' of {network}"
    return Edit(label, groups, mutate)


def _add(view: View, name: str, spec: dict, after: Any, label: str) -> Edit:
    """The edit that puts `spec` in as node `name` after `after`."""
    if after is not None and after not in view.specs:
        raise unknown("after", "a node", after, view.specs)
    anchor = after if after is not None else (list(view.specs)[-1] if view.specs else None)
    top_after = section_after(view.data, NODES)

    def mutate(root, kit: Plain) -> None:
        nodes = section(root, kit, NODES, top_after)
        place = anchor if anchor in nodes else END
        kit.insert(nodes, name, kit.value(spec, flow=kit.flow_like(nodes)), after=place)

    groups = (Group(NODES, anchor),) if anchor is not None else section_groups(view.data, NODES)
    return Edit(label, groups, mutate)


def rename(view: View, old: str, new: str) -> Edit:
    """A node or input renamed, with every wire, weight reference, output and loss naming it."""
    inputs, nodes = names_of(view)
    if old not in inputs and old not in nodes:
        raise unknown("rename", "an input or node", old, inputs + nodes)
    if new == old:
        raise Refused(f"rename: '{old}' already has that name")
    check_new_name(view, new, "rename")
    is_node = old in nodes

    def mentions(ref: Any) -> bool:
        return isinstance(ref, str) and (ref == old or (is_node and ref.startswith(old + ".")))

    groups = [Group(NODES, old)] if is_node else [Group("", "inputs")]
    groups += [
        Group(NODES, n)
        for n, spec in view.specs.items()
        if n != old and any(mentions(r) for _, r, _ in refs_of(spec))
    ]
    outputs = view.data.get("outputs")
    if mentions(outputs) or (isinstance(outputs, list) and any(map(mentions, outputs))):
        groups.append(Group("", "outputs"))
    if mentions(view.data.get("loss")):
        groups.append(Group("", "loss"))
    if not is_node and "train" in view.data:
        groups.append(Group("", "train"))

    def renamed(ref: Any, kit: Plain) -> Any:
        return kit.value(new + ref[len(old) :]) if mentions(ref) else ref

    def mutate(root, kit: Plain) -> None:
        specs = root.get(NODES)
        if isinstance(specs, dict):
            if is_node and old in specs:
                kit.rename(specs, old, new)
            for spec in specs.values():
                _rename_refs(spec, lambda ref: renamed(ref, kit))
        for key in ("outputs", "loss"):
            if key in root:
                value = root[key]
                if isinstance(value, list):
                    value[:] = [renamed(v, kit) for v in value]
                else:
                    root[key] = renamed(value, kit)
        if not is_node and isinstance(root.get("inputs"), dict) and old in root["inputs"]:
            kit.rename(root["inputs"], old, new)
        data = root.get("train", {}).get("data") if isinstance(root.get("train"), dict) else None
        if not is_node and isinstance(data, dict):
            if isinstance(data.get("standardize"), list):
                data["standardize"][:] = [renamed(v, kit) for v in data["standardize"]]
            if isinstance(data.get("columns"), dict) and old in data["columns"]:
                kit.rename(data["columns"], old, new)

    return Edit(f"rename '{old}' to '{new}'", tuple(groups), mutate)


def _rename_refs(spec: Any, renamed) -> None:
    """Every name `spec` wires, passed through `renamed`."""
    if not isinstance(spec, dict):
        return
    value = spec.get("in")
    if isinstance(value, str):
        spec["in"] = renamed(value)
    elif isinstance(value, list):
        value[:] = [renamed(v) for v in value]
    elif isinstance(value, dict):
        for key in list(value):
            value[key] = renamed(value[key])
    block = block_of(spec)
    for slot in block.slots if block else ():
        if isinstance(spec.get(slot.name), str):
            spec[slot.name] = renamed(spec[slot.name])
        elif isinstance(spec.get(slot.name), dict) and "network" in spec[slot.name]:
            _rename_refs(spec[slot.name], renamed)


def delete_node(view: View, name: str) -> Edit:
    """A node removed; what named it stays, for the check to report."""
    node_spec(view, name)

    def mutate(root, kit: Plain) -> None:
        if isinstance(root.get(NODES), dict):
            kit.delete(root[NODES], name)

    return Edit(f"delete node '{name}'", None, mutate, removes=Group(NODES, name))


def set_hyper(view: View, node: str, name: str, value: Any) -> Edit:
    """A hyperparameter set (None: removed), checked by the block's own record."""
    spec = node_spec(view, node)
    path = ("nodes", node, name)
    if "network" in spec:
        if name == "repeat":
            value = None if value is None else repeat_count(value)
        elif value is not None:
            value = param_value(node, name, value)
    else:
        block: Block | None = block_of(spec)
        if block is None:
            raise Refused(
                f"node '{node}': expected a known block, got {shown(spec.get('block'))}", path=path
            )
        hyper = block.hyper(name)
        label = f"node '{node}' ({block.name})"
        if hyper is None:
            raise unknown(
                label, "one of its hyperparameters", name, [h.name for h in block.hypers], path=path
            )
        if value is None and hyper.required:
            raise Refused(f"{label}: {name} has no default: give a value ({hyper.doc})", path=path)
        if value is not None:
            try:
                value = hyper_value(view, hyper, name, value, label, ())
            except Refused as err:
                raise Refused(err.reason, path=path) from None

    def change(spec, kit: Plain) -> None:
        if value is None:
            kit.delete(spec, name)
        else:
            kit.insert(spec, name, kit.value(value))

    return _node_edit(node, f"node '{node}': {name}", change)


def _node_edit(node: str, label: str, change) -> Edit:
    """An edit of node `node` alone: `change(spec, kit)`."""

    def mutate(root, kit: Plain) -> None:
        change(root[NODES][node], kit)

    return Edit(label, (Group(NODES, node),), mutate)


def wire(view: View, node: str, port: str, source: Any) -> Edit:
    """An input port or weight slot wired to a source (None: unwired)."""
    spec = node_spec(view, node)
    kind = port_kind(view, node, port)
    if kind == "weight":
        value = None if source is None else weight_value(view, node, port, source)

        def slot(spec, kit: Plain) -> None:
            if value is None:
                kit.delete(spec, port)
            else:
                kit.insert(spec, port, kit.value(value))

        return _node_edit(node, f"node '{node}': weight {port}", slot)
    if source is not None:
        why = source_problem(view, node, source)
        if why:
            raise Refused(f"node '{node}': input '{port}': {why}", path=("nodes", node, "in"))
    found = next(n for n in view.nodes if n.name == node)
    names = [p.name for p in found.ports if p.kind == "input"]
    block = block_of(spec)
    variadic = bool(block and block.variadic)
    index = (
        int(port[len(block.inputs[0]) :])
        if variadic
        else names.index(port)
        if port in names
        else len(names)
    )
    return _node_edit(
        node,
        f"node '{node}': input {port}",
        lambda s, kit: _set_in(s, kit, port, source, names, index, variadic),
    )


def _set_in(spec, kit: Plain, port, ref, names, index, variadic) -> None:
    """`in:` with `port` wired to `ref` (None: unwired), in the form it was written."""
    value = spec.get("in")
    after = "block" if "block" in spec else "network"
    if isinstance(value, dict):
        if ref is None:
            kit.delete(value, port)
        else:
            kit.insert(value, port, kit.value(ref))
    elif isinstance(value, list) and (variadic or ref is not None):
        if ref is None:
            del value[index]
        elif index < len(value):
            value[index] = kit.value(ref)
        else:
            value.append(kit.value(ref))
    elif isinstance(value, list):  # unwiring one of several: say the rest by name
        rest = {n: v for n, v in zip(names, value, strict=False) if n != port}
        kit.insert(spec, "in", kit.value(rest), after=after)
    elif len(names) <= 1 and not variadic:
        if ref is None:
            kit.delete(spec, "in")
        else:
            kit.insert(spec, "in", kit.value(ref), after=after)
    elif ref is not None:
        current = {names[0]: value} if isinstance(value, str) and names else {}
        new = [ref] if variadic else {**current, port: ref}
        kit.insert(spec, "in", kit.value(new), after=after)
