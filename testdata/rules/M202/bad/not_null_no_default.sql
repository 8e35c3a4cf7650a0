SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN currency text NOT NULL; -- expect: M202
