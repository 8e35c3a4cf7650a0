REINDEX INDEX orders_placed_at_idx; -- expect: M104
