//! Durable state: the `Store` trait, an in-memory store and an append-only journal.
