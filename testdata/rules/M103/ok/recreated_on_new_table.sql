CREATE TABLE queues (id bigint PRIMARY KEY, type text, "offset" bigint);
DROP INDEX IF EXISTS queues_type_idx;
CREATE INDEX IF NOT EXISTS queues_type_idx ON queues (type, "offset");
