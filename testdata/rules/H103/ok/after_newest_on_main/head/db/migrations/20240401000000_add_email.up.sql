SET lock_timeout = '5s';
ALTER TABLE customers ADD COLUMN email text;
