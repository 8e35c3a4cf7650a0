SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN email varchar(320);
