"""``python -m abcrnn`` runs the command line."""

from abcrnn.cli import main

if __name__ == "__main__":  # not when a worker process imports this module
    main()
