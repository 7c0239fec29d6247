# sqlalchemy_bench.py: the benchmark workloads done with SQLAlchemy, for the ratios that
# tests/bench/*.c print. Prints the best time of a workload in seconds.
# Usage: /usr/bin/python3 sqlalchemy_bench.py WORKLOAD bench.db
import json
import sys
import time

import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

N_OPEN = 200
ROUNDS = 7


def open_and_query(db):
    # A new DBAPI connection per iteration, as bench_load.c opens one per iteration.
    engine = create_engine("sqlite:///" + db, poolclass=NullPool)
    for _ in range(N_OPEN):
        with engine.connect() as con:
            con.execute(text("SELECT count(*) FROM groups")).scalar()
    engine.dispose()


def json_models():
    # Declarative models of the shop, as a SQLAlchemy user writes them.
    from sqlalchemy import Column, ForeignKey, Integer, String, Table
    from sqlalchemy.orm import declarative_base, relationship

    Base = declarative_base()
    user_group = Table(
        "user_group", Base.metadata,
        Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
        Column("group_id", Integer, ForeignKey("groups.id"), primary_key=True),
        Column("role", String))

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        first_name = Column(String)
        last_name = Column(String)
        email = Column(String)
        created_at = Column(String)
        addresses = relationship("Address")
        groups = relationship("Group", secondary=user_group)

    class Address(Base):
        __tablename__ = "addresses"
        id = Column(Integer, primary_key=True)
        user_id = Column(Integer, ForeignKey("users.id"))
        email_address = Column(String)

    class Group(Base):
        __tablename__ = "groups"
        id = Column(Integer, primary_key=True)
        name = Column(String)

    return User, Address, Group


_MODELS = []


def users_as_json(db):
    # orm_json('users', id, 'addresses,groups') for every user: selectinload of both
    # relationships, then a dict per user through json.dumps.
    from sqlalchemy.orm import Session, selectinload

    if not _MODELS:
        _MODELS.extend(json_models())
    User, Address, Group = _MODELS
    engine = create_engine("sqlite:///" + db)
    n = 0
    with Session(engine) as session:
        users = (session.query(User)
                 .options(selectinload(User.addresses), selectinload(User.groups))
                 .all())
        for u in users:
            doc = {
                "id": u.id, "first_name": u.first_name, "last_name": u.last_name,
                "email": u.email, "created_at": u.created_at,
                "addresses": [{"id": a.id, "user_id": a.user_id,
                               "email_address": a.email_address} for a in u.addresses],
                "groups": [{"id": g.id, "name": g.name} for g in u.groups],
            }
            n += len(json.dumps(doc, separators=(",", ":")))
    engine.dispose()
    assert n > 0


WORKLOADS = {"open": open_and_query, "json": users_as_json}


def main():
    workload, db = sys.argv[1], sys.argv[2]
    fn = WORKLOADS[workload]
    best = float("inf")
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        fn(db)
        best = min(best, time.perf_counter() - t0)
    print("%.6f" % best)


if __name__ == "__main__":
    assert sqlalchemy.__version__
    main()
