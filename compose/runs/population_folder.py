"""A population's run folder: the population's own files, and one run folder per variant.

recipe.yaml, summary.json, metrics.jsonl   the population: at each log point the mean
                                           over the variants still training then, and
                                           the distribution in the summary
checkpoint.ckpt                            every variant's state (compose.runs.checkpoint;
                                           resume_population reads it back)
variants/NAME/                             each variant as a run folder of its own
                                           (its recipe with its seed and settings
                                           written in), so load_run, compose plot and
                                           compose inspect read it like any run; its
                                           metrics.jsonl ends where it stopped
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compose.recipe.problems import Problem, RecipeError, Where
from compose.recipe.source import dump_text
from compose.runs.checkpoint import CheckpointError, latest, serialised
from compose.runs.folder import keep_up_to, refuse_unless_new
from compose.runs.names import CHECKPOINT, METRICS, RECIPE, SUMMARY, VARIANTS, WEIGHTS
from compose.runs.seal import seal
from compose.runtime.files import make_folder, open_append, to_json, write_atomic
from compose.trainer.listener import Listener

if TYPE_CHECKING:
    from compose.checker.plan import Plan
    from compose.trainer.population import Population, Variant
    from compose.trainer.session import Result


def folder_name(variant: Variant) -> str:
    """A variant's folder: its name with anything unsafe for a file name replaced."""
    return re.sub(r"[^A-Za-z0-9_.=,-]+", "_", variant.name)


class PopulationFolder(Listener):
    """Writes a population's folder (see the module's docstring). `document` is the
    resolved recipe as plain data; each variant's copy gets its settings written in.
    resume: the folder is this population's, being continued; metrics logged after the
    checkpoint it resumes from are dropped."""

    def __init__(self, path: str | Path, document: dict[str, Any], *, resume: bool = False):
        self.path = Path(path)
        self.document = document
        if not resume:
            refuse_unless_new(self.path)

    def started(self, session: Population) -> None:
        make_folder(self.path)
        write_atomic(self.path / RECIPE, dump_text(self.document).encode())
        keep_up_to(self.path / METRICS, session.step)
        self._metrics = open_append(self.path / METRICS)
        self._own: dict[str, Any] = {}
        plan = session.checked.plan
        for variant in session.variants:
            folder = make_folder(self.path, VARIANTS, folder_name(variant))  # never a link
            text = dump_text(variant_document(self.document, variant, plan))
            write_atomic(folder / RECIPE, text.encode())
            keep_up_to(folder / METRICS, session.step)
            self._own[variant.name] = open_append(folder / METRICS)
        self._summary(session, "running")

    def logged(self, session: Population, record: dict[str, Any]) -> None:
        self._summary(session, "running")
        means = {k: v for k, v in record.items() if k != "variants"}
        self._metrics.write((to_json(means) + "\n").encode())
        self._metrics.flush()
        for name, values in record["variants"].items():
            if "stopped_at" in values:  # it takes no more steps: its log ends where it stopped
                continue
            own = {"step": record["step"], **values, "seconds": record["seconds"]}
            self._own[name].write((to_json(own) + "\n").encode())
            self._own[name].flush()

    def finished(self, session: Population, result: Result) -> None:
        for variant in session.variants:
            folder = self.path / VARIANTS / folder_name(variant)
            own = session.results[variant.name]
            write_atomic(folder / WEIGHTS, seal(serialised(own.model)))
            summary = {"status": own.status, "steps": own.steps, "of": session.total}
            summary.update(seconds=own.seconds, metrics=own.metrics)
            if own.stopped:
                summary["stopped"] = own.stopped
            if own.best_step is not None:
                summary["best_step"] = own.best_step
            if own.failure:
                summary["failure"] = {"step": own.failure.step, "node": own.failure.node}
            write_atomic(folder / SUMMARY, (to_json(summary, indent=2) + "\n").encode())
            self._own[variant.name].close()
        self._summary(session, result.status, result)
        self._metrics.close()

    def _summary(self, session: Population, status: str, result: Result | None = None) -> None:
        summary: dict[str, Any] = {"status": status, "steps": session.step, "of": session.total}
        summary["seconds"] = session.seconds
        summary["variants"] = {
            v.name: {"folder": f"{VARIANTS}/{folder_name(v)}", "settings": dict(v.settings)}
            for v in session.variants
        }
        if result is not None:
            summary["metrics"] = result.metrics
            summary["notes"] = list(result.notes)
            for name, own in session.results.items():
                summary["variants"][name].update(status=own.status, steps=own.steps)
                summary["variants"][name]["metrics"] = own.metrics
            if result.stopped:
                summary["stopped"] = result.stopped
        write_atomic(self.path / SUMMARY, (to_json(summary, indent=2) + "\n").encode())


def variant_document(
    document: dict[str, Any], variant: Variant, plan: Plan | None = None
) -> dict[str, Any]:
    """The recipe document with the variant's settings written in (compose.checker.variants names
    the keys); `plan` says which initialiser a weight the document leaves out starts from."""
    out = copy.deepcopy(document)
    train = out.setdefault("train", {})
    train.pop("vary", None)
    for key, value in variant.settings:
        parts = key.split(".")
        if parts[0] == "seed":
            train["seed"] = value
        elif parts[0] == "penalty":
            train["penalty"] = {parts[1]: value}
        elif parts[0] == "optimizer":
            optimizer = train.setdefault("optimizer", {})
            args = optimizer.setdefault(parts[1], {}) or {}
            optimizer[parts[1]] = {**args, parts[2]: value}
        elif len(parts) == 3:  # nodes.NODE.HYPERPARAMETER
            out["nodes"][parts[1]][parts[2]] = value
        else:  # nodes.NODE.WEIGHT.ARGUMENT
            node = out["nodes"][parts[1]]
            weight = node.get(parts[2])
            if not (isinstance(weight, dict) and "init" in weight):
                learned = next(w for w in plan.learned if (w.node, w.slot) == tuple(parts[1:3]))
                weight = {"init": learned.init, **dict(learned.init_args)}
            node[parts[2]] = {**weight, parts[3]: value}
    return out


def resume_population(folder: str | Path) -> Callable[[Any], tuple]:
    """What `Population.prepare(resume=...)` reads: the folder's newest whole checkpoint,
    as compose.runs.checkpoint.resume_from reads a run's. A whole one whose arrays do not
    fit the population (its recipe is the folder's: an earlier version of the population
    trainer laid its optimizer state out otherwise) is a located problem saying so."""
    folder = Path(folder)

    def read(skeleton: Any) -> tuple:
        whole = []  # the headers of the checkpoints whose checksum and header were good

        def made(header: dict[str, Any]) -> Any:
            whole.append(header)
            return skeleton(header) if callable(skeleton) else skeleton

        try:
            return latest(folder, made)
        except CheckpointError:
            if not whole:
                raise
            hint = (
                "its variants' folders still load for compose inspect and compose plot; to "
                f"train again, start a new population from {folder / RECIPE}"
            )
            problem = Problem(Where(str(folder / CHECKPOINT)), EARLIER_LAYOUT, hint)
            raise RecipeError([problem]) from None

    return read


EARLIER_LAYOUT = (
    "expected the variants' weights and optimizer state as this version of the population "
    "trainer keeps them, got arrays of other shapes: the checkpoint was written by an "
    "earlier version and cannot be resumed"
)
