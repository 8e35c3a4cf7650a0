CREATE TABLE order_notes (id bigint PRIMARY KEY, order_id bigint NOT NULL, body text);
CREATE INDEX order_notes_order_id_idx ON order_notes (order_id);
CREATE TYPE note_kind AS ENUM ('internal', 'customer'); -- expect: M502
