//! Examples and cross-adapter tests for the webhook-gate crates live in `examples/` and `tests/`.
