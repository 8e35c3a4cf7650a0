SET lock_timeout = '5s';
DROP TABLE channels;
ALTER TABLE orders DROP COLUMN channel;
