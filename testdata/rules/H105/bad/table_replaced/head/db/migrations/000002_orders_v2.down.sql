DROP TABLE orders_v2;
