REINDEX INDEX orders_status_idx; -- expect: M104
