SET lock_timeout = '5s';
ALTER TABLE invoices ALTER COLUMN total TYPE numeric(12, 4); -- expect: M203
