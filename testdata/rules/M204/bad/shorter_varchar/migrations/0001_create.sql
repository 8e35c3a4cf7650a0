CREATE TABLE users (id bigint PRIMARY KEY, nickname varchar(64));
