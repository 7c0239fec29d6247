# sqlalchemy_bench.py: the benchmark workloads done with SQLAlchemy, for the ratios that
# tests/bench/*.c print. Prints the best time of a workload in seconds.
# Usage: /usr/bin/python3 sqlalchemy_bench.py WORKLOAD bench.db
import json
import sys
import time

import sqlalchemy
from sqlalchemy import (Column, ForeignKey, Integer, Text, create_engine, func, literal,
                        select, text)
from sqlalchemy.orm import Session, aliased, declarative_base, relationship
from sqlalchemy.pool import NullPool

N_OPEN = 200
ROUNDS = 7
ROUNDS_FOR = {"alembic": 2}     # seconds per round: fewer rounds


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


def traverse_setup(db, join=False):
    # bench_traverse.c: the whole tree below node 1, in SQLAlchemy's own way for a
    # self-referential relationship: a recursive CTE over the mapped class.
    Base = declarative_base()

    class Node(Base):
        __tablename__ = "nodes"
        id = Column(Integer, primary_key=True)
        parent_id = Column(Integer, ForeignKey("nodes.id"))
        name = Column(Text)
        children = relationship("Node")

    session = Session(create_engine("sqlite:///" + db))

    def traverse(_db):
        sub = select(Node.id, Node.name).where(Node.parent_id == 1).cte("sub", recursive=True)
        child = aliased(Node)
        sub = sub.union_all(select(child.id, child.name).where(child.parent_id == sub.c.id))
        session.execute(select(func.count(), func.sum(func.length(sub.c.name)))).one()

    def traverse_join(_db):
        # Two levels below each of nodes 1..5000: the CTE carries the start and the depth.
        parent, child = aliased(Node), aliased(Node)
        sub = (select(parent.id.label("src"), child.id.label("id"), literal(1).label("depth"))
               .join(child, child.parent_id == parent.id).where(parent.id <= 5000)
               .cte("sub", recursive=True))
        below = aliased(Node)
        sub = sub.union_all(select(sub.c.src, below.id, sub.c.depth + 1)
                            .join(below, below.parent_id == sub.c.id).where(sub.c.depth < 2))
        session.execute(select(func.count(), func.sum(sub.c.depth))).one()

    return traverse_join if join else traverse


def hybrid_setup(db):
    # bench_hybrid.c: 200 lookups by full_name, a hybrid_property (first_name + ' ' +
    # last_name) filtered in SQL, as SQLAlchemy users write it.
    from sqlalchemy.ext.hybrid import hybrid_property

    Base = declarative_base()

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        first_name = Column(Text)
        last_name = Column(Text)

        @hybrid_property
        def full_name(self):
            return self.first_name + " " + self.last_name

    engine = create_engine("sqlite:///" + db)
    names = ["first%d last%d" % (i, i % 997) for i in range(1, 20001, 100)]

    def lookups(_db):
        with Session(engine) as session:
            for name in names:
                session.query(User).filter(User.full_name == name).all()
    return lookups


def alembic_setup(db):
    # bench_migrate.c: 1,000 revisions, each creating a table and an index, applied by
    # Alembic to a fresh SQLite file. Writing the script files is not timed; loading them
    # is, as orm_migrations_dir is on the sqlorm side.
    import os
    import tempfile
    from alembic import command
    from alembic.config import Config

    top = tempfile.mkdtemp(prefix="sqlorm-alembic-")
    versions = os.path.join(top, "versions")
    os.makedirs(versions)
    with open(os.path.join(top, "env.py"), "w") as f:
        f.write("from alembic import context\n"
                "from sqlalchemy import create_engine\n"
                "engine = create_engine(context.config.get_main_option('sqlalchemy.url'))\n"
                "with engine.connect() as connection:\n"
                "    context.configure(connection=connection, target_metadata=None)\n"
                "    with context.begin_transaction():\n"
                "        context.run_migrations()\n")
    for i in range(1000):
        down = "None" if i == 0 else "'r%04d'" % (i - 1)
        with open(os.path.join(versions, "r%04d_.py" % i), "w") as f:
            f.write("from alembic import op\n"
                    "revision = 'r%04d'\ndown_revision = %s\n"
                    "branch_labels = None\ndepends_on = None\n"
                    "def upgrade():\n"
                    "    op.execute('CREATE TABLE t%04d(id INTEGER PRIMARY KEY, v TEXT)')\n"
                    "    op.execute('CREATE INDEX t%04d_v ON t%04d(v)')\n"
                    "def downgrade():\n"
                    "    op.execute('DROP TABLE t%04d')\n" % (i, down, i, i, i, i))
    target = os.path.join(top, "target.db")

    def upgrade(_db):
        if os.path.exists(target):
            os.remove(target)
        cfg = Config()
        cfg.set_main_option("script_location", top)
        cfg.set_main_option("sqlalchemy.url", "sqlite:///" + target)
        command.upgrade(cfg, "head")
    return upgrade


