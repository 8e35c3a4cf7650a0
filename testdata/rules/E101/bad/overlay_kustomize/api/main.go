package main

import (
	"log"
	"net/http"
	"os"
)

func main() {
	db := os.Getenv("DATABASE_URL")
	cache := os.Getenv("REDIS_URL") // expect: E101
	if cache == "" {
		log.Fatal("REDIS_URL is required")
	}
	port := os.Getenv("PORT")
	log.Println(db, cache)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
