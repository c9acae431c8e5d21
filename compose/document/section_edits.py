"""The edits an editor makes outside the nodes: inputs, outputs, loss, name, the train section."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compose.document.records import Refused
from compose.document.rendering import Plain
from compose.document.rules import (
    check_new_name,
    names_of,
    section,
    section_after,
    section_groups,
    unknown,
)
from compose.document.splice import Edit, Group
from compose.document.view import View
from compose.recipe.problems import shown
from compose.recipe.train_section import TRAIN_KEYS


def set_input(view: View, name: str, shape: Sequence[Any]) -> Edit:
    """A recipe input added, or its shape changed."""
    inputs, _ = names_of(view)
    if name not in inputs:
        check_new_name(view, name, "input")
    ok = isinstance(shape, (list, tuple)) and all(
        (isinstance(d, int) and not isinstance(d, bool) and d > 0)
        or (isinstance(d, str) and d.startswith("$"))
        for d in shape
    )
    if not ok:
        raise Refused(
            f"input '{name}': expected a shape: a list of positive integers like [2], "
            f"got {shown(shape)}",
            path=("inputs", name),
        )
    after = section_after(view.data, "inputs")

    def mutate(root, kit: Plain) -> None:
        kit.insert(section(root, kit, "inputs", after), name, kit.value(list(shape)))

    return Edit(f"input '{name}' {list(shape)}", section_groups(view.data, "inputs"), mutate)


def remove_input(view: View, name: str) -> Edit:
    """A recipe input removed; what named it stays, for the check to report."""
    inputs, _ = names_of(view)
    if name not in inputs:
        raise unknown("remove input", "an input", name, inputs)

    def mutate(root, kit: Plain) -> None:
        kit.delete(root["inputs"], name)

    return Edit(f"remove input '{name}'", (Group("", "inputs"),), mutate)


def set_top(view: View, key: str, value: Any) -> Edit:
    """Set or (None) remove `name`, `about`, `outputs` or `loss`."""
    if key not in ("name", "about", "outputs", "loss"):
        raise unknown("", "name, about, outputs or loss", key, ())
    if key in ("name", "about") and value is not None and not isinstance(value, str):
        raise Refused(f"{key}: expected a string, got {shown(value)}", path=(key,))
    inputs, nodes = names_of(view)
    refs = value if key == "outputs" else [value] if key == "loss" and value is not None else []
    if key == "outputs" and not isinstance(value, (list, tuple)):
        raise Refused(f"outputs: expected a list of node names, got {shown(value)}", path=(key,))
    for ref in refs:
        base = ref.partition(".")[0] if isinstance(ref, str) else None
        if base not in nodes and base not in inputs:
            raise Refused(
                f"{key}: expected a node, got {shown(ref)}, which names no input or node",
                path=(key,),
            )
    after = section_after(view.data, key)

    def mutate(root, kit: Plain) -> None:
        if value is None:
            kit.delete(root, key)
        elif key == "outputs" and isinstance(root.get(key), list):
            root[key][:] = [kit.value(v) for v in value]
        else:
            kit.insert(
                root, key, kit.value(list(value) if key == "outputs" else value), after=after
            )

    groups = section_groups(view.data, key) if value is not None or key in view.data else ()
    if value is None and key in view.data:
        return Edit(f"remove {key}", None, mutate, removes=Group("", key))
    return Edit(f"{key}: {shown(value)}", groups, mutate)


def set_train(view: View, key: str | Sequence[str], value: Any) -> Edit:
    """A train-section key (dotted, or a tuple of keys) set, or with None removed."""
    path = tuple(key.split(".")) if isinstance(key, str) else tuple(key)
    if not path or path[0] not in TRAIN_KEYS:
        raise unknown(
            "train", "one of its keys", path[0] if path else key, TRAIN_KEYS, path=("train",) + path
        )
    after = section_after(view.data, "train")

    def mutate(root, kit: Plain) -> None:
        if value is None and not isinstance(root.get("train"), dict):
            return
        mapping = section(root, kit, "train", after)
        for part in path[:-1]:
            child = mapping.get(part)
            if not isinstance(child, dict):
                if value is None:
                    return
                child = kit.mapping(flow=True)
                kit.insert(mapping, part, child)
            mapping = child
        if value is None:
            kit.delete(mapping, path[-1])
        else:
            kit.insert(mapping, path[-1], kit.value(value))

    label = f"train.{'.'.join(path)}: {shown(value)}"
    return Edit(label, section_groups(view.data, "train"), mutate)
