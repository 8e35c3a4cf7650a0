CREATE TABLE login_attempts (id bigint PRIMARY KEY, token text, scratch text);
ALTER TABLE login_attempts DROP COLUMN scratch;