def version_setup(db, batch=False):
    # bench_version.c: 20,000 updates of versioned rows, each its own transaction, with
    # SQLAlchemy's version_id_col (UPDATE ... SET version = :new WHERE id = :id AND
    # version = :old, rowcount checked). The objects are loaded untimed, as bench_version.c
    # holds the versions it read. A file of its own (WAL, synchronous=NORMAL, as the C
    # side), removed at exit.
    import atexit
    import os

    from sqlalchemy import event

    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    # A pool that keeps the connection (1.4 opens a new one per transaction for a file
    # database; 2.0 pools it by default).
    from sqlalchemy.pool import QueuePool
    engine = create_engine("sqlite:///" + db, poolclass=QueuePool)

    @event.listens_for(engine, "connect")
    def pragmas(con, _record):
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")

    with engine.begin() as con:
        con.execute(text("CREATE TABLE sa_version(id INTEGER PRIMARY KEY, name TEXT, "
                         "n INTEGER NOT NULL, version INTEGER NOT NULL)"))
        con.execute(text("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c "
                         "WHERE i < 20000) INSERT INTO sa_version SELECT i, 'name' || i, 0, 1 "
                         "FROM c"))
    Base = declarative_base()

    class Versioned(Base):
        __tablename__ = "sa_version"
        id = Column(Integer, primary_key=True)
        name = Column(Text)
        n = Column(Integer, nullable=False)
        version = Column(Integer, nullable=False)
        __mapper_args__ = {"version_id_col": version}

    # As a web request would: the object read earlier, attached to write it, one
    # transaction per write (a session holding all 20,000 would walk them at each commit).
    session = Session(engine, expire_on_commit=False)
    rows = session.query(Versioned).order_by(Versioned.id).all()
    session.commit()
    session.expunge_all()

    def drop():
        session.close()
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
    atexit.register(drop)

    def updates(_db):
        for row in rows:
            session.add(row)
            row.name = "renamed%d" % row.n
            row.n += 1
            session.commit()
            session.expunge(row)
    updates.rounds = 3

    def batch_updates(_db):
        # All 20,000 in one transaction: one flush.
        session.add_all(rows)
        for row in rows:
            row.name = "renamed%d" % row.n
            row.n += 1
        session.commit()
        session.expunge_all()
    return batch_updates if batch else updates


# Workloads whose setup (mapping, engine) is not timed: a function that returns the work.
SETUPS = {"traverse": traverse_setup, "hybrid": hybrid_setup, "version": version_setup,
          "alembic": alembic_setup,
          "version_batch": lambda db: version_setup(db, batch=True),
          "traverse_join": lambda db: traverse_setup(db, join=True)}
WORKLOADS = {"open": open_and_query, "json": users_as_json}


def main():
    workload, db = sys.argv[1], sys.argv[2]
    fn = SETUPS[workload](db) if workload in SETUPS else WORKLOADS[workload]
    best = float("inf")
    for _ in range(getattr(fn, "rounds", ROUNDS_FOR.get(workload, ROUNDS))):
        t0 = time.perf_counter()
        fn(db)
        best = min(best, time.perf_counter() - t0)
    print("%.6f" % best)


if __name__ == "__main__":
    assert sqlalchemy.__version__
    main()
