# The scenario of scenario.md with Perl's DBD::Pg (libpq; placeholders become server-side
# prepared statements, named dbdpg_*).
use strict;
use warnings;
use DBI;

my ($host, $port, $db, $user, $password, $ddl_port, $sslmode) = @ARGV;
sub connect_to {
    my ($p) = @_;
    return DBI->connect("dbi:Pg:dbname=$db;host=$host;port=$p;sslmode=$sslmode", $user, $password,
                        {AutoCommit => 1, RaiseError => 1, PrintError => 0});
}
my $c = connect_to($port);
sub affected { my $n = shift; return $n eq '0E0' ? 0 : $n + 0; }
sub count { my ($sql) = @_; return ($c->selectrow_array($sql))[0]; }

print "S1 ", affected($c->do("DELETE FROM authors WHERE id = ?", undef, 1)), "\n";
print "S2 ", count("SELECT count(*) FROM books"), "\n";
my $titles = $c->selectcol_arrayref(
    "SELECT b.title FROM authors a JOIN books b ON b.author_id = a.id ORDER BY b.id");
print "S3 ", join(",", @$titles), "\n";
my $del = $c->prepare("DELETE FROM books WHERE id = ?");
print "S4 ", join(",", map { affected($del->execute($_)) } (3, 4, 3)), "\n";
eval { $c->do("INSERT INTO books (id, author_id, title) VALUES (?, ?, ?)", undef, 10, 1, "x") };
print "S5 ", ($@ ? $c->state : "none"), "\n";
my $n = affected($c->do("INSERT INTO authors (id, name) VALUES (?, ?) ON CONFLICT (id) "
                        . "DO UPDATE SET name = excluded.name", undef, 2, "Bee"));
my ($name) = $c->selectrow_array("SELECT name FROM authors WHERE id = ?", undef, 2);
print "S6 $n,$name\n";
$c->begin_work;
$n = affected($c->do("DELETE FROM authors WHERE id = ?", undef, 3));
my $inside = count("SELECT count(*) FROM books");
$c->rollback;
print "S7 $n,$inside,", count("SELECT count(*) FROM books"), "\n";
my $tag = $c->prepare("DELETE FROM tags WHERE id = ?");
my $first = affected($tag->execute(1));
my $d = connect_to($ddl_port);
$d->do("ALTER TABLE tags ADD COLUMN deleted_at timestamptz");
$d->disconnect;
print "S8 $first,", affected($tag->execute(2)), ",", count("SELECT count(*) FROM tags"), "\n";
