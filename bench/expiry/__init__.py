"""Hold-expiry lateness benchmark: the expiry worker against a naive SQL poller, under reservation load."""
