CREATE TABLE scratch (id bigint);
TRUNCATE scratch;
