//! Conversions between C argument types and the Rust API's types, shared by the entry points:
//! Unix seconds to [`Timestamp`], JSON text to records, Rust values to JSON text.
//!
//! Each returns `Err(status)` with the last error already set, for `try_status!`.

use serde::Serialize;
use serde_json::{Map, Value};

use super::error::fail;
use super::status::zweck_status;
use crate::Timestamp;

/// 0001-01-01T00:00:00Z, the earliest instant zweck's calendar handles.
pub(crate) const MIN_UNIX: i64 = -62_135_596_800;
/// 9999-12-31T23:59:59Z, the latest instant zweck's calendar handles.
pub(crate) const MAX_UNIX: i64 = 253_402_300_799;

/// Unix seconds from C as a [`Timestamp`]; values outside the years 1 to 9999 are refused, naming
/// the parameter, rather than turned into dates nobody can print.
pub(crate) fn timestamp(secs: i64, name: &str) -> Result<Timestamp, zweck_status> {
    if (MIN_UNIX..=MAX_UNIX).contains(&secs) {
        Ok(Timestamp::from_unix(secs))
    } else {
        Err(fail(
            zweck_status::InvalidArgument,
            format_args!(
                "argument `{name}` is {secs}, outside the years 1 to 9999 ({MIN_UNIX} to {MAX_UNIX}); \
                 pass Unix time in seconds"
            ),
        ))
    }
}

/// An optional time where C passes 0 for "none".
pub(crate) fn optional_timestamp(secs: i64, name: &str) -> Result<Option<Timestamp>, zweck_status> {
    if secs == 0 {
        Ok(None)
    } else {
        timestamp(secs, name).map(Some)
    }
}

/// A customer record given as JSON text: it must be an object of field names to values.
pub(crate) fn record(json: &str, name: &str) -> Result<Map<String, Value>, zweck_status> {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(record)) => Ok(record),
        Ok(_) => Err(fail(
            zweck_status::InvalidJson,
            format_args!(
                "argument `{name}` is JSON but not an object; pass the record as an object of field names \
                 to values, e.g. {{\"email\": \"jane@example.com\"}}"
            ),
        )),
        Err(err) => Err(fail(
            zweck_status::InvalidJson,
            format_args!(
                "argument `{name}` is not valid JSON ({err}); pass the record as an object of field names \
                 to values"
            ),
        )),
    }
}

/// A Rust value as JSON text for an owned `char *` output.
pub(crate) fn json<T: Serialize + ?Sized>(value: &T, name: &str) -> Result<String, zweck_status> {
    serde_json::to_string(value).map_err(|err| {
        fail(zweck_status::InvalidValue, format_args!("`{name}` cannot be represented as JSON: {err}"))
    })
}

/// A C `int32_t` flag: 0 is false, any other value true.
pub(crate) fn flag(value: i32) -> bool {
    value != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::error::last_error;

    #[test]
    fn the_timestamp_range_is_the_calendar_range() {
        assert_eq!(Timestamp::from_civil(1, 1, 1, 0, 0, 0).map(Timestamp::unix).ok(), Some(MIN_UNIX));
        assert_eq!(Timestamp::from_civil(9999, 12, 31, 23, 59, 59).map(Timestamp::unix).ok(), Some(MAX_UNIX));
        assert_eq!(timestamp(MAX_UNIX, "at").map(Timestamp::unix), Ok(MAX_UNIX));
        for out_of_range in [MIN_UNIX - 1, MAX_UNIX + 1, i64::MIN, i64::MAX] {
            assert_eq!(timestamp(out_of_range, "at"), Err(zweck_status::InvalidArgument));
            assert!(last_error().unwrap_or_default().contains("`at`"));
        }
    }

    #[test]
    fn zero_is_no_time() {
        assert_eq!(optional_timestamp(0, "expires"), Ok(None));
        assert_eq!(optional_timestamp(60, "expires"), Ok(Some(Timestamp::from_unix(60))));
    }

    #[test]
    fn records_must_be_json_objects() {
        assert!(record(r#"{"email": "a@b.c"}"#, "record_json").is_ok());
        assert_eq!(record("[1, 2]", "record_json").err(), Some(zweck_status::InvalidJson));
        assert!(last_error().unwrap_or_default().contains("not an object"));
        assert_eq!(record("{\"email\": ", "record_json").err(), Some(zweck_status::InvalidJson));
        assert!(last_error().unwrap_or_default().contains("`record_json` is not valid JSON"));
    }
}
