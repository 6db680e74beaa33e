"""``python -m synthstudio`` is the ``synthstudio`` command."""

import sys

from synthstudio.cli import main

sys.exit(main())
