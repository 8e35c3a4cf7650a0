SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN IF NOT EXISTS archived_at timestamptz;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_archived_at_idx ON orders (archived_at); -- expect: M102
