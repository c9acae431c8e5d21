"""Optimizers and schedules from optax by name, checked against optax's own signatures.

This module is optax's one home: a recipe names any optax optimizer (`adam`, `sgd`,
`adamw`, ...) and any schedule, with keyword arguments the function itself accepts.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Collection, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import optax

from compose.checker.plan import Plan
from compose.recipe.numbers import FLOAT32_MAX, float32_problem, int32_problem, is_number
from compose.recipe.problems import Problem, did_you_mean, shown
from compose.recipe.records import Call, Train

Optimizer = optax.GradientTransformation

_FIRST_VALUE = ("init_value", "peak_value", "value")  # a schedule's start, from learning_rate
# One step moves a weight by about the rate (Adam's step is the rate itself), and a weight's
# square (a penalty, a variance, an mse) must stay inside float32: at most sqrt(3.4e38).
MAX_LEARNING_RATE = FLOAT32_MAX**0.5
MASK_LIKE = "true, false or a mapping of weights to them, like {hidden: {bias: false}}"


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
        elif param is not None and (expected := _value_problem(value, param)):
            out.append(Problem(where, f"{what} '{call.name}': expected {expected}"))
    given = {k for k, _ in call.args} | supplied
    for name, param in params.items():
        required = param.default is param.empty and param.kind not in (
            param.VAR_KEYWORD,
            param.VAR_POSITIONAL,
        )
        if required and name not in given:
            out.append(Problem(call.where, f"{what} '{call.name}': expected '{name}', got nothing"))
    return out


def _kind(param: inspect.Parameter) -> str:
    """What an optax parameter takes, from its annotation and default: "bool", "int" (a
    count of steps), "number" (a float32 scalar), "mask" (true or false per weight) or ""
    (anything else: its numbers are checked, the rest is optax's to judge)."""
    annotation, default, name = param.annotation, param.default, param.name
    if name.endswith("mask"):  # before bool: lars' masks default to true
        return "mask"
    if annotation in (bool, "bool") or isinstance(default, bool):
        return "bool"
    if annotation in (int, "int"):
        return "int"
    numeric = float in typing.get_args(annotation) or annotation in (float, "float")
    if numeric or is_number(default) or name in ("learning_rate", *_FIRST_VALUE):
        return "number"
    return ""


def _value_problem(value: Any, param: inspect.Parameter) -> str:
    """What was expected of `value` for `param` and what was got, or "" if it suits."""
    name, kind = param.name, _kind(param)
    if value is None and param.default is None:
        return ""
    if kind == "bool":
        expected = None if isinstance(value, bool) else "true or false"
    elif kind == "int":
        expected = int32_problem(value)
    elif kind == "number":
        expected = float32_problem(value)
        rate = name in ("learning_rate", *_FIRST_VALUE)
        if expected is None and rate and not 0 <= value <= MAX_LEARNING_RATE:
            expected = f"a number from 0 to {MAX_LEARNING_RATE:.2g}"
    elif kind == "mask":
        expected = None if _is_mask(value) else MASK_LIKE
    else:
        for number in _numbers_in(value):
            check = int32_problem if isinstance(number, int) else float32_problem
            if expected := check(number):
                return f"each number in '{name}' to be {expected}, got {shown(number)}"
        return ""
    return f"'{name}' to be {expected}, got {shown(value)}" if expected else ""


def argument_problem(optimizer: str, arg: str, value: Any) -> str:
    """What optax optimizer `optimizer`'s argument `arg` expects and what it got in
    `value`, or "" if it suits (a population checks each value it varies)."""
    return _value_problem(value, optimizers()[optimizer].parameters[arg])


def _numbers_in(value: Any):
    """Every number in a YAML value, mapping keys included (a schedule's boundaries)."""
    if is_number(value):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _numbers_in(key)
            yield from _numbers_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers_in(item)


def _is_mask(value: Any) -> bool:
    """true, false, or a mapping of names to masks: the form of a mask, before the
    weights it names are known (`mask_problems` checks those)."""
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _is_mask(v) for k, v in value.items())
    return isinstance(value, bool)


