val topic: String = System.getenv("KAFKA_TOPIC") ?: "orders"
val addr = System.getenv("KAFKA_ADDR")?.trim()
