# sqlalchemy_remote.py: the federated benchmark's workload done with SQLAlchemy Core over
# psycopg2, streaming (server-side cursor), for bench_remote.c's ratio. Prints the best
# time in seconds. The password comes from PGPASSFILE, as for libpq.
# Usage: /usr/bin/python3 sqlalchemy_remote.py scan postgresql://user@host:port/db
import sys
import time

from sqlalchemy import create_engine, text

ROUNDS = 3


def scan(url):
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    best = None
    with engine.connect() as con:
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            total = 0
            result = con.execution_options(stream_results=True, max_row_buffer=1000).execute(
                text("SELECT v FROM bench_big"))
            for (v,) in result:
                total += v
            t = time.perf_counter() - t0
            best = t if best is None or t < best else best
    engine.dispose()
    return best


def main():
    workload, url = sys.argv[1], sys.argv[2]
    if workload != "scan":
        raise SystemExit("unknown workload " + workload)
    print("%.6f" % scan(url))


if __name__ == "__main__":
    main()
