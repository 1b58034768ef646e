"""``python -m engagecore`` runs the ``engage`` command line."""

from engagecore.cli import main

if __name__ == "__main__":
    main()
