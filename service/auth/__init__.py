"""Authentication and roles: API keys for systems, users with passwords for clerks.

:mod:`service.auth.store` keeps users, web sessions and keys (framework-free);
:mod:`service.auth.guard` checks every request. ``current_principal()`` is who is asking.
"""

from service.auth.guard import admin_required, current_principal
from service.auth.store import AuthError, AuthStore, Principal
from service.db.auth import ADMIN, CLERK, ROLES

__all__ = ["ADMIN", "CLERK", "ROLES", "AuthError", "AuthStore", "Principal", "admin_required",
           "current_principal"]
