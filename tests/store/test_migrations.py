"""Migrating an empty database gives exactly the schema ``store/sql/tables.py`` describes, on
SQLite and on PostgreSQL; migrating again changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from authpool.store.sql import tables
from authpool.store.sql.engine import MIGRATIONS, create_engine, current_revision, migrate

VERSION_TABLE = "alembic_version"


@pytest.fixture
def migrated(empty_database_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(empty_database_url)
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()


def _type(column_type: Any, dialect: sa.Dialect) -> str:
    text = str(column_type.compile(dialect=dialect)).upper()
    return {"BIGSERIAL": "BIGINT", "SERIAL": "INTEGER"}.get(text, text)


def test_tables(migrated: sa.Engine) -> None:
    found = set(sa.inspect(migrated).get_table_names()) - {VERSION_TABLE}
    assert found == set(tables.metadata.tables)


def test_columns(migrated: sa.Engine) -> None:
    inspector = sa.inspect(migrated)
    dialect = migrated.dialect
    for name, table in tables.metadata.tables.items():
        reflected = {c["name"]: c for c in inspector.get_columns(name)}
        assert list(reflected) == [c.name for c in table.columns], name
        for column in table.columns:
            got = reflected[column.name]
            where = f"{name}.{column.name}"
            assert got["nullable"] == column.nullable, where
            declared = column.type
            if isinstance(declared, sa.types.TypeDecorator):  # stored as its implementation
                declared = declared.impl_instance
            expected_type = _type(declared, dialect)
            assert _type(got["type"], dialect) == expected_type, where


def test_keys_and_indexes(migrated: sa.Engine) -> None:
    inspector = sa.inspect(migrated)
    for name, table in tables.metadata.tables.items():
        pk = inspector.get_pk_constraint(name)["constrained_columns"]
        assert pk == [c.name for c in table.primary_key.columns], name

        indexes = {
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes(name)
        }
        expected = {
            (i.name, tuple(c.name for c in i.columns), bool(i.unique)) for i in table.indexes
        }
        # SQLite and PostgreSQL may report a unique constraint's backing index too.
        uniques = {
            (u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(name)
        }
        expected_uniques = {
            (c.name, tuple(col.name for col in c.columns))
            for c in table.constraints
            if isinstance(c, sa.UniqueConstraint)
        }
        assert uniques == expected_uniques, name
        indexes -= {(n, cols, True) for n, cols in uniques}
        assert indexes == expected, name

        foreign = {
            (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]),
             (f.get("options") or {}).get("ondelete"))
            for f in inspector.get_foreign_keys(name)
        }  # fmt: skip
        expected_foreign = {
            (tuple(c.name for c in fk.columns), fk.referred_table.name,
             tuple(e.column.name for e in fk.elements), fk.ondelete)
            for fk in table.foreign_key_constraints
        }  # fmt: skip
        assert foreign == expected_foreign, name


def test_alembic_sees_no_difference(migrated: sa.Engine) -> None:
    with migrated.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, tables.metadata)
    assert diff == []


def test_migrated_to_head_and_idempotent(migrated: sa.Engine) -> None:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert current_revision(migrated) == head
    migrate(migrated)  # a second start, or a second worker, does nothing
    assert current_revision(migrated) == head
    assert set(sa.inspect(migrated).get_table_names()) - {VERSION_TABLE} == set(
        tables.metadata.tables
    )
