-- forecast-ignore M101: `countries` holds 250 rows; the build takes milliseconds
CREATE INDEX countries_name_idx ON countries (name);

CREATE INDEX countries_code_idx ON countries (code); /* forecast-ignore blocking-index-build: same table */
