"""The scenario of scenario.md with asyncpg (its own protocol implementation: the extended
protocol with named prepared statements and binary results, a statement cache)."""

import asyncio
import sys

import asyncpg


def affected(status):
    return status.split()[-1]


async def main(host, port, dbname, user, password, ddl_port, sslmode):
    c = await asyncpg.connect(host=host, port=int(port), database=dbname, user=user,
                              password=password, ssl=sslmode)
    print("S1", affected(await c.execute("DELETE FROM authors WHERE id = $1", 1)))
    print("S2", await c.fetchval("SELECT count(*) FROM books"))
    rows = await c.fetch("SELECT b.title FROM authors a JOIN books b ON b.author_id = a.id "
                         "ORDER BY b.id")
    print("S3", ",".join(r[0] for r in rows))
    stmt = await c.prepare("DELETE FROM books WHERE id = $1")
    out = []
    for i in (3, 4, 3):
        await stmt.fetch(i)
        out.append(affected(stmt.get_statusmsg()))
    print("S4", ",".join(out))
    try:
        await c.execute("INSERT INTO books (id, author_id, title) VALUES ($1, $2, $3)", 10, 1, "x")
        print("S5 none")
    except asyncpg.PostgresError as e:
        print("S5", e.sqlstate)
    n = affected(await c.execute("INSERT INTO authors (id, name) VALUES ($1, $2) ON CONFLICT (id) "
                                 "DO UPDATE SET name = excluded.name", 2, "Bee"))
    print("S6", f"{n},{await c.fetchval('SELECT name FROM authors WHERE id = $1', 2)}")
    tr = c.transaction()
    await tr.start()
    n = affected(await c.execute("DELETE FROM authors WHERE id = $1", 3))
    inside = await c.fetchval("SELECT count(*) FROM books")
    await tr.rollback()
    print("S7", f"{n},{inside},{await c.fetchval('SELECT count(*) FROM books')}")
    tag = await c.prepare("DELETE FROM tags WHERE id = $1")
    await tag.fetch(1)
    first = affected(tag.get_statusmsg())
    d = await asyncpg.connect(host=host, port=int(ddl_port), database=dbname, user=user,
                              password=password, ssl=sslmode)
    await d.execute("ALTER TABLE tags ADD COLUMN deleted_at timestamptz")
    await d.close()
    await tag.fetch(2)
    print("S8", f"{first},{affected(tag.get_statusmsg())},"
                f"{await c.fetchval('SELECT count(*) FROM tags')}")
    await c.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
