CREATE TABLE import_staging (id bigint, payload jsonb);
ALTER TABLE import_staging SET UNLOGGED;
