SET lock_timeout = '5s';
DROP TABLE IF EXISTS legacy_sessions; -- expect: M302
