"""``python -m playbook ...`` runs the ``playbook`` command line (see :mod:`playbook.cli`)."""
from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
