SET lock_timeout = '5s';
ALTER TABLE networks ADD COLUMN name text;
