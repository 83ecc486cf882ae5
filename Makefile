# Booking Rush: the two commands of the README, and a few conveniences.
.PHONY: up down status test stack

up:      ## bring the whole stack up and run the main job (services, workers, a demo sale)
	bash deploy/local/main.sh up

down:    ## stop everything `make up` started
	bash deploy/local/main.sh down

status:
	bash deploy/local/main.sh status

test:    ## the whole test suite (starts what it needs)
	bash deploy/local/test.sh

stack:   ## only the infrastructure (Redis, PostgreSQL, Kafka, nginx) and migrations
	bash deploy/local/stack.sh up
