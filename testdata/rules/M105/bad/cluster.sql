SET lock_timeout = '5s';
CLUSTER orders USING orders_placed_at_idx; -- expect: M105
