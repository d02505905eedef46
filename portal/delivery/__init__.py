"""Getting every submission to its agency: the outbox, webhook and email adapters, retries, the worker."""
