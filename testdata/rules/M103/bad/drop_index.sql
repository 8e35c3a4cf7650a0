SET lock_timeout = '5s';
DROP INDEX orders_legacy_status_idx; -- expect: M103
