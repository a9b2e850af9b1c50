-- webhook-gate: the delivery ids a receiver has claimed (in flight) or processed (done).
-- `key` is the store's prefix, the route's namespace and the delivery id (or the
-- signature's fingerprint); `token` proves which claim owns an in-flight row; a row
-- whose `expires_at` has passed is free (a lapsed lease, or a done id past its TTL)
-- and is deleted in bounded batches by `PostgresStore::purge_expired`.
CREATE TABLE IF NOT EXISTS webhook_gate_deliveries (
    key        text        PRIMARY KEY,
    token      bytea       NOT NULL,
    done       boolean     NOT NULL DEFAULT false,
    expires_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS webhook_gate_deliveries_expires_at
    ON webhook_gate_deliveries (expires_at);
