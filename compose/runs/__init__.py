"""Run folders: every file in one, checkpoints, the norms log, population folders,
loading a trained run, and training with a folder (resume, init_from)."""
