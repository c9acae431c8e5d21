"""The blobs classifier of tests/compose/csv_runs.py trained once for the session, read by
test_predict.py and test_evaluate.py (each module asks for it by its own fixture): the
same recipe on the same rows gives the same run, so one training serves both. Its folder
is read-only to its readers; what they write goes to their own tmp_path."""

from tests.compose.csv_runs import train_blobs

_made: dict = {}  # the session's one run, made by the first module that asks


def blobs_once(tmp_path_factory) -> dict:
    """train_blobs() in a folder of this session, the first time only."""
    if "blobs" not in _made:
        _made["blobs"] = train_blobs(tmp_path_factory.mktemp("blobs"))
    return _made["blobs"]
