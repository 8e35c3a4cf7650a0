SET lock_timeout = '5s';
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_status_not_null;
ALTER TABLE orders DROP COLUMN status;
