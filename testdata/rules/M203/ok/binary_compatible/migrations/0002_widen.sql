SET lock_timeout = '5s';
ALTER TABLE profiles ALTER COLUMN name TYPE varchar(20);
ALTER TABLE profiles ALTER COLUMN bio TYPE text;
ALTER TABLE profiles ALTER COLUMN balance TYPE numeric(12, 2);
