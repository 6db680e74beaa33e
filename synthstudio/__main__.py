"""``python -m synthstudio`` is the ``synthstudio`` command."""

import sys

from synthstudio.cli import main

if __name__ == "__main__":  # not when a process is spawned (export's reader process)
    sys.exit(main())
