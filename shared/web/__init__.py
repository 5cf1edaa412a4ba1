"""HTTP edge shared by every service: app factory, auth, problem+json errors."""

from shared.web.app import create_app
from shared.web.auth import (
    ROLES,
    CurrentPrincipal,
    InvalidToken,
    Principal,
    TokenVerifier,
    current_principal,
    ensure_college,
    issue_local_token,
    require_roles,
)
from shared.web.problems import Problem, install_problem_handlers

__all__ = [
    "ROLES",
    "CurrentPrincipal",
    "InvalidToken",
    "Principal",
    "Problem",
    "TokenVerifier",
    "create_app",
    "current_principal",
    "ensure_college",
    "install_problem_handlers",
    "issue_local_token",
    "require_roles",
]
