"""`python -m trustlint`."""

from trustlint.cli import main

raise SystemExit(main())
