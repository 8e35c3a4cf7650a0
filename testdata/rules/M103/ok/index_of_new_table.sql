CREATE TABLE drafts (id bigint PRIMARY KEY, body text);
CREATE INDEX drafts_body_idx ON drafts (body);
DROP INDEX drafts_body_idx;
