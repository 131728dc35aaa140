"""The scenario of scenario.md with psycopg2 (libpq, the simple protocol: parameters are
interpolated on the client; statements prepared with SQL PREPARE and EXECUTE)."""

import sys

import psycopg2


def main(host, port, dbname, user, password, ddl_port, sslmode):
    c = psycopg2.connect(host=host, port=port, dbname=dbname, user=user, password=password,
                         sslmode=sslmode)
    c.autocommit = True
    cur = c.cursor()

    def count(sql):
        cur.execute(sql)
        return cur.fetchone()[0]

    cur.execute("DELETE FROM authors WHERE id = %s", (1,))
    print("S1", cur.rowcount)
    print("S2", count("SELECT count(*) FROM books"))
    cur.execute("SELECT b.title FROM authors a JOIN books b ON b.author_id = a.id ORDER BY b.id")
    print("S3", ",".join(r[0] for r in cur.fetchall()))
    cur.execute("PREPARE del_book(int) AS DELETE FROM books WHERE id = $1")
    rows = []
    for i in (3, 4, 3):
        cur.execute("EXECUTE del_book(%s)", (i,))
        rows.append(str(cur.rowcount))
    print("S4", ",".join(rows))
    try:
        cur.execute("INSERT INTO books (id, author_id, title) VALUES (%s, %s, %s)", (10, 1, "x"))
        print("S5 none")
    except psycopg2.Error as e:
        print("S5", e.pgcode)
    cur.execute("INSERT INTO authors (id, name) VALUES (%s, %s) ON CONFLICT (id) "
                "DO UPDATE SET name = excluded.name", (2, "Bee"))
    n = cur.rowcount
    cur.execute("SELECT name FROM authors WHERE id = %s", (2,))
    print("S6", f"{n},{cur.fetchone()[0]}")
    c.autocommit = False
    cur.execute("DELETE FROM authors WHERE id = %s", (3,))
    n = cur.rowcount
    inside = count("SELECT count(*) FROM books")
    c.rollback()
    after = count("SELECT count(*) FROM books")
    c.rollback()
    c.autocommit = True
    print("S7", f"{n},{inside},{after}")
    cur.execute("PREPARE del_tag(int) AS DELETE FROM tags WHERE id = $1")
    cur.execute("EXECUTE del_tag(1)")
    first = cur.rowcount
    d = psycopg2.connect(host=host, port=ddl_port, dbname=dbname, user=user,
                         password=password, sslmode=sslmode)
    d.autocommit = True
    d.cursor().execute("ALTER TABLE tags ADD COLUMN deleted_at timestamptz")
    d.close()
    cur.execute("EXECUTE del_tag(2)")
    print("S8", f"{first},{cur.rowcount},{count('SELECT count(*) FROM tags')}")


if __name__ == "__main__":
    main(*sys.argv[1:])
