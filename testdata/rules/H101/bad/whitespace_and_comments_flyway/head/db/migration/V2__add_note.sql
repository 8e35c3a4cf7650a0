-- free text support writes on an order expect: H101
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN note text;
