//! Built-in fideslang vocabulary.
