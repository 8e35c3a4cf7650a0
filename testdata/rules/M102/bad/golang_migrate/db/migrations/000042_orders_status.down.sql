DROP INDEX IF EXISTS orders_archived_at_idx; -- expect: M103
ALTER TABLE orders DROP COLUMN IF EXISTS archived_at;
