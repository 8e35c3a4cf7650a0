SET lock_timeout = '5s';
ALTER TABLE users ALTER COLUMN nickname TYPE varchar(32); -- expect: M204
