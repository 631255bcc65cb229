//! Keyed pseudonyms, masking and generalisation.
