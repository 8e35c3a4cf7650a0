CREATE TABLE build_logs (id integer NOT NULL, build_id integer);
CREATE SEQUENCE build_logs_id_seq START WITH 1 INCREMENT BY 1;
ALTER SEQUENCE build_logs_id_seq OWNED BY build_logs.id;
ALTER TABLE ONLY build_logs ALTER COLUMN id SET DEFAULT nextval('build_logs_id_seq'::regclass);
CREATE EXTENSION IF NOT EXISTS pg_trgm;
