-- revision: 003
-- down_revision: 002
-- branch_labels: reviews
-- description: reviews, a branch of their own
-- upgrade
CREATE TABLE reviews(id INTEGER PRIMARY KEY, book_id INT NOT NULL REFERENCES books,
                     stars INT CHECK (stars BETWEEN 1 AND 5));
-- downgrade
DROP TABLE reviews;
