//! IAB TCF v2.2 / v2.3 consent strings.
