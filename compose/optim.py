"""Optimizers and schedules from optax by name, checked against optax's own signatures.

This module is optax's one home: a recipe names any optax optimizer (`adam`, `sgd`,
`adamw`, ...) and any schedule, with keyword arguments the function itself accepts.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import jax
import jax.numpy as jnp
import optax

from compose.problems import Problem, did_you_mean, shown
from compose.recipe import Call, Train

Optimizer = optax.GradientTransformation

_FIRST_VALUE = ("init_value", "peak_value", "value")  # a schedule's start, from learning_rate


@functools.cache
def optimizers() -> dict[str, inspect.Signature]:
    """optax's optimizers: its public functions that take a learning rate."""
    found = {}
    for name in dir(optax):
        fn = getattr(optax, name)
        if name.startswith("_") or not inspect.isfunction(fn) or name.endswith("_schedule"):
            continue
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            continue
        if "learning_rate" in sig.parameters:
            found[name] = sig
    return found


@functools.cache
def schedules() -> dict[str, inspect.Signature]:
    """optax's schedules: functions named `*_schedule`."""
    return {
        name: inspect.signature(getattr(optax, name))
        for name in dir(optax)
        if name.endswith("_schedule") and inspect.isfunction(getattr(optax, name))
    }


def _argument_problems(
    call: Call, sig: inspect.Signature, what: str, supplied: set[str]
) -> list[Problem]:
    params = sig.parameters
    out = []
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    for key, value in call.args:
        where = call.where_of(key)
        param = params.get(key)
        if param is None and not takes_any:
            names = [
                n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
            ]
            out.append(
                Problem(
                    where,
                    f"{what} '{call.name}' takes no argument '{key}'",
                    did_you_mean(str(key), names),
                )
            )
        elif param is not None and not _fits(value, param):
            kind = "true or false" if isinstance(param.default, bool) else "a number"
            out.append(
                Problem(
                    where,
                    f"{what} '{call.name}': expected '{key}' to be {kind}, got {shown(value)}",
                )
            )
    given = {k for k, _ in call.args} | supplied
    for name, param in params.items():
        required = param.default is param.empty and param.kind not in (
            param.VAR_KEYWORD,
            param.VAR_POSITIONAL,
        )
        if required and name not in given:
            out.append(Problem(call.where, f"{what} '{call.name}': expected '{name}', got nothing"))
    return out


def _fits(value: Any, param: inspect.Parameter) -> bool:
    """Whether a YAML value suits a parameter whose default tells its kind."""
    default = param.default
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, (int, float)) or param.name in ("learning_rate",) + _FIRST_VALUE:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return True


def problems(train: Train) -> list[Problem]:
    """Every problem with the optimizer, schedule and clip settings."""
    out = []
    opt = train.optimizer
    sig = optimizers().get(opt.name)
    if sig is None:
        out.append(
            Problem(
                opt.where, f"unknown optimizer '{opt.name}'", did_you_mean(opt.name, optimizers())
            )
        )
    else:
        supplied = {"learning_rate"} if train.schedule else set()
        out += _argument_problems(opt, sig, "optimizer", supplied)
    if train.schedule:
        sched = train.schedule
        ssig = schedules().get(sched.name)
        if ssig is None:
            out.append(
                Problem(
                    sched.where,
                    f"unknown schedule '{sched.name}'",
                    did_you_mean(sched.name, schedules()),
                )
            )
        else:
            supplied = {n for n in _FIRST_VALUE if n in ssig.parameters}
            out += _argument_problems(sched, ssig, "schedule", supplied)
    if out:
        return out
    try:
        optimizer = make(train)
    except Exception as err:  # optax rejected values it accepts by type
        out.append(Problem(opt.where, f"optimizer '{opt.name}': optax refused the settings: {err}"))
        return out
    try:  # one update on a tiny parameter: the trainer gives gradients only
        params = {"w": jnp.zeros(2)}
        optimizer.update(params, optimizer.init(params), params)
    except TypeError as err:
        out.append(
            Problem(
                opt.where,
                f"optimizer '{opt.name}': expected an optimizer that updates from gradients "
                f"alone, got one that needs more ({err})",
            )
        )
    return out


def learning_rate(train: Train) -> Any:
    """The optimizer's learning rate: a number, or the schedule starting from that number."""
    args = dict(train.optimizer.args)
    if not train.schedule:
        return args["learning_rate"]
    sched_args = dict(train.schedule.args)
    params = schedules()[train.schedule.name].parameters
    first = next((n for n in _FIRST_VALUE if n in params), None)
    if first and first not in sched_args and "learning_rate" in args:
        sched_args[first] = args["learning_rate"]
    return getattr(optax, train.schedule.name)(**sched_args)


def make(train: Train, *, inject: bool = False) -> Optimizer:
    """The optax transformation the recipe asks for, with gradient clipping first if set.

    With `inject`, its numeric arguments live in its state (optax.inject_hyperparams), so
    that each member of a population can hold its own (see `with_hyperparams`)."""
    args = dict(train.optimizer.args)
    args["learning_rate"] = learning_rate(train)
    factory = getattr(optax, train.optimizer.name)
    opt = (optax.inject_hyperparams(factory) if inject else factory)(**args)
    if train.clip:
        opt = optax.chain(optax.clip_by_global_norm(train.clip), opt)
    return opt


def with_hyperparams(opt_state: Any, values: dict[str, Any]) -> Any:
    """`opt_state` (of an optimizer made with inject=True) holding `values` for its
    injected hyperparameters, e.g. {"learning_rate": array of one rate per variant}."""

    def put(state):
        if hasattr(state, "hyperparams"):
            return state._replace(hyperparams={**state.hyperparams, **values})
        return state

    return jax.tree_util.tree_map(put, opt_state, is_leaf=lambda s: hasattr(s, "hyperparams"))


def numeric_arguments(name: str) -> list[str]:
    """The arguments of optax optimizer `name` that take a number (what a population may
    vary), learning_rate first."""
    params = optimizers()[name].parameters
    return [
        n
        for n, p in params.items()
        if n == "learning_rate"
        or (isinstance(p.default, (int, float)) and not isinstance(p.default, bool))
    ]
