redis = ENV.fetch("REDIS_URL")
db = ENV.fetch("DATABASE_URL")
page = ENV.fetch("APP_ORDERS_PAGE_SIZE")
puts [redis, db, page].join(",")
