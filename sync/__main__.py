"""Entry point: ``python -m sync <command>`` (see ``sync.cli``)."""

import sys

from sync.cli import main

sys.exit(main())
