"""``python -m tooling.embedded_postgres start|stop|status [data_dir]``."""

import sys

from .cli import main

sys.exit(main())
