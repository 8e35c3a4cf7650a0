CREATE TABLE regions (id bigint PRIMARY KEY);
ALTER TABLE regions ADD COLUMN code text NOT NULL;
