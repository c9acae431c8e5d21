"""Check a recipe before any training code runs: names, order, every shape, every weight.

`check` never raises for a user's mistake: it returns every problem it finds, and when
there are none, the plan the builder executes.
"""

from __future__ import annotations

from compose.checker.block_nodes import check_block
from compose.checker.checked import Checked
from compose.checker.graph_state import GraphState
from compose.checker.instances import check_instance
from compose.checker.limits import expansion_problems, size_problems
from compose.checker.optimizers import mask_problems
from compose.checker.plan import Step
from compose.checker.train_rules import train_problems
from compose.checker.wiring import check_ends, check_refs, execution_order
from compose.recipe.networks import Context
from compose.recipe.problems import Problem
from compose.recipe.records import Node, Recipe

__all__ = ["Checked", "check"]


def check(recipe: Recipe, *, rewrite: bool | None = None) -> Checked:
    """Every problem with the recipe's graph, shapes and train section; the plan if none.

    The stable rewrites apply unless `train.rewrite` is false (or `rewrite` says otherwise)."""
    rewriting = rewrite if rewrite is not None else (recipe.train is None or recipe.train.rewrite)
    graph = GraphState(recipe, Context.of(recipe), rewriting=rewriting)
    too_many = expansion_problems(recipe, graph.context, graph.label)
    if too_many:  # checking it would take minutes: say so before starting
        return Checked(recipe, tuple(dict.fromkeys(recipe.problems + tuple(too_many))))
    steps = _walk(graph)
    # A network used twice reports a problem in its body once.
    problems = tuple(dict.fromkeys(recipe.problems + tuple(graph.problems)))
    unchecked = [n.name for n in recipe.nodes if n.name not in graph.shapes]
    if unchecked and not problems:  # every skipped node must have said why; never crash
        problems = (
            Problem(
                recipe.where,
                f"could not check nodes {', '.join(unchecked)}; "
                "this is a bug in compose, please report it",
            ),
        )
    if problems:
        return Checked(recipe, problems, nodes=tuple(graph.reports))
    plan = graph.plan(steps)
    masks = mask_problems(recipe.train, plan) if recipe.train else []
    if masks:  # the optimizer's masks name weights: only the plan knows them all
        return Checked(recipe, tuple(masks), nodes=tuple(graph.reports))
    too_big = size_problems(plan, recipe, graph.label)
    if too_big:
        return Checked(recipe, tuple(too_big), nodes=tuple(graph.reports))
    return Checked(
        recipe, (), plan, tuple(graph.reports), tuple(graph.rewrites), dict(graph.shapes)
    )


def _walk(graph: GraphState) -> list[Step]:
    """Check one graph (a recipe or a network body): its wiring, then each node in execution
    order, its ends and its train section; the steps of the nodes that pass."""
    check_refs(graph)
    order = execution_order(graph)
    steps = [step for name in order if (step := _node(graph, graph.nodes[name]))]
    check_ends(graph)
    if graph.recipe.train:
        graph.problems.extend(train_problems(graph.recipe, graph.shapes, graph.label))
    return steps


def _node(graph: GraphState, node: Node) -> Step | None:
    if node.use:
        return check_instance(graph, node, walk=_walk)
    return check_block(graph, node)
