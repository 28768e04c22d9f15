"""What operators need: `make serve`'s launcher, health checks, the request log, Prometheus
metrics, read replicas and the tasks worker's heartbeat."""
