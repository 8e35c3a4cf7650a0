CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    plan text
);
