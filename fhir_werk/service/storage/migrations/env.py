"""Alembic's environment: always run on the connection :func:`~fhir_werk.service.storage._database.migrate`
hands over (``config.attributes["connection"]``), never from an ini file."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
