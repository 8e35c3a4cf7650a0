SET lock_timeout = '5s';
ALTER TABLE members ALTER COLUMN nickname TYPE varchar(64);
