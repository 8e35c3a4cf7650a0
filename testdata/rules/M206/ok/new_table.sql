CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint NOT NULL);
ALTER TABLE shipments ADD CONSTRAINT shipments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
