-- 0007 customer_name_grams: PostgreSQL indexes customers' names by their character bigrams, as
-- SQLite does (customer_fts, 0001), so a name search of two characters or more is an index
-- lookup on both; pg_trgm served three or more, and a two-character name (张三) cost a
-- sequential pass (0.2-0.3 s at 1M customers).
-- @pg
-- name_grams holds the overlapping character pairs of name: '张伟强' -> {张伟,伟强}, a name of
-- one character none. pmis writes it with every name (customer.c, from utf8_bigrams() in
-- core/utf8.h: insert, update and the COPY of imports), not by a trigger or a generated column:
-- computing it in the server, in SQL, costs about 5 us a row (5 s of a 1M import on one core
-- of the server, where the client's C is nearly free). A search takes the rows whose
-- name_grams hold all the text's bigrams and keeps those whose name holds the text
-- (q_archive.def). The default is for rows written by other means (bench_billrun's bulk SQL):
-- name search does not find them.
-- pg_trgm found nothing the bigrams do not, and no faster (README, benchmarks); dropping its
-- index first spares the rewrite below rebuilding it.
DROP INDEX customer_name_trgm;
-- Existing rows: the same pairs in SQL (a stored name is valid UTF-8 in a UTF8 database, so
-- PostgreSQL's characters are utf8_bigrams'), filled by adding the column as a generated one
-- and then making it plain: one rewrite of the table with its indexes built afresh, 15-21 s at
-- 1M customers where an UPDATE of every row took 45 s and left a dead version of each.
CREATE FUNCTION pmis_name_grams_0007(t TEXT) RETURNS TEXT[] LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT ARRAY(SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i
                       ORDER BY i) $$;
ALTER TABLE customer ADD COLUMN name_grams TEXT[] NOT NULL
    GENERATED ALWAYS AS (pmis_name_grams_0007(name)) STORED;
ALTER TABLE customer ALTER COLUMN name_grams DROP EXPRESSION;
ALTER TABLE customer ALTER COLUMN name_grams SET DEFAULT '{}';
DROP FUNCTION pmis_name_grams_0007(TEXT);
CREATE INDEX customer_name_grams ON customer USING gin (name_grams);
-- @both
