SET lock_timeout = '5s';
ALTER TABLE invoices ADD COLUMN currency text; -- expect: H104
