-- revision: 002
-- down_revision: 001
-- description: a year per book, and its index
-- upgrade
ALTER TABLE books ADD COLUMN year INTEGER;
CREATE INDEX books_year ON books(year);
INSERT INTO authors(id, name) VALUES (1, 'Ursula K. Le Guin');
INSERT INTO books(author_id, title, year) VALUES (1, 'The Dispossessed', 1974);
-- downgrade
DELETE FROM books WHERE author_id = 1 AND title = 'The Dispossessed';
DELETE FROM authors WHERE id = 1;
DROP INDEX books_year;
ALTER TABLE books DROP COLUMN year;
