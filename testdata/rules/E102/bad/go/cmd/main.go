package main

import (
	"fmt"
	"os"
)

func main() {
	topic := os.Getenv("KAFKA_TOPIC") // expect: E102
	port := os.Getenv("PORT")
	fmt.Println(topic, port)
}
