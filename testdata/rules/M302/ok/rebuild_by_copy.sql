SET lock_timeout = '5s';
CREATE TABLE devices_new (id bigint PRIMARY KEY, kid varchar(64) NOT NULL);
INSERT INTO devices_new (id, kid) SELECT id, kid FROM devices;
DROP TABLE devices;
ALTER TABLE devices_new RENAME TO devices;
