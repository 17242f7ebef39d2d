"""Relational storage: SQLAlchemy 2 models, engines and Alembic migrations."""
