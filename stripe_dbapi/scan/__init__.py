"""Plan scans → Arrow record batches through the client: calls, the pool, slices, Arrow."""
