"""An ORM's unit of work through the proxy: SQLAlchemy (Debian's 1.4, on psycopg2) deletes
by primary key and checks that each DELETE reports the one row it expected (a proxy that
answered UPDATE 1, or 0 rows, makes it raise StaleDataError). Prints one line per step:
O1 an author deleted (the database cascades to its books), O2 the books left, O3 the deleted
author looked up again, O4 another author's books, O5 one of them deleted through the ORM,
O6 authors with their books in one joined load."""

import sys
from urllib.parse import quote

from sqlalchemy import Column, ForeignKey, Integer, Text, create_engine
from sqlalchemy.orm import declarative_base, joinedload, relationship, sessionmaker

Base = declarative_base()


class Author(Base):
    __tablename__ = "authors"
    id = Column(Integer, primary_key=True)
    name = Column(Text, nullable=False)
    books = relationship("Book", order_by="Book.id", passive_deletes=True,
                         back_populates="author")


class Book(Base):
    __tablename__ = "books"
    id = Column(Integer, primary_key=True)
    author_id = Column(Integer, ForeignKey("authors.id", ondelete="CASCADE"))
    title = Column(Text)
    author = relationship("Author", back_populates="books")


def main(host, port, dbname, user, password, _ddl_port, sslmode):
    engine = create_engine(f"postgresql+psycopg2://{user}:{quote(password)}@{host}:{port}/{dbname}"
                           f"?sslmode={sslmode}")
    Session = sessionmaker(bind=engine)
    with Session() as s:
        s.delete(s.get(Author, 1))
        s.commit()
        print("O1 ok")
        print("O2", s.query(Book).count())
        print("O3", s.get(Author, 1))
        a = s.get(Author, 2)
        print("O4", ",".join(b.title for b in a.books))
        s.delete(a.books[0])
        s.commit()
        print("O5 ok")
        authors = s.query(Author).options(joinedload(Author.books)).order_by(Author.id).all()
        print("O6", ";".join(f"{a.id}:" + ",".join(b.title for b in a.books) for a in authors))


if __name__ == "__main__":
    main(*sys.argv[1:])
