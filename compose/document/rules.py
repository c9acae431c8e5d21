"""What an edit may write: new names, hyperparameter values, sources for ports and slots.

Each check raises `Refused` with the reason, before anything is changed; the reasons read like
the checker's own problems ("expected X, got Y"), and use the blocks' own records (a
hyperparameter's `Hyper.problem`, an initialiser's arguments).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from blocks import INITIALIZERS, Hyper
from compose.document.records import Choice, Init, Instance, Refused
from compose.document.rendering import END, Plain
from compose.document.splice import Group
from compose.document.view import View, block_of, chain, dependents
from compose.recipe.numbers import hyper_problem
from compose.recipe.parse import TOP_KEYS
from compose.recipe.problems import did_you_mean, shown
from compose.recipe.reader import IDENTIFIER


def names_of(view: View) -> tuple[list[str], list[str]]:
    """The names of the recipe's inputs and of its nodes."""
    inputs = view.data.get("inputs")
    return [str(k) for k in inputs] if isinstance(inputs, dict) else [], list(view.specs)


def check_new_name(view: View, name: Any, what: str) -> None:
    """Refuse `name` unless it is an identifier that names no input or node yet."""
    if not (isinstance(name, str) and IDENTIFIER.match(name)):
        raise Refused(
            f"{what}: expected a name of letters, digits and underscores, not starting with "
            f"a digit, got {shown(name)}"
        )
    inputs, nodes = names_of(view)
    if name in inputs or name in nodes:
        kind = "an input" if name in inputs else "a node"
        raise Refused(f"{what}: expected a new name, got '{name}', which is already {kind}")


def node_spec(view: View, name: str) -> dict:
    """Node `name` as written (refused when there is none)."""
    if name not in view.specs:
        raise unknown("", "a node", name, view.specs, path=("nodes",))
    spec = view.specs[name]
    return spec if isinstance(spec, dict) else {}


def unknown(label: str, what: str, name: Any, known, *, path: tuple = ()) -> Refused:
    """Refused: "LABEL: expected WHAT, got NAME (did you mean ...?)"."""
    hint = did_you_mean(str(name), known) if isinstance(name, str) else ""
    prefix = f"{label}: " if label else ""
    message = f"{prefix}expected {what}, got {shown(name)}" + (f" ({hint})" if hint else "")
    return Refused(message, path=path)


def sources(view: View, node: str, port: str) -> tuple[Choice, ...]:
    """What `port` of `node` may be wired to without closing a cycle."""
    node_spec(view, node)
    found = port_kind(view, node, port)
    banned = {node} | dependents(view.specs, node)
    inputs, _ = names_of(view)
    out = [Choice(i, "input", view.shapes.get(i)) for i in inputs]
    for name, spec in view.specs.items():
        if name not in banned:
            kind = "instance" if isinstance(spec, dict) and "network" in spec else "node"
            out.append(Choice(name, kind, view.shapes.get(name)))
    for name, spec in view.specs.items():
        block = block_of(spec)
        if name in banned or block is None:
            continue
        report = view.reports.get(name)
        slots = [s.name for s in block.slots]
        if report:
            slots = [w.slot for w in report.weights if w.slot in slots]
        out += [Choice(f"{name}.{s}", "weight", view.shapes.get(f"{name}.{s}")) for s in slots]
    if found == "weight":
        out += [Choice(n.name, "network") for n in view.networks]
    return tuple(out)


def port_kind(view: View, node: str, port: str) -> str:
    """The kind of `port`, "input" or "weight" (a variadic block's next port counts)."""
    found = next((n for n in view.nodes if n.name == node), None)
    ports = found.ports if found else ()
    for p in ports:
        if p.name == port:
            return p.kind
    block = block_of(view.specs.get(node))
    count = sum(p.kind == "input" for p in ports)
    if block and block.variadic and port == f"{block.inputs[0]}{count}":
        return "input"
    raise unknown(
        f"node '{node}'", "one of its ports", port, [p.name for p in ports], path=("nodes", node)
    )


def source_problem(view: View, node: str, ref: Any) -> str | None:
    """Why `ref` cannot feed `node` (names nothing, or depends on it), else None."""
    if not isinstance(ref, str):
        return f"expected the name of an input, node or node.weight, got {shown(ref)}"
    inputs, nodes = names_of(view)
    base, dot, slot = ref.partition(".")
    if not dot and base not in inputs and base not in nodes:
        networks = [n.name for n in view.networks]
        if base in networks:
            return f"'{ref}' is a network: wire an Instance of it to a weight slot"
        hint = did_you_mean(ref, inputs + nodes)
        return f"expected an input, node or node.weight, got '{ref}', which names no input or " + (
            f"node ({hint})" if hint else "node"
        )
    if dot:
        block = block_of(view.specs.get(base))
        if base not in nodes:
            return (
                f"expected an input, node or node.weight, got '{ref}', but '{base}' names no node"
            )
        if block is None or block.slot(slot) is None:
            slots = ", ".join(s.name for s in block.slots) if block else "none"
            return f"expected a weight of node '{base}' ({slots}), got '{ref}'"
    if base == node or base in dependents(view.specs, node):
        cycle = " -> ".join([node] + (chain(view.specs, base, node) if base != node else [node]))
        return f"expected a source that does not depend on node '{node}', got '{ref}' ({cycle})"
    return None


