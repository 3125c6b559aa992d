"""All SQLModel tables, imported so that SQLModel.metadata (and Alembic) knows every one."""

from service.models import base  # noqa: F401  (naming convention first)
from service.models import organisations  # noqa: F401
from service.models import keys  # noqa: F401
from service.models import masterdata  # noqa: F401
from service.models import invoices  # noqa: F401
from service.models import matching  # noqa: F401
from service.models import erp  # noqa: F401
from service.models import workspace  # noqa: F401
from service.models import approvals  # noqa: F401
from service.models import handovers  # noqa: F401
from service.models import caches  # noqa: F401
