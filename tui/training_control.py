"""Steering training from the editor: start a run, pause, step, resume and stop it, and show
what its listeners report (tui/training.py) as it comes.

The run is `compose.train`'s own, in a process of its own (tui/training_process.py), so
the editor's thread never waits on training; a thread of the app's reads what the run's
listeners say and hands it to the app's thread by `call_from_thread`, and
`TrainingController` hands it to the widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError
from pathlib import Path
from typing import TYPE_CHECKING, Any

import compose
from tui.graph import GraphView
from tui.health import Look, NodeReport, RunHealth
from tui.inspector import Inspector
from tui.plane import Pictures
from tui.training import TrainPanel, failure_note, paused_text
from tui.training_process import RemoteRun

if TYPE_CHECKING:
    from tui.app import EditorApp


class TrainingController:
    """One training run at a time from the editor: launched by `start`, steered by the
    keys while it runs, and shown as it reports (the curves, each node's health, where it
    stopped or paused on a value that was not finite)."""

    def __init__(self, app: EditorApp) -> None:
        self.app = app
        self.session: Any = None  # the training session, while one runs
        self.training = False
        self.folder: Path | None = None  # the run folder of the last training run
        self.last_run = RunHealth()  # each node's health, and where training failed
        self._asked: set[str] = set()  # pause/stop asked before the session was ready
        self._remote: RemoteRun | None = None  # the run's process, once started
        self._tries = 0  # times the step paused on was refused

    def actions(self) -> dict[str, Callable[[], None]]:
        """The actions by the names the bindings give them (`train('pause')`)."""
        return {"start": self.start, "pause": self.pause, "step": self.step, "stop": self.stop}

    # -- what the screen shows of it -------------------------------------------------------

    def report(self, name: str | None) -> NodeReport | None:
        """What the inspector shows of box `name`'s health."""
        return self.last_run.report(name, paused=self.training)

    def note(self) -> str:
        """The status line's words on a failure, said until the next edit or run."""
        failure = self.last_run.failure
        return "" if failure is None else failure_note(failure, paused=self.training)

    def edited(self) -> None:
        """The recipe was edited: a finished run's health described the recipe before."""
        if not self.training:
            self.last_run.look, self.last_run.failure = None, None

    # -- launching ---------------------------------------------------------------------------

    def start(self) -> None:
        """Train the recipe as `compose run` would, into its run folder, in a worker
        thread; while training, resume a paused run."""
        app = self.app
        if self.training:
            if self.session is not None and self.session.paused:
                self._unpause()
            else:
                app.notify("training is already running: space pauses, x stops")
            return
        if app.doc is None or app.scene.problems:
            app.update_status("cannot train: fix the recipe's problems first")
            app.action_tab("problems")
            return
        checked, why = checked_for_training(app.doc, str(app.doc.path or app.path), app.overrides)
        if checked is None:
            app.update_status(f"cannot train: {why}")
            return
        metrics = checked.recipe.train.metrics
        panel = app.query_one(TrainPanel)
        # The run folder `compose run` would write (--out, else runs/NAME-DATE-TIME here)
        asked = panel.setting("folder").strip()
        folder = Path(asked) if asked else compose.default_dir(checked.recipe.name)
        self.folder = folder
        panel.reset(metrics[0] if metrics else None)
        panel.status(f"preparing: data, model, compiling... (run folder {folder})")
        app.show_tab("train")
        self.training, self._asked = True, set()
        self.last_run = RunHealth()
        app.query_one(GraphView).set_health({})
        app.run_worker(
            lambda: self._relay(checked, folder),
            thread=True,
            group="training",
            exit_on_error=False,
        )

    def _relay(self, checked: Any, folder: Path) -> None:
        """In a thread of the app's: start the run's process and hand each of its events to
        the app's thread until the run ends (or the app closes: then stop the run)."""
        try:
            remote = RemoteRun(checked, folder)
        except Exception as err:  # the process could not start: say so, never raise
            self._tell(self.failed, f"could not start training: {type(err).__name__}: {err}")
            return
        self._tell(self._launched, remote)
        hearing = {
            "started": self._started,
            "logged": self.logged,
            "health": self.health,
            "failure": self._failure_said,
            "held": self.held,
            "pictures": self.pictures,
            "finished": self.finished,
            "failed": self.failed,
        }
        try:
            for name, args in remote.heard():
                if name in hearing and not self._tell(hearing[name], *args):
                    return
        finally:  # ended, or nobody to tell: the child stops and is waited for
            remote.close()

    def _launched(self, remote: RemoteRun) -> None:
        """The run's process has started: send it what was asked meanwhile (applied before
        its first step)."""
        self._remote = remote
        if "pause" in self._asked:
            remote.pause()
        if "stop" in self._asked:
            remote.stop()

    def _started(self, total: int) -> None:
        """The session is prepared: steer it from now on."""
        self.session = self._remote
        self.started(total)

    def _tell(self, callback: Callable[..., None], *args: Any) -> bool:
        """From another thread: run `callback(*args)` on the app's; False if the app has
        closed meanwhile (nobody to tell)."""
        try:
            self.app.call_from_thread(callback, *args)
        except (RuntimeError, CancelledError):  # the app's loop has closed, or is closing
            return False
        return True

    # -- what the run reports, on the app's thread -------------------------------------------

    def started(self, total: int) -> None:
        paused = self.session is not None and self.session.paused
        self.app.query_one(TrainPanel).status(
            f"training {total} steps into {self.folder}"
            + (": paused (n steps, space resumes)" if paused else "")
        )
        self.app.update_status(f"training into {self.folder}")

    def logged(self, records: list[dict], total: int) -> None:
        self.app.query_one(TrainPanel).logged(records, total)
        if self.last_run.failure is not None:
            self._say_paused_on_failure()
        elif self.session is not None and self.session.paused:
            self.app.query_one(TrainPanel).status(f"paused at step {records[-1]['step']}/{total}")

    def held(self, step: int, total: int) -> None:
        """The run holds at `step` (paused, or after one step): say so."""
        if self.session is not None and self.session.paused:
            self.app.query_one(TrainPanel).status(f"paused at step {step}/{total}")

    def _failure_said(self, failure: Any) -> None:
        """The session held on `failure` (a step not finite, refused again each time it is
        tried), or, with None, the refused step went through after all."""
        if failure is not None and failure is not self.last_run.failure:
            self._paused_on(failure)
        elif failure is None and self.last_run.failure is not None:
            self._went_through()

    def _paused_on(self, failure: Any) -> None:
        """The session paused on `failure`: select and mark its node, say what happened
        and what the keys do, and look at the refused step's batch (off this thread)."""
        self._tries += 1
        self._show_failure(failure)
        self._say_paused_on_failure()
        self.app.update_status()
        if self.session is not None:
            self.session.catch_up()

    def _went_through(self) -> None:
        """The step the session paused on went through when tried again: training goes on."""
        self.last_run.failure, self._tries = None, 0
        graph = self.app.query_one(GraphView)
        graph.set_health(graph.states, None)
        self.app.update_status("the refused step went through: training goes on")

    def _show_failure(self, failure: Any) -> None:
        """Keep `failure`, draw its node on red and select it, and show its report."""
        self.last_run.failure = failure
        graph = self.app.query_one(GraphView)
        box = self.last_run.failed_box(self.app.scene)
        graph.set_health(graph.states, box)
        if box is not None:
            graph.select(box)
        self.app.query_one(Inspector).show_health(self.report(graph.selected))

    def _say_paused_on_failure(self) -> None:
        total = self.session.total if self.session is not None else 0
        text = paused_text(self.last_run.failure, total, tries=self._tries)
        self.app.query_one(TrainPanel).status(text, "red")

    def health(self, looks: list[Look]) -> None:
        """Looks at every node's health (the newest last): add them to each node's history,
        and show the newest: colour the boxes, fill the table, and show the selected node's
        numbers, history and histograms."""
        look = self.last_run.add(looks)
        graph = self.app.query_one(GraphView)
        graph.set_health(self.last_run.states(), graph.failed)
        self.app.query_one(TrainPanel).health(look)
        if self.app.tab_shown("node"):  # else when it is shown
            self.app.query_one(Inspector).show_health(self.report(graph.selected))

    def pictures(self, pictures: Pictures | None) -> None:
        self.app.query_one(TrainPanel).pictures(pictures)

    def finished(self, metrics: dict, stopped: str, steps: int, failure: Any = None) -> None:
        self._end()
        self.app.query_one(TrainPanel).finished(metrics, stopped, steps, self.folder)
        if failure is not None:
            self._show_failure(failure)
            self.app.update_status()
            return
        shown = "  ".join(
            f"{k} {compose.number(v, '.4f')}"
            for k, v in metrics.items()
            if not k.startswith("val_")
        )
        self.app.update_status(f"trained: {shown}  run folder {self.folder}")

    def failed(self, message: str) -> None:
        self._end()
        self.app.query_one(TrainPanel).status(message, "red")
        self.app.update_status("training failed")

    def _end(self) -> None:
        """Training has ended: nothing to steer."""
        self.training, self.session, self._remote = False, None, None

    # -- steering, from the keys -------------------------------------------------------------

    def pause(self) -> None:
        """Pause the run, or resume it if paused."""
        if not self.training:
            self.app.notify("nothing is training: t starts")
            return
        if self.session is None:  # not prepared yet: applied before the first step
            if self._remote is None:
                self._asked ^= {"pause"}
            elif self._remote.paused:
                self._remote.unpause()
            else:
                self._remote.pause()
            return
        if self.session.paused:
            self._unpause()
        else:
            self.session.pause()
            self.app.query_one(TrainPanel).status(f"pausing at step {self.session.step}...")

    def _unpause(self) -> None:
        self.session.unpause()
        said = "resumed" if self.last_run.failure is None else self._trying_again()
        self.app.query_one(TrainPanel).status(said)

    def _trying_again(self) -> str:
        """Say that the refused step is being tried again (it will most likely be refused
        again, and the session pause again)."""
        said = f"trying step {self.last_run.failure.step} again..."
        self.app.update_status(said)
        return said

    def step(self) -> None:
        """Take one step, pausing the run first if it is running."""
        if self.session is None:
            self.app.notify("step works while training is paused: t trains, space pauses")
            return
        if not self.session.paused:
            self.session.pause()
        self.session.step_once()
        if self.last_run.failure is not None:
            self.app.query_one(TrainPanel).status(self._trying_again())

    def stop(self) -> None:
        """Stop training; stopped on a failure, the run ends as `compose run` ends it (its
        run folder says the failure), with the last good weights."""
        if self.session is not None:
            failure = self.session.failure
            self.session.stop(failure.message if failure is not None else "stopped")
        elif self._remote is not None:
            self._remote.stop()
        elif self.training:
            self._asked.add("stop")

    def close(self) -> None:
        """The editor is closing: stop the run and wait for its process to write the run
        folder, or have it stop once it has started."""
        if self._remote is not None:
            self._remote.close()
        self._asked.add("stop")


def checked_for_training(doc: Any, file: str, overrides: Sequence[str]) -> tuple[Any, str]:
    """The checked recipe to train: document `doc` (read from `file`) as it is now, with
    `overrides` applied; or None and why not."""
    checked = doc.checked
    if overrides:
        try:
            checked = compose.check(compose.loads(doc.text, file=file, overrides=overrides))
        except compose.RecipeError as err:
            return None, str(err.problems[0])
        if checked.problems:
            return None, str(checked.problems[0])
    if checked.recipe.train is None:
        return None, "the recipe has no train section (c sets it)"
    return checked, ""
