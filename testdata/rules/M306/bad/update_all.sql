UPDATE orders SET region = 'eu'; -- expect: M306
