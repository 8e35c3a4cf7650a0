-- migrate:up transaction:false
DROP INDEX CONCURRENTLY IF EXISTS encryption_name_key;
CREATE UNIQUE INDEX CONCURRENTLY encryption_name_key ON encryption (name);

-- migrate:down transaction:false
SELECT 1;
