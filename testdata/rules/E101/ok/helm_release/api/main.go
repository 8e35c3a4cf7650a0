package main

import (
	"log"
	"os"
)

func main() {
	redis := os.Getenv("REDIS_URL")
	if redis == "" {
		log.Fatal("REDIS_URL is required")
	}
	log.Println(redis, os.Getenv("LOG_FORMAT"))
}
