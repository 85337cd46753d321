"""The monitoring center's records: KPI snapshots, alert rules and alerts, display tokens."""

from .alerts import *  # noqa: F403
from .health import *  # noqa: F403
from .kpis import *  # noqa: F403
from .screen import *  # noqa: F403
