SET lock_timeout = '5s';
ALTER TABLE users ALTER COLUMN name TYPE varchar(20);
ALTER TABLE users ALTER COLUMN bio TYPE text;
ALTER TABLE users ALTER COLUMN balance TYPE numeric(12, 2);
