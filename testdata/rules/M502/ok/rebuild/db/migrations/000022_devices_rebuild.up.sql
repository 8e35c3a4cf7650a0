SET lock_timeout = '5s';
ALTER TABLE devices RENAME TO _bkp_devices;
CREATE TABLE devices (id bigint PRIMARY KEY, kid text NOT NULL);
INSERT INTO devices (id, kid) SELECT id, kid FROM _bkp_devices;
DROP TABLE _bkp_devices;
