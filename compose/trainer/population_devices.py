"""A population's variants spread over the devices: each device trains its share.

On several devices a population splits its axis of variants over the mesh (compose.runtime.
devices.Spread) rather than each step's batch: the variants are independent, so each
device steps its own with no communication but the data it reads, which every device
holds. The variants must split evenly. When the train section names the devices
(`train.devices: 4`), a count that does not divide the variants is a located problem; with
`train.devices: all` (the default) the population takes the most devices that divide its
variants, and says so when that is not all of them. Over several hosts a population keeps
splitting each step's batch (every host then holds every variant, which is what host 0
writes to the run folder).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import jax

from compose.recipe.problems import Problem, RecipeError
from compose.runtime.devices import Placement, Spread, available

if TYPE_CHECKING:
    from compose.trainer.session import Session


def spread(session: Session, trainee) -> Placement:
    """The placement of a population (`trainee`, compose.trainer.population.Variants) on
    the session's devices, made the session data's (its arrays placed on the devices
    used); a count of devices asked for that does not divide the variants raises a
    RecipeError."""
    data, variants = session.data, len(trainee.variants)
    count = data.placement.count
    if count == 1 or jax.process_count() > 1:
        return data.placement
    used = devices_for(variants, count, data.spec.devices, session.warnings, data.spec.where)
    placement = Spread(used)
    session.data = replace(
        data,
        placement=placement,
        arrays=placement.replicated(data.arrays),
        eval_sets={part: placement.replicated(a) for part, a in data.eval_sets.items()},
    )
    return placement


def devices_for(variants: int, count: int, asked: int | None, warnings: list, where) -> int:
    """How many of `count` devices train `variants` variants: `count` when it divides them;
    else, asked for by number, a problem (naming the counts of the devices JAX sees that
    would do); else (all asked) the most that divide them, said in `warnings`."""
    if variants % count == 0:
        return count
    fits = [n for n in range(1, available() + 1) if variants % n == 0]
    if asked is not None:
        message = f"expected devices that the {variants} variants split over evenly, got {count}"
        hint = f"use {_listed(fits)} devices, or vary a multiple of {count} settings"
        raise RecipeError([Problem(where.get("devices", where["train"]), message, hint)])
    warnings.append(
        f"the {variants} variants train on {fits[-1]} of the {count} devices (each device "
        f"trains an equal share); vary a multiple of {count} settings to use them all"
    )
    return fits[-1]


def _listed(counts: list[int]) -> str:
    """1, 2 or 3."""
    words = [str(n) for n in counts]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
