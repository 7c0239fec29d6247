# python_host.py: the module loaded by Python's sqlite3 module (Debian's /usr/bin/python3,
# which is built with enable_load_extension).
# Covers: load_extension, calls with parameters, the JSON of orm_debug(), a read-only file.
import json
import os
import sqlite3
import sys
import tempfile

module = os.environ["SQLORM_MODULE"]
failures = 0


def check(name, expected, actual):
    global failures
    if expected == actual:
        print("ok - " + name)
    else:
        failures += 1
        print("not ok - %s\n  expected: %r\n  actual:   %r" % (name, expected, actual))


def connect(path, readonly=False):
    uri = "file:%s%s" % (path, "?mode=ro" if readonly else "")
    con = sqlite3.connect(uri, uri=True)
    con.enable_load_extension(True)
    con.load_extension(module)
    con.enable_load_extension(False)
    return con


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "py.db")
    con = connect(path)
    check("orm_version()", "0.1.0", con.execute("SELECT orm_version()").fetchone()[0])
    debug = json.loads(con.execute("SELECT orm_debug()").fetchone()[0])
    check("orm_debug() version", "0.1.0", debug["version"])
    check("orm_debug() sqlite", sqlite3.sqlite_version, debug["sqlite"])
    check("orm_debug() no catalog", None, debug["catalog"])
    con.execute("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO users(name) VALUES (?)", ("ann",))
    con.commit()
    con.close()

    ro = connect(path, readonly=True)
    check("read-only load", [("ann", "0.1.0")],
          ro.execute("SELECT name, orm_version() FROM users").fetchall())
    try:
        ro.execute("INSERT INTO users(name) VALUES ('bob')")
        check("read-only stays read-only", "an error", "no error")
    except sqlite3.OperationalError as e:
        check("read-only stays read-only", True, "readonly" in str(e))
    ro.close()

sys.exit(1 if failures else 0)
