"""`python -m compose.cli.main ...`: the same as the `compose` command."""

from compose.cli.main import main_exit

main_exit()
