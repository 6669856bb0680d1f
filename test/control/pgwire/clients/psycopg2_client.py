"""A psycopg2 client of definite's pgwire front end (test/control/pgwire/other-clients.test.ts):
connect, CREATE TABLE, a parameterized INSERT (psycopg2 interpolates parameters client-side), a
transaction (psycopg2 sends BEGIN before the first statement; commit), a SELECT with a parameter.
Prints one line per step; the test asserts on them. Usage: psycopg2_client.py PORT"""
import sys

import psycopg2

conn = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="materialize", dbname="materialize")
print("server_version", conn.server_version)
conn.autocommit = True
cur = conn.cursor()
cur.execute("CREATE TABLE py_items (id int NOT NULL, name text, price float8)")
cur.execute("INSERT INTO py_items VALUES (%s, %s, %s)", (1, "it's one", 1.5))
print("insert", cur.statusmessage)

conn.autocommit = False
cur.execute("INSERT INTO py_items VALUES (%s, %s, %s)", (2, "two", 2.25))
cur.execute("INSERT INTO py_items VALUES (%s, %s, %s)", (3, None, 3.0))
print("in transaction", conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_INTRANS)
conn.commit()

cur.execute("SELECT id, name, price FROM py_items WHERE id >= %s ORDER BY id", (1,))
for row in cur.fetchall():
    print("row", repr(row))
conn.commit()

# A failed transaction writes nothing: rollback.
try:
    cur.execute("INSERT INTO py_items VALUES (%s, %s, %s)", (4, "four", 4.0))
    cur.execute("INSERT INTO py_items VALUES (%s, %s, %s)", (None, "null id", 0.0))
except psycopg2.Error as e:
    print("error", e.pgcode)
    conn.rollback()
cur.execute("SELECT count(*) FROM py_items")
print("count", cur.fetchone()[0])
conn.close()
print("done")
