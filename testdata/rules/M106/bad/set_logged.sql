SET lock_timeout = '5s';
ALTER TABLE import_batches SET LOGGED; -- expect: M106
