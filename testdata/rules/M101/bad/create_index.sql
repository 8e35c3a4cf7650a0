-- Speed up the order history page.
CREATE INDEX orders_customer_id_idx ON orders (customer_id); -- expect: M101
