REINDEX TABLE orders; -- expect: M104
