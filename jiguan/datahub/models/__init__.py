"""The data governance center's records. Operational records live here, in the Django database; the
published rows of store datasets live in the analytical store (``jiguan.datahub.store``)."""

from .catalog import *  # noqa: F403
from .quality import *  # noqa: F403
from .reporting import *  # noqa: F403
from .runs import *  # noqa: F403
