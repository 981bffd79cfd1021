"""``python -m alvh_core.cli ...`` is ``alvh ...``."""
from alvh_core.cli import main

raise SystemExit(main())
