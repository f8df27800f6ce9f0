"""``python -m healthkg.cli``: the same as the ``healthkg`` command."""

import sys

from healthkg.cli import main

sys.exit(main())
