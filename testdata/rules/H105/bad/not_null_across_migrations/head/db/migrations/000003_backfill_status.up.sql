UPDATE orders SET status = 'open' WHERE status IS NULL;
