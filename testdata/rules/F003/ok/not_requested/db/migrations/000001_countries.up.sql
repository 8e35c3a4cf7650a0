-- Without `report_unused`, a stale comment is left alone.
-- forecast-ignore M101: `countries` holds 250 rows
CREATE INDEX CONCURRENTLY countries_name_idx ON countries (name);
