"""The edit operations of a `Document`, each a method that makes one undoable edit.

Each builds its edit with the functions of compose.document.node_edits, block_change,
insert_edits and section_edits (which refuse a bad edit with the reason, before anything
changes) and has the document apply it (`_apply`: splice, push an undo step, re-check).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from compose.checker.checked import Checked
from compose.document import block_change, insert_edits
from compose.document import node_edits as ops
from compose.document import section_edits as sections
from compose.document.splice import Edit
from compose.document.view import View


class Operations:
    """The operations; the class that mixes them in holds `_view` and `_apply`."""

    _view: View

    def _apply(self, edit: Edit) -> Checked:
        raise NotImplementedError

    def add_node(
        self,
        name: str,
        block: str,
        *,
        wires: str | Sequence[str] | Mapping[str, str] | None = None,
        hypers: Mapping[str, Any] | None = None,
        weights: Mapping[str, Any] | None = None,
        after: str | None = None,
    ) -> Checked:
        """Add a block node after node `after` (default: last); `weights` maps slots to a
        name, an Instance or an Init."""
        edit = ops.add_node(
            self._view, name, block, wires=wires, hypers=hypers, weights=weights, after=after
        )
        return self._apply(edit)

    def add_instance(
        self,
        name: str,
        network: str,
        *,
        wires: str | Sequence[str] | Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        repeat: int | None = None,
        after: str | None = None,
    ) -> Checked:
        """Add a node that is an instance of a network (a name under `networks:` or a file)."""
        edit = ops.add_instance(
            self._view, name, network, wires=wires, params=params, repeat=repeat, after=after
        )
        return self._apply(edit)

    def wire_instance(
        self,
        node: str,
        slot: str,
        name: str,
        network: str,
        *,
        wires: str | Sequence[str] | Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        repeat: int | None = None,
    ) -> Checked:
        """Add node `name`, a new instance of `network` wired by `wires`, just before `node`,
        and wire `node`'s weight slot `slot` to its output: one step to undo."""
        edit = ops.wire_instance(
            self._view, node, slot, name, network, wires=wires, params=params, repeat=repeat
        )
        return self._apply(edit)

    def rename(self, old: str, new: str) -> Checked:
        """Rename a node or input and every wire, weight reference, output and loss naming it."""
        return self._apply(ops.rename(self._view, old, new))

    def delete_node(self, name: str) -> Checked:
        """Delete a node; wires that named it stay, and the check reports each of them."""
        return self._apply(ops.delete_node(self._view, name))

    def set_block(self, node: str, block: str) -> Checked:
        """Change a node's block in place: its name, wires and the settings `block` takes
        stay, the rest is dropped and `undo_label` says what (compose.document.block_change)."""
        return self._apply(block_change.set_block(self._view, node, block))

    def insert_node(
        self,
        name: str,
        block: str | None = None,
        *,
        into: str,
        port: str | None = None,
        network: str | None = None,
        hypers: Mapping[str, Any] | None = None,
    ) -> Checked:
        """Put node `name` (a `block`, or an instance of `network`) into the wire that feeds
        `port` of node `into` (its only wired port by default): A -> into becomes
        A -> name -> into, one step to undo."""
        edit = insert_edits.insert_node(
            self._view,
            name,
            block,
            into=into,
            port=port,
            network=network,
            hypers=dict(hypers) if hypers else None,
        )
        return self._apply(edit)

    def set_hyper(self, node: str, name: str, value: Any) -> Checked:
        """Set a hyperparameter (None: back to its default), refused by the block's own check;
        on a network instance, set a parameter or `repeat`."""
        return self._apply(ops.set_hyper(self._view, node, name, value))

    def wire(self, node: str, port: str, source: Any) -> Checked:
        """Wire an input port or weight slot to a name (one of `sources(node, port)`), a weight
        slot to an Instance or an Init; None unwires (a weight slot: learned again)."""
        return self._apply(ops.wire(self._view, node, port, source))

    def set_input(self, name: str, shape: Sequence[int]) -> Checked:
        """Add a recipe input, or change its shape."""
        return self._apply(sections.set_input(self._view, name, shape))

    def remove_input(self, name: str) -> Checked:
        """Remove a recipe input; wires that named it are reported."""
        return self._apply(sections.remove_input(self._view, name))

    def set_outputs(self, names: Sequence[str]) -> Checked:
        return self._apply(sections.set_top(self._view, "outputs", list(names)))

    def set_loss(self, name: str | None) -> Checked:
        return self._apply(sections.set_top(self._view, "loss", name))

    def set_name(self, name: str) -> Checked:
        return self._apply(sections.set_top(self._view, "name", name))

    def set_about(self, about: str | None) -> Checked:
        return self._apply(sections.set_top(self._view, "about", about))

    def set_train(self, key: str | Sequence[str], value: Any) -> Checked:
        """Set a train-section key, e.g. ("steps", 100) or ("optimizer.adam.learning_rate",
        0.01); None removes it. The check reports bad values."""
        return self._apply(sections.set_train(self._view, key, value))
