# sqlalchemy_bench.py: the benchmark workloads done with SQLAlchemy, for the ratios that
# tests/bench/*.c print. Prints the best time of a workload in seconds.
# Usage: /usr/bin/python3 sqlalchemy_bench.py WORKLOAD bench.db
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


WORKLOADS = {"open": open_and_query}


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
