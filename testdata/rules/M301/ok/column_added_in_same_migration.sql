CREATE TABLE sessions (id bigint PRIMARY KEY, token text, scratch text);
ALTER TABLE sessions DROP COLUMN scratch;
