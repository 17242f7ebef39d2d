"""``python -m yunjin`` is the ``yunjin`` command."""

from yunjin.cli import main

main()
