"""ASGI entry point for worker processes: ``authpool.cli.asgi:create`` (a factory).

``authpool serve --workers N`` passes its settings to the workers through ``AUTHPOOL_*``
environment variables; each worker builds its own engine and services.
"""

from __future__ import annotations

from starlette.applications import Starlette

from authpool.cli import affinity
from authpool.cli.runtime import create_app, open_services
from authpool.config import from_env


def create() -> Starlette:
    settings = from_env()
    if settings.pin_cpus:
        affinity.pin(settings.data_dir)
    # The parent process has already run the migrations.
    return create_app(settings, open_services(settings, migrate=False))
