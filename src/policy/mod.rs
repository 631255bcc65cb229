//! Purpose tagging: purposes, fields, treatments and their validation.
pub mod vocab;
