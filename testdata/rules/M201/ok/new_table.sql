CREATE TABLE tokens (id bigint PRIMARY KEY);
ALTER TABLE tokens ADD COLUMN value uuid NOT NULL DEFAULT gen_random_uuid();
