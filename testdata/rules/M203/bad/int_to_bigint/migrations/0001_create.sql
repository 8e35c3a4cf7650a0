CREATE TABLE line_items (id integer PRIMARY KEY, total numeric(10, 2), placed_at timestamp);
