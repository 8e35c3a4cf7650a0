DROP INDEX CONCURRENTLY IF EXISTS orders_legacy_status_idx;
