"""`python -m hacore` runs the command line."""

from hacore.cli import main

raise SystemExit(main())
