"""Compiled programs kept for the process: a second session of the same recipe compiles
nothing and trains to the same weights; what differs in the program is compiled anew."""

from pathlib import Path

import jax
import numpy as np

import compose
from compose.runtime import programs
from compose.trainer.session import Session

RECIPES = Path(__file__).parents[2] / "recipes"


def xor(*overrides):
    return compose.load(RECIPES / "xor.yaml", overrides=["train.steps=300", *overrides])


def trained(session: Session) -> list[np.ndarray]:
    return [np.asarray(w) for w in jax.tree_util.tree_leaves(session.run().model.weights)]


def test_a_second_session_of_a_recipe_takes_the_programs_the_first_compiled(monkeypatch):
    first = Session(xor()).prepare()
    compiles = []
    real = programs._compile
    monkeypatch.setattr(programs, "_compile", lambda lowered: compiles.append(1) or real(lowered))
    second = Session(xor()).prepare()
    assert compiles == []  # every length the second session uses was compiled by the first
    assert second.calls._compiled == first.calls._compiled  # the very same programs
    for mine, theirs in zip(trained(second), trained(first), strict=True):
        assert np.array_equal(mine, theirs)


def test_a_recipe_that_differs_gets_its_own_program(monkeypatch):
    Session(xor()).prepare()
    compiles = []
    real = programs._compile
    monkeypatch.setattr(programs, "_compile", lambda lowered: compiles.append(1) or real(lowered))
    Session(xor("train.optimizer.adam.learning_rate=0.1")).prepare()
    assert compiles  # the learning rate is a constant of the program: a new one


def test_at_most_kept_programs_are_kept(monkeypatch):
    monkeypatch.setattr(programs, "KEPT", 1)
    monkeypatch.setattr(programs, "_programs", programs.OrderedDict())
    Session(xor()).prepare()
    kept = Session(xor("train.optimizer.adam.learning_rate=0.1")).prepare().calls._compiled
    assert list(programs._programs.values()) == list(kept.values())  # the newest only


def test_a_plan_differing_only_where_the_program_does_not_look_gets_its_own_program():
    # An initialiser's argument changes the plan (the arguments' structure) but not the
    # training program's text: a program taken for the other plan could not be called.
    Session(xor()).run()
    wider = xor("nodes.hidden.weight={init: normal, stddev: 2.0}")
    result = Session(wider).run()
    assert result.steps == 300 and np.isfinite(result.metrics["loss"])
