SET lock_timeout = '5s';
ALTER TABLE flows ADD COLUMN a text;
