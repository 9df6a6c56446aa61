"""``python -m sim`` is the same as the ``readiness`` command."""

from .cli import main

raise SystemExit(main())