def weight_value(view: View, node: str, slot: str, source: Any) -> Any:
    """What to write in weight slot `slot` for `source`: a name, an Instance or an Init."""
    if isinstance(source, Instance):
        networks = [n.name for n in view.networks]
        if source.network not in networks and not source.network.endswith((".yaml", ".yml")):
            raise unknown(f"node '{node}': weight '{slot}'", "a network", source.network, networks)
        return source.written()
    if isinstance(source, Init):
        init = INITIALIZERS.get(source.name)
        if init is None:
            raise unknown(
                f"node '{node}': weight '{slot}'", "an initialiser", source.name, INITIALIZERS
            )
        known = [a.name for a in init.args]
        for name, value in source.args:
            hyper = next((a for a in init.args if a.name == name), None)
            if hyper is None:
                raise unknown(f"initialiser '{init.name}'", "one of its arguments", name, known)
            hyper_value(view, hyper, name, value, f"initialiser '{init.name}'", known)
        return source.written()
    why = source_problem(view, node, source)
    if why:
        raise Refused(f"node '{node}': weight '{slot}': {why}", path=("nodes", node, slot))
    return source


def hyper_value(view: View, hyper: Hyper | None, name: str, value: Any, label: str, known):
    """`value` for `hyper` as written, refused with the hyperparameter's own check; `known`
    names the hyperparameters (or an initialiser's arguments) when `hyper` is None."""
    if hyper is None:
        raise unknown(label, "one of its hyperparameters", name, known)
    given = value
    if isinstance(value, str) and value.startswith("$"):
        params = view.data.get("params")
        params = params if isinstance(params, dict) else {}
        if value[1:] not in params:
            known = ", ".join(f"${p}" for p in params) or "none here"
            raise Refused(
                f"{label}: expected a parameter, got {shown(value)} (parameters: {known})"
            )
        value = params[value[1:]]
    expected = hyper_problem(hyper, list(value) if isinstance(value, tuple) else value)
    if expected:
        raise Refused(f"{label}: {name}: expected {expected}, got {shown(value)}")
    return list(given) if isinstance(given, tuple) else given


def wires_value(view: View, node: str, wires: Any, *, name: str | None = None) -> Any:
    """What to write as `in:` of node `name` (default `node`) for `wires` (a name, a list or
    a mapping), each name checked as a source for `node`."""
    refs = (
        [wires]
        if isinstance(wires, str)
        else list(wires.values())
        if isinstance(wires, Mapping)
        else list(wires)
        if isinstance(wires, Sequence)
        else [wires]
    )
    for ref in refs:
        why = source_problem(view, node, ref)
        if why:
            raise Refused(f"node '{name or node}': in: {why}", path=("nodes", name or node, "in"))
    return dict(wires) if isinstance(wires, Mapping) else wires


def repeat_count(value: Any) -> int:
    """A network instance's `repeat`, refused unless a count of 1 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Refused(f"repeat: expected a count of 1 or more, got {shown(value)}")
    return value


def param_value(node: str, name: Any, value: Any) -> Any:
    """A network instance's parameter: a plain scalar under a name of its own."""
    if name in ("network", "in", "repeat", "block"):
        raise Refused(f"node '{node}': expected a parameter name, got '{name}', a key of its own")
    if not isinstance(value, (int, float, str, bool)):
        raise Refused(
            f"node '{node}': {name}: expected a number, string or boolean, got {shown(value)}"
        )
    return value


def section_after(data: dict, key: str) -> Any:
    """Where a missing top-level key goes: after the last key that comes before it."""
    before = [k for k in data if k in TOP_KEYS and TOP_KEYS.index(k) < TOP_KEYS.index(key)]
    return before[-1] if before else (None if data else END)


def section_groups(data: dict, key: str) -> tuple[Group, ...] | None:
    """The entry an edit of top-level `key` rewrites: the key, or where it will go (None:
    the whole document, which is empty)."""
    if key in data:
        return (Group("", key),)
    after = section_after(data, key)
    if after is END:
        return None
    return (Group("", after if after is not None else next(iter(data))),)


def section(root: Any, kit: Plain, key: str, after: Any) -> Any:
    """The mapping at top-level `key`, made (in block style) where it is missing or empty."""
    value = root.get(key)
    if not isinstance(value, dict):
        value = kit.mapping(flow=False)
        kit.insert(root, key, value, after=after)
    elif not value:
        kit.block(value)
    return value
