"""Per-year number sequences for registration numbers: gap-free and unique under concurrency.

The counter row is incremented by one atomic upsert inside the caller's transaction, so the
row stays locked until that transaction ends: a rollback returns the number, and two
transactions can never take the same one.
"""
from sqlalchemy import String, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db


class NumberSequence(db.Model):
    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


def next_value(name, year):
    """Take the next number of sequence `name` for `year` (1, 2, 3, …)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = NumberSequence.__table__
    stmt = (
        insert(table)
        .values(name=name, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[table.c.name, table.c.year],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )
    return db.session.execute(stmt).scalar_one()


def current_value(name, year):
    return db.session.scalar(
        db.select(func.coalesce(NumberSequence.last_value, 0)).where(
            NumberSequence.name == name, NumberSequence.year == year)
    ) or 0
