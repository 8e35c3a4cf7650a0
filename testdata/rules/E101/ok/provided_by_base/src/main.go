package main

import (
	"log"
	"os"
)

func main() {
	db := os.Getenv("DATABASE_URL")
	if db == "" {
		log.Fatal("DATABASE_URL is required")
	}
	cache, ok := os.LookupEnv("REDIS_URL")
	if !ok {
		log.Fatal("REDIS_URL is required")
	}
	_ = cache
}
