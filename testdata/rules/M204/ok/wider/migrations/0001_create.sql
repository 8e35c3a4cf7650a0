CREATE TABLE members (id bigint PRIMARY KEY, nickname varchar(32));
