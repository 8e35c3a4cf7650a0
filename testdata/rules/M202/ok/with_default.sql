SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR';
ALTER TABLE orders ADD COLUMN note text;
