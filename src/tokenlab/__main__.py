"""``python -m tokenlab …`` runs the ``tokenlab`` command, for a shell whose PATH lacks the course's environment."""

import sys

from tokenlab.cli import main

sys.exit(main())
