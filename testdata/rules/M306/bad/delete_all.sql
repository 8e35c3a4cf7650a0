DELETE FROM sessions; -- expect: M306
