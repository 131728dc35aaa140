<?php
// The scenario of scenario.md with PHP's PDO (pdo_pgsql over libpq; prepared statements
// are server-side, named pdo_stmt_*).
[, $host, $port, $db, $user, $password, $ddl_port, $sslmode] = $argv;
function connect_to($host, $port, $db, $user, $password, $sslmode) {
    return new PDO("pgsql:host=$host;port=$port;dbname=$db;sslmode=$sslmode", $user, $password,
                   [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::ATTR_EMULATE_PREPARES => false]);
}
$c = connect_to($host, $port, $db, $user, $password, $sslmode);
function run($c, $sql, $args = []) { $s = $c->prepare($sql); $s->execute($args); return $s; }
function one($c, $sql, $args = []) { return run($c, $sql, $args)->fetchColumn(); }

echo "S1 ", run($c, "DELETE FROM authors WHERE id = ?", [1])->rowCount(), "\n";
echo "S2 ", one($c, "SELECT count(*) FROM books"), "\n";
$titles = run($c, "SELECT b.title FROM authors a JOIN books b ON b.author_id = a.id ORDER BY b.id")
    ->fetchAll(PDO::FETCH_COLUMN);
echo "S3 ", implode(",", $titles), "\n";
$del = $c->prepare("DELETE FROM books WHERE id = ?");
$s4 = [];
foreach ([3, 4, 3] as $i) { $del->execute([$i]); $s4[] = $del->rowCount(); }
echo "S4 ", implode(",", $s4), "\n";
try {
    run($c, "INSERT INTO books (id, author_id, title) VALUES (?, ?, ?)", [10, 1, "x"]);
    echo "S5 none\n";
} catch (PDOException $e) {
    echo "S5 ", $e->errorInfo[0], "\n";
}
$n = run($c, "INSERT INTO authors (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
         [2, "Bee"])->rowCount();
echo "S6 $n,", one($c, "SELECT name FROM authors WHERE id = ?", [2]), "\n";
$c->beginTransaction();
$n = run($c, "DELETE FROM authors WHERE id = ?", [3])->rowCount();
$inside = one($c, "SELECT count(*) FROM books");
$c->rollBack();
echo "S7 $n,$inside,", one($c, "SELECT count(*) FROM books"), "\n";
$tag = $c->prepare("DELETE FROM tags WHERE id = ?");
$tag->execute([1]);
$first = $tag->rowCount();
$d = connect_to($host, $ddl_port, $db, $user, $password, $sslmode);
$d->exec("ALTER TABLE tags ADD COLUMN deleted_at timestamptz");
$d = null;
$tag->execute([2]);
echo "S8 $first,", $tag->rowCount(), ",", one($c, "SELECT count(*) FROM tags"), "\n";
