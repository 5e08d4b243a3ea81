"""The central index's FastAPI application: wiring only, no rules.

``create_app`` builds an app around a database URL; every package contributes one
router. Rules live in ``app.domain``; each package's service functions apply them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from server import __version__
from server.admin.routes import router as admin_router
from server.audit.routes import router as audit_router
from server.auth import passwords
from server.auth.routes import router as auth_router
from server.children.routes import router as children_router
from server.config import Settings
from server.db import make_engine, make_session_factory, utcnow
from server.errors import BodySizeLimit, install_error_handlers
from server.sync.routes import router as sync_router

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] = utcnow
) -> FastAPI:
    """Build the application. The database must already be migrated."""
    settings = settings or Settings()
    passwords.configure(
        time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib
    )
    engine = make_engine(settings.database_url)
    app = FastAPI(
        title="Everychild central index",
        version=__version__,
        summary="Information-sharing index for children's services: search, records, sync, audit.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.clock = clock
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    for router in (auth_router, children_router, sync_router, audit_router, admin_router):
        app.include_router(router, prefix=API_PREFIX)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the process is up and serving."""
        return {"status": "ok"}

    return app
