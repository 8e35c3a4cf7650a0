SET lock_timeout = '2s';
-- forecast-ignore m101, blocking-drop-index: `countries` holds 250 rows
CREATE INDEX countries_name_idx ON countries (name);
-- A comment that mentions forecast-ignore is not a directive.
DROP INDEX countries_old_idx; -- forecast-ignore M103: same small table
