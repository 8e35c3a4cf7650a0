SET lock_timeout = '5s';
ALTER TABLE customers ADD COLUMN region text;
