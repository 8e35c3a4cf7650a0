package main

import (
	"log"
	"os"
)

func main() {
	db := os.Getenv("DATABASE_URL")
	redis := os.Getenv("REDIS_URL") // expect: E101
	if redis == "" {
		log.Fatal("REDIS_URL is required")
	}
	log.Println(db, redis, os.Getenv("LOG_LEVEL"))
}
