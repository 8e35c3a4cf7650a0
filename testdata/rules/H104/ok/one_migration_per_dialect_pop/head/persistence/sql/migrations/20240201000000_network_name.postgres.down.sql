SET lock_timeout = '5s';
ALTER TABLE networks DROP COLUMN name;
