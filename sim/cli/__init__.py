"""The ``readiness`` command: a thin layer over the library.

:mod:`.parser` (the command line), :mod:`.boundary` (``main``, the one place errors become messages and exit
codes), :mod:`.common` (what commands share), and one module per command or group: :mod:`.run`,
:mod:`.validate`, :mod:`.listing` (list, targets), :mod:`.compare`, :mod:`.sweep`, :mod:`.report` (report,
export), :mod:`.sensitivity`, :mod:`.score`. User mistakes exit with code 2 and no traceback.
"""

from .boundary import COMMANDS, main
from .common import EXIT_INTERRUPTED, EXIT_USAGE, Interrupted, UsageError
from .parser import ENGINES, build_parser

__all__ = ["COMMANDS", "ENGINES", "EXIT_INTERRUPTED", "EXIT_USAGE", "Interrupted", "UsageError", "build_parser", "main"]
