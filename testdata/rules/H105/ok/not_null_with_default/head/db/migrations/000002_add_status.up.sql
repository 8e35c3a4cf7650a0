SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN status text DEFAULT 'open';
ALTER TABLE orders ADD CONSTRAINT orders_status_not_null CHECK (status IS NOT NULL) NOT VALID;
