SET lock_timeout = '2s';
-- forecast-ignore M101, blocking-index-bild: small table, built in a maintenance window -- expect: F002
CREATE INDEX countries_name_idx ON countries (name);
