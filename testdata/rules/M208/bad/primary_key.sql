SET lock_timeout = '5s';
ALTER TABLE legacy_events ADD PRIMARY KEY (id); -- expect: M208
