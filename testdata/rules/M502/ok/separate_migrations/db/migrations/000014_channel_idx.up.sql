CREATE INDEX CONCURRENTLY orders_channel_idx ON orders (channel);
