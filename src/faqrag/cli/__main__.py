"""``python -m faqrag.cli``: the same as the ``faqrag`` command."""

import sys

from faqrag.cli.main import main

sys.exit(main())
