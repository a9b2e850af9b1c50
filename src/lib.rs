//! Examples and cross-adapter tests for the webhook-verify crates live in `examples/` and `tests/`.
