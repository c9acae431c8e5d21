"""Run folders: every file in one, checkpoints, the norms log, population folders, reading
a folder from anywhere (checked as it is read), loading a trained run, and training with
a folder (resume, init_from)."""
