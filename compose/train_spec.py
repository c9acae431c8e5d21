"""Reading a recipe's train section into a `Train` record."""

from __future__ import annotations

from typing import Any

from blocks import Hyper
from compose.reader import Reader
from compose.recipe import Call, Train

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
)
NOT_YET = {key: f"'{key}' is not supported yet" for key in ("early_stop", "checkpoint", "devices")}


def parse_train(reader: Reader, value: Any, path: tuple = ("train",)) -> Train | None:
    """The train section at `path`; problems go to the reader."""
    train_reader = _TrainReader(reader.source, reader.params)
    train_reader.problems = reader.problems  # one list, so problems stay in document order
    return train_reader.train(value, path)


class _TrainReader(Reader):
    def train(self, value: Any, path: tuple) -> Train | None:
        spec = self.mapping(value, path)
        if spec is None:
            return None
        spec = {k: v for k, v in spec.items() if v is not None}  # null unsets a key
        self.known_keys(spec, path, TRAIN_KEYS, "train", NOT_YET)

        def number(key: str, kind: type, default: Any, check=None) -> Any:
            if spec.get(key) is None:  # absent, or null to unset it (`--set train.steps=null`)
                return default
            return self.typed(spec[key], path + (key,), Hyper(key, kind, check=check))

        positive = lambda v: None if v > 0 else "a positive value"  # noqa: E731
        data = self.call(
            spec.get("data"),
            path + ("data",),
            "a data source like {dataset: xor}",
            name_key="dataset",
        )
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
        steps = number("steps", int, None, positive)
        epochs = number("epochs", int, None, positive)
        if (steps is None) == (epochs is None) and not self._failed(path, ("steps", "epochs")):
            self.bad(
                path,
                f"expected one of steps or epochs, got {'both' if steps else 'neither'}",
                key=True,
            )
        penalty = None
        if "penalty" in spec:
            penalty = self.penalty(spec["penalty"], path + ("penalty",))
        metrics = spec.get("metrics", [])
        if not (isinstance(metrics, list) and all(isinstance(m, str) for m in metrics)):
            self.expect(path + ("metrics",), "a list of metric names like [accuracy]", metrics)
            metrics = []
        validate_every = None
        if "validate" in spec:
            validate = self.mapping(spec["validate"], path + ("validate",), "{every: N}") or {}
            self.known_keys(validate, path + ("validate",), ("every",), "validate")
            validate_every = self.typed(
                validate.get("every"),
                path + ("validate", "every"),
                Hyper("every", int, check=positive),
            )
        where = {key: self.at(path + (key,)) for key in spec}
        where["train"] = self.at(path, key=True)
        if data is None or optimizer is None:
            return None
        return Train(
            data=data,
            batch=number("batch", int, 32, positive) or 32,
            steps=steps,
            epochs=epochs,
            optimizer=optimizer,
            schedule=schedule,
            clip=number("clip", float, None, positive),
            penalty=penalty,
            metrics=tuple(metrics),
            validate_every=validate_every,
            log_every=number("log_every", int, None, positive),
            seed=number("seed", int, 0, lambda v: None if 0 <= v < 2**32 else "0 to 2**32 - 1")
            or 0,
            where=where,
        )

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
