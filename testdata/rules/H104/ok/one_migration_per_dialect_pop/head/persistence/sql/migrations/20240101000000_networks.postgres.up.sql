CREATE TABLE networks (
    id uuid PRIMARY KEY
);
