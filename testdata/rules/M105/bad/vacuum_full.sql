SET lock_timeout = '5s';
VACUUM FULL orders; -- expect: M105
