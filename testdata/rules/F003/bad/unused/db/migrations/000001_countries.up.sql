-- The index was made concurrent; the comment stayed behind.
-- forecast-ignore M101: `countries` holds 250 rows -- expect: F003
CREATE INDEX CONCURRENTLY countries_name_idx ON countries (name);