def mask_problems(train: Train, plan: Plan) -> list[Problem]:
    """Where the optimizer's masks name weights that `plan` does not learn, or give a
    mapping where a weight is one array."""
    weights = _weight_names(plan)
    opt = train.optimizer
    sig = optimizers().get(opt.name)
    out = []
    for key, value in opt.args if sig else ():
        param = sig.parameters.get(key)
        if param is None or _kind(param) != "mask" or not isinstance(value, Mapping):
            continue
        if problem := _mask_problem(value, weights, ()):
            message = f"optimizer '{opt.name}': expected '{key}' to name the weights, {problem}"
            out.append(Problem(opt.where_of(key), message))
    return out


def _weight_names(plan: Plan) -> dict[str, Any]:
    """The learned weights' names, nested as the model holds them (`weights[node][slot]`,
    a network instance's under its name), each leaf its shape."""
    out: dict[str, Any] = {}
    for w in plan.learned:
        out.setdefault(w.node, {})[w.slot] = w.shape
    for step in plan.steps:
        if step.sub is not None:
            out[step.name] = _weight_names(step.sub)
    return out


def _mask_problem(mask: Mapping, weights: Any, path: tuple[str, ...]) -> str:
    inside = f" in {'.'.join(path)}" if path else ""
    if not isinstance(weights, Mapping):
        return f"got a mapping for '{'.'.join(path)}', which is one array: write true or false"
    for name, value in mask.items():
        if name not in weights:
            hint = did_you_mean(name, weights) or "it holds no weights"
            return f"got '{name}', which names no weight{inside} ({hint})"
        inner = weights[name]
        found = _mask_problem(value, inner, (*path, name)) if isinstance(value, Mapping) else ""
        if found:
            return found
    return ""


def _full_mask(mask: Any, params: Any) -> Any:
    """`mask` (true, false or a partial mapping) as a tree of `params`' shape: what is
    not named keeps true, as optax does with no mask at all."""
    if isinstance(mask, bool):
        return jax.tree_util.tree_map(lambda _: mask, params)
    return {k: _full_mask(mask.get(k, True), v) for k, v in params.items()}


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
    # A tiny parameter (a mask names none of it: all true), traced, never computed: an
    # eager update would compile optax's arithmetic, a third of `compose check`'s time.
    params = {"w": jax.ShapeDtypeStruct((2,), jnp.float32)}
    try:
        optimizer = make(train)
        state = jax.eval_shape(optimizer.init, params)
    except Exception as err:  # optax rejected values it accepts by type
        out.append(Problem(opt.where, f"optimizer '{opt.name}': optax refused the settings: {err}"))
        return out
    try:  # one update: the trainer gives gradients only
        jax.eval_shape(optimizer.update, params, state, params)
    except TypeError as err:
        out.append(
            Problem(
                opt.where,
                f"optimizer '{opt.name}': expected an optimizer that updates from gradients "
                f"alone, got one that needs more ({err})",
            )
        )
    except Exception as err:
        out.append(Problem(opt.where, f"optimizer '{opt.name}': optax refused the settings: {err}"))
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


def make(train: Train, *, inject: Collection[str] = ()) -> Optimizer:
    """The optax transformation the recipe asks for, with gradient clipping first if set.

    The arguments named in `inject` live in its state (optax.inject_hyperparams), so that
    each member of a population can hold its own (see `with_hyperparams`); the others stay
    constants of the program, as in a run of its own (a constant folds into the arithmetic,
    which rounds otherwise than an argument read from the state)."""
    args = dict(train.optimizer.args)
    args["learning_rate"] = learning_rate(train)
    params = optimizers()[train.optimizer.name].parameters
    masks = [k for k, v in args.items() if k in params and _kind(params[k]) == "mask"]
    for key in masks:  # a function of the weights, so a mask may name only some of them
        if args[key] is not None:
            args[key] = functools.partial(_full_mask, args[key])
    factory = getattr(optax, train.optimizer.name)
    if inject:
        static = [k for k in args if k not in inject]  # the masks among them
        opt = optax.inject_hyperparams(factory, static_args=static)(**args)
    else:
        opt = factory(**args)
    if train.clip:
        opt = optax.chain(optax.clip_by_global_norm(train.clip), opt)
    return opt


def with_hyperparams(opt_state: Any, values: dict[str, Any]) -> Any:
    """`opt_state` (of an optimizer made with `inject`) holding `values` for its
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
