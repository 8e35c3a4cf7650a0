SET lock_timeout = '5s';
ALTER TABLE flows DROP COLUMN a;
