SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN channel text;
CREATE TABLE channels (code text PRIMARY KEY);
CREATE INDEX channels_code_lower_idx ON channels (lower(code));
