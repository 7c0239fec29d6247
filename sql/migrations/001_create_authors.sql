-- revision: 001
-- down_revision: None
-- description: authors and books
-- upgrade
CREATE TABLE authors(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books(id INTEGER PRIMARY KEY, author_id INT NOT NULL REFERENCES authors,
                   title TEXT NOT NULL);
-- downgrade
DROP TABLE books;
DROP TABLE authors;
