SET lock_timeout = '5s';
ALTER TABLE events ADD COLUMN seq bigserial; -- expect: M201
