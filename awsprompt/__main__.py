"""Allow ``python -m awsprompt``."""

from awsprompt.cli import main

raise SystemExit(main())
