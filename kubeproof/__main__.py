"""``python -m kubeproof``."""

import sys

from kubeproof.cli import main

sys.exit(main())
