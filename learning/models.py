"""Every domain's models, imported so that `Base.metadata` is complete (Alembic, tests)."""

from learning.auth.models import User
from learning.db import Base
from learning.org.models import Unit, UnitClosure

__all__ = ["Base", "Unit", "UnitClosure", "User"]
