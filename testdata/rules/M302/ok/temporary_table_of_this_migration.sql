CREATE TABLE tmp_backfill (id bigint);
INSERT INTO tmp_backfill SELECT id FROM users WHERE id < 100;
DROP TABLE tmp_backfill;
