"""Reading a recipe's train section into a `Train` record."""

from __future__ import annotations

import json
from functools import partial
from pathlib import PurePosixPath
from typing import Any

from blocks import Hyper
from compose.recipe.data_section import read_data
from compose.recipe.reader import Reader
from compose.recipe.records import CHECKPOINT_SECONDS, Call, EarlyStop, Train

TRAIN_KEYS = (
    "data",
    "batch",
    "steps",
    "epochs",
    "optimizer",
    "schedule",
    "clip",
    "penalty",
    "metrics",
    "validate",
    "log_every",
    "seed",
    "early_stop",
    "checkpoint",
    "devices",
    "init_from",
    "vary",
    "rewrite",
    "log",
)


def parse_train(reader: Reader, value: Any, path: tuple = ("train",)) -> Train | None:
    """The train section at `path`; problems go to the reader."""
    train_reader = _TrainReader(reader.source, reader.params)
    train_reader.problems = reader.problems  # one list, so problems stay in document order
    return train_reader.train(value, path)


def _positive(value: Any) -> str | None:
    return None if value > 0 else "a positive value"


class _TrainReader(Reader):
    def train(self, value: Any, path: tuple) -> Train | None:
        spec = self.mapping(value, path)
        if spec is None:
            return None
        spec = {k: v for k, v in spec.items() if v is not None}  # null unsets a key
        self.known_keys(spec, path, TRAIN_KEYS, "train")
        data = read_data(self, spec.get("data"), path + ("data",))
        optimizer, schedule = self.optimizer(spec, path)
        steps, epochs = self.length(spec, path)
        penalty = self.penalty(spec["penalty"], path + ("penalty",)) if "penalty" in spec else None
        metrics = self.metrics(spec.get("metrics", []), path + ("metrics",))
        validate_every = self.every(spec, "validate", path)
        early_stop = self.early_stop(spec["early_stop"], path) if "early_stop" in spec else None
        checkpoint_every, checkpoint_seconds = self.checkpoint(spec, path)
        devices = self.devices(spec.get("devices", "all"), path + ("devices",))
        init_from = self.init_from(spec.get("init_from"), path + ("init_from",))
        rewrite = self.rewrite(spec.get("rewrite", True), path + ("rewrite",))
        vary = self.vary(spec.get("vary", {}), path + ("vary",))
        tensorboard = self.log(spec.get("log", {}), path + ("log",))
        where = {key: self.at(path + (key,)) for key in spec}
        where["train"] = self.at(path, key=True)
        if tensorboard is not None:
            where["log.tensorboard"] = self.at(path + ("log", "tensorboard"))
        if data is None or optimizer is None:
            return None
        number = partial(self.number, spec, path)
        return Train(
            data=data,
            batch=number("batch", int, 32, _positive) or 32,
            steps=steps,
            epochs=epochs,
            optimizer=optimizer,
            schedule=schedule,
            clip=number("clip", float, None, _positive),
            penalty=penalty,
            metrics=metrics,
            validate_every=validate_every,
            early_stop=early_stop,
            checkpoint_every=checkpoint_every,
            checkpoint_seconds=checkpoint_seconds,
            devices=devices,
            init_from=init_from,
            vary=vary,
            rewrite=rewrite,
            tensorboard=tensorboard,
            log_every=number("log_every", int, None, _positive),
            seed=number("seed", int, 0, lambda v: None if 0 <= v < 2**32 else "0 to 2**32 - 1")
            or 0,
            where=where,
        )

    def number(self, spec: dict, path: tuple, key: str, kind: type, default: Any, check=None):
        """The number at `key`, checked; `default` when the key is absent or null."""
        if spec.get(key) is None:  # absent, or null to unset it (`--set train.steps=null`)
            return default
        return self.typed(spec[key], path + (key,), Hyper(key, kind, check=check))

    def optimizer(self, spec: dict, path: tuple) -> tuple[Call | None, Call | None]:
        """(the optimizer, the learning rate's schedule or None)."""
        optimizer = self.call(
            spec.get("optimizer"),
            path + ("optimizer",),
            "an optimizer like {adam: {learning_rate: 0.01}}",
        )
        schedule = None
        if "schedule" in spec:
            schedule = self.call(
                spec["schedule"],
                path + ("schedule",),
                "a schedule like {cosine_decay_schedule: {decay_steps: 1000}}",
            )
        return optimizer, schedule

    def length(self, spec: dict, path: tuple) -> tuple[int | None, int | None]:
        """(steps, epochs), of which exactly one is given."""
        steps = self.number(spec, path, "steps", int, None, _positive)
        epochs = self.number(spec, path, "epochs", int, None, _positive)
        if (steps is None) == (epochs is None) and not self._failed(path, ("steps", "epochs")):
            self.bad(
                path,
                f"expected one of steps or epochs, got {'both' if steps else 'neither'}",
                key=True,
            )
        return steps, epochs

    def metrics(self, value: Any, path: tuple) -> tuple[str, ...]:
        if not (isinstance(value, list) and all(isinstance(m, str) for m in value)):
            self.expect(path, "a list of metric names like [accuracy]", value)
            return ()
        return tuple(value)

    def init_from(self, value: Any, path: tuple) -> str | None:
        if value is not None and not isinstance(value, str):
            self.expect(path, "the path of a run folder", value)
            return None
        return value

    def rewrite(self, value: Any, path: tuple) -> bool:
        if not isinstance(value, bool):
            self.expect(path, "true or false", value)
            return True
        return value

    def log(self, value: Any, path: tuple) -> str | None:
        """The folder of `log: {tensorboard: DIR}`: relative to the run folder and inside it
        (a recipe from anyone writes nowhere else), "." the run folder itself."""
        spec = self.mapping(value, path, "{tensorboard: DIR}") or {}
        self.known_keys(spec, path, ("tensorboard",), "log")
        folder = spec.get("tensorboard")
        if folder is None:
            return None
        at = path + ("tensorboard",)
        if not isinstance(folder, str) or not folder.strip() or "\0" in folder:
            self.expect(
                at, "a folder inside the run folder, relative to it, like tensorboard", folder
            )
            return None
        if PurePosixPath(folder).is_absolute() or ".." in PurePosixPath(folder).parts:
            shown = json.dumps(folder)
            self.bad(at, f"expected a folder inside the run folder, relative to it, got {shown}, "
                     "which leads outside it")  # fmt: skip
            return None
        return folder

    def every(self, spec: dict, key: str, path: tuple) -> int | None:
        """N of `key: {every: N}`, or None when the key is absent."""
        if key not in spec:
            return None
        value = self.mapping(spec[key], path + (key,), "{every: N}") or {}
        self.known_keys(value, path + (key,), ("every",), key)
        return self.typed(
            value.get("every"), path + (key, "every"), Hyper("every", int, check=_positive)
        )

    def checkpoint(self, spec: dict, path: tuple) -> tuple[int | None, float]:
        """(every, seconds) of `checkpoint: {every: N, seconds: S}`: a checkpoint at each
        multiple of N steps, at most one every S seconds (default CHECKPOINT_SECONDS)."""
        if "checkpoint" not in spec:
            return None, CHECKPOINT_SECONDS
        at = path + ("checkpoint",)
        value = self.mapping(spec["checkpoint"], at, "{every: N}") or {}
        self.known_keys(value, at, ("every", "seconds"), "checkpoint")
        every = self.typed(
            value.get("every"), at + ("every",), Hyper("every", int, check=_positive)
        )
        seconds = self.typed(
            value.get("seconds", CHECKPOINT_SECONDS),
            at + ("seconds",),
            Hyper("seconds", float, check=lambda v: None if v >= 0 else "at least 0"),
        )
        return every, CHECKPOINT_SECONDS if seconds is None else seconds

    def early_stop(self, value: Any, path: tuple) -> EarlyStop | None:
        """`{metric: val_loss, patience: 10, min_delta: 0.0, mode: min}`; mode follows the
        metric (min for losses and errors, max for accuracies) unless given."""
        path = path + ("early_stop",)
        spec = self.mapping(value, path, "{metric: val_loss, patience: 10}")
        if spec is None:
            return None
        self.known_keys(spec, path, ("metric", "patience", "min_delta", "mode"), "early_stop")
        metric = spec.get("metric", "val_loss")
        if not isinstance(metric, str):
            self.expect(path + ("metric",), "a metric name like val_loss", metric)
            return None
        patience = self.typed(
            spec.get("patience", 10), path + ("patience",), Hyper("patience", int, check=_positive)
        )
        min_delta = self.typed(
            spec.get("min_delta", 0.0),
            path + ("min_delta",),
            Hyper("min_delta", float, check=lambda v: None if v >= 0 else "a value >= 0"),
        )
        mode = spec.get("mode", "max" if metric.endswith("accuracy") else "min")
        if mode not in ("min", "max"):
            self.expect(path + ("mode",), "min or max", mode)
            return None
        if patience is None or min_delta is None:
            return None
        return EarlyStop(metric, patience, mode, min_delta)

    def vary(self, value: Any, path: tuple) -> tuple[tuple[str, tuple], ...]:
        """`{seed: [0, 1, 2], optimizer.adam.learning_rate: [0.01, 0.05]}`: each setting
        and its values; which settings may vary is checked with the optimizer (population)."""
        spec = self.mapping(value, path, "{seed: [0, 1, 2]}")
        out = []
        for key, values in (spec or {}).items():
            numbers = (
                isinstance(values, list)
                and values
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
            )
            if not isinstance(key, str) or not numbers:
                self.expect(path + (key,), "a list of numbers like [0, 1, 2]", values)
                continue
            out.append((key, tuple(values)))
        return tuple(out)

    def devices(self, value: Any, path: tuple) -> int | None:
        """None for `all`, else a positive count."""
        if value == "all":
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        self.expect(path, "all or a positive number of devices", value)
        return None

    def _failed(self, path: tuple, keys: tuple[str, ...]) -> bool:
        """Whether a problem was already reported at one of these keys."""
        places = {self.at(path + (k,)).path for k in keys}
        return any(p.where.path in places for p in self.problems)

    def call(self, value: Any, path: tuple, expected: str, *, name_key: str = "") -> Call | None:
        """`{name: {args}}`, or with `name_key`, `{name_key: name, arg: ...}`."""
        if isinstance(value, dict) and name_key and name_key in value:
            name = value[name_key]
            args = {k: v for k, v in value.items() if k != name_key}
            if isinstance(name, str):
                where = {k: self.at(path + (k,), key=True) for k in args}
                return Call(name, tuple(args.items()), self.at(path + (name_key,)), where)
        elif isinstance(value, dict) and len(value) == 1:
            ((name, args),) = value.items()
            args = {} if args is None else args
            if isinstance(name, str) and isinstance(args, dict):
                where = {k: self.at(path + (name, k), key=True) for k in args}
                return Call(name, tuple(args.items()), self.at(path + (name,), key=True), where)
        elif isinstance(value, str) and not name_key:
            return Call(value, (), self.at(path))
        self.expect(path, expected, value)
        return None

    def penalty(self, value: Any, path: tuple) -> tuple[str, float] | None:
        spec = self.mapping(value, path, "a penalty like {l2: 1.0e-4}")
        if spec is None:
            return None
        if len(spec) != 1 or next(iter(spec)) not in ("l1", "l2"):
            self.expect(path, "one of {l1: coefficient} or {l2: coefficient}", spec)
            return None
        ((norm, coef),) = spec.items()
        coef = self.typed(
            coef,
            path + (norm,),
            Hyper(norm, float, check=lambda v: None if v >= 0 else "a coefficient >= 0"),
        )
        return None if coef is None else (norm, coef)
