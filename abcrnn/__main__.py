"""``python -m abcrnn`` runs the command line."""

from abcrnn.cli import main

main()
