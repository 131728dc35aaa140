// The scenario of scenario.md with Go's pgx (v4, its own protocol implementation: every
// statement is prepared under a generated name and cached, results in binary).
package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgx/v4"
)

var ctx = context.Background()

func connect(host, port, db, user, password, sslmode string) *pgx.Conn {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: host + ":" + port,
		Path: "/" + db, RawQuery: "sslmode=" + sslmode}
	c, err := pgx.Connect(ctx, u.String())
	if err != nil {
		fmt.Println("connect:", err)
		os.Exit(1)
	}
	return c
}

func must(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

func affected(c *pgx.Conn, sql string, args ...interface{}) int64 {
	tag, err := c.Exec(ctx, sql, args...)
	must(err)
	return tag.RowsAffected()
}

func count(c *pgx.Conn, sql string) int64 {
	var n int64
	must(c.QueryRow(ctx, sql).Scan(&n))
	return n
}

func sqlstate(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	if err == nil {
		return "none"
	}
	return err.Error()
}

func main() {
	a := os.Args[1:]
	c := connect(a[0], a[1], a[2], a[3], a[4], a[6])
	defer c.Close(ctx)

	fmt.Println("S1", affected(c, "DELETE FROM authors WHERE id = $1", 1))
	fmt.Println("S2", count(c, "SELECT count(*) FROM books"))
	rows, err := c.Query(ctx, "SELECT b.title FROM authors a JOIN books b ON b.author_id = a.id ORDER BY b.id")
	must(err)
	var titles []string
	for rows.Next() {
		var t string
		must(rows.Scan(&t))
		titles = append(titles, t)
	}
	must(rows.Err())
	fmt.Println("S3", strings.Join(titles, ","))
	var s4 []string
	for _, id := range []int{3, 4, 3} { // the statement cache prepares it once
		s4 = append(s4, fmt.Sprint(affected(c, "DELETE FROM books WHERE id = $1", id)))
	}
	fmt.Println("S4", strings.Join(s4, ","))
	_, err = c.Exec(ctx, "INSERT INTO books (id, author_id, title) VALUES ($1, $2, $3)", 10, 1, "x")
	fmt.Println("S5", sqlstate(err))
	n := affected(c, "INSERT INTO authors (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name", 2, "Bee")
	var name string
	must(c.QueryRow(ctx, "SELECT name FROM authors WHERE id = $1", 2).Scan(&name))
	fmt.Printf("S6 %d,%s\n", n, name)
	tx, err := c.Begin(ctx)
	must(err)
	tag, err := tx.Exec(ctx, "DELETE FROM authors WHERE id = $1", 3)
	must(err)
	var inside int64
	must(tx.QueryRow(ctx, "SELECT count(*) FROM books").Scan(&inside))
	must(tx.Rollback(ctx))
	fmt.Printf("S7 %d,%d,%d\n", tag.RowsAffected(), inside, count(c, "SELECT count(*) FROM books"))
	first := affected(c, "DELETE FROM tags WHERE id = $1", 1)
	d := connect(a[0], a[5], a[2], a[3], a[4], a[6])
	_, err = d.Exec(ctx, "ALTER TABLE tags ADD COLUMN deleted_at timestamptz")
	must(err)
	d.Close(ctx)
	second := affected(c, "DELETE FROM tags WHERE id = $1", 2)
	fmt.Printf("S8 %d,%d,%d\n", first, second, count(c, "SELECT count(*) FROM tags"))
}
