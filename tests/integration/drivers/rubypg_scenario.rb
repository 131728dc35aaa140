# The scenario of scenario.md with Ruby's pg gem (libpq: exec_params sends unnamed
# statements, prepare/exec_prepared named ones).
require "pg"

host, port, db, user, password, ddl_port, sslmode = ARGV
def connect_to(host, port, db, user, password, sslmode)
  PG.connect(host: host, port: port, dbname: db, user: user, password: password, sslmode: sslmode)
end
c = connect_to(host, port, db, user, password, sslmode)
one = ->(sql, args = []) { c.exec_params(sql, args).getvalue(0, 0) }

puts "S1 #{c.exec_params('DELETE FROM authors WHERE id = $1', [1]).cmd_tuples}"
puts "S2 #{one.call('SELECT count(*) FROM books')}"
titles = c.exec("SELECT b.title FROM authors a JOIN books b ON b.author_id = a.id ORDER BY b.id")
          .column_values(0)
puts "S3 #{titles.join(',')}"
c.prepare("del_book", "DELETE FROM books WHERE id = $1")
puts "S4 #{[3, 4, 3].map { |i| c.exec_prepared('del_book', [i]).cmd_tuples }.join(',')}"
begin
  c.exec_params("INSERT INTO books (id, author_id, title) VALUES ($1, $2, $3)", [10, 1, "x"])
  puts "S5 none"
rescue PG::Error => e
  puts "S5 #{e.result.error_field(PG::PG_DIAG_SQLSTATE)}"
end
n = c.exec_params("INSERT INTO authors (id, name) VALUES ($1, $2) ON CONFLICT (id) " \
                  "DO UPDATE SET name = excluded.name", [2, "Bee"]).cmd_tuples
puts "S6 #{n},#{one.call('SELECT name FROM authors WHERE id = $1', [2])}"
c.exec("BEGIN")
n = c.exec_params("DELETE FROM authors WHERE id = $1", [3]).cmd_tuples
inside = one.call("SELECT count(*) FROM books")
c.exec("ROLLBACK")
puts "S7 #{n},#{inside},#{one.call('SELECT count(*) FROM books')}"
c.prepare("del_tag", "DELETE FROM tags WHERE id = $1")
first = c.exec_prepared("del_tag", [1]).cmd_tuples
d = connect_to(host, ddl_port, db, user, password, sslmode)
d.exec("ALTER TABLE tags ADD COLUMN deleted_at timestamptz")
d.close
second = c.exec_prepared("del_tag", [2]).cmd_tuples
puts "S8 #{first},#{second},#{one.call('SELECT count(*) FROM tags')}"
