DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx; -- expect: M102
