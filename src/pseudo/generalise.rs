//! Generalisation: replace a value by a coarser one that still serves the purpose.
//!
//! An analytics purpose rarely needs a birth date, only an age band; a regional report needs the
//! postcode area, not the street. Generalised values are deliberately lossy and not reversible.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::rule::RuleError;
use crate::time::Timestamp;

/// Ages from this one up share one top band ("90+"), as a handful of very old customers would
/// otherwise stand out (the same cut as the HIPAA Safe Harbor rule, 45 CFR 164.514(b)(2)(i)(C)).
const TOP_AGE: u32 = 90;
/// Older than this, a birth date is treated as a data error rather than an age.
const MAX_AGE: u32 = 150;
/// Most decimals kept by [`Generalisation::Coordinates`]: 4 decimals of a degree are about 11 m,
/// already a single building; more would not generalise at all.
pub const MAX_COORDINATE_DECIMALS: u32 = 4;

/// How to coarsen a value.
///
/// In policies: `{"postcode_prefix": 2}`, `"date_to_month"`, `"date_to_year"`, `{"age_band": 10}`,
/// `"ip_prefix"` or `{"coordinates": 2}`.
///
/// ```
/// use zweck::pseudo::Generalisation;
/// use zweck::Timestamp;
/// let now: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
/// assert_eq!(Generalisation::PostcodePrefix(2).apply("10115", now).unwrap(), "10***");
/// assert_eq!(Generalisation::DateToMonth.apply("1990-06-15", now).unwrap(), "1990-06");
/// assert_eq!(Generalisation::AgeBand(10).apply("1990-06-15", now).unwrap(), "30-39");
/// assert_eq!(Generalisation::IpPrefix.apply("203.0.113.77", now).unwrap(), "203.0.113.0/24");
/// assert_eq!(Generalisation::Coordinates(2).apply("52.520008,13.404954", now).unwrap(), "52.52,13.40");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Generalisation {
    /// Keep the first `n` letters or digits; every later letter or digit becomes `*`, spaces and
    /// hyphens stay: `10115` with 2 is `10***`, `SW1A 1AA` with 2 is `SW** ***`. A value with `n` or
    /// fewer letters and digits (the prefix would be the whole postcode), with no letters or digits, or
    /// with other characters is an error.
    PostcodePrefix(u32),
    /// `YYYY-MM` of a date given as `YYYY-MM-DD` or RFC 3339 (the calendar date as written, not
    /// converted to UTC).
    DateToMonth,
    /// `YYYY` of a date given as `YYYY-MM-DD` or RFC 3339.
    DateToYear,
    /// The age at `now` of a birth date (`YYYY-MM-DD` or RFC 3339), as a band `w` years wide starting
    /// at a multiple of `w`: `30-39` for width 10, `35-39` for width 5. Ages from the band that holds
    /// 90 upwards are one open band (`90+` for width 10), because very old customers are few and
    /// easy to single out. A birth date in the future, more than 150 years ago, or a width of 0 is an
    /// error.
    AgeBand(u32),
    /// The network of an IP address: IPv4 `/24` (`203.0.113.0/24`), IPv6 `/48` in canonical form
    /// (`2001:db8:1234::/48`). IPv4-mapped (`::ffff:a.b.c.d`) and 6to4 (`2002::/16`) addresses carry a
    /// whole IPv4 address within their first 48 bits, so they get the IPv4 rule on that address.
    /// Zone indices (`%eth0`), ports and prefixes in the input are errors.
    IpPrefix,
    /// Latitude and longitude (`"lat,lon"`, decimal degrees) rounded to `n` decimals:
    /// `52.520008,13.404954` with 2 is `52.52,13.40` (about 1 km). Rounding is of the exact binary
    /// value, ties to even (`52.5` with 0 decimals is `52`), and zero has no sign. Out-of-range or
    /// non-finite values,
    /// and more than [`MAX_COORDINATE_DECIMALS`] decimals, are errors.
    Coordinates(u32),
}

impl Generalisation {
    /// Checks the rule's parameter on its own, so a policy can be rejected when it is loaded rather
    /// than at the first value.
    ///
    /// # Errors
    /// [`RuleError`] for `age_band(0)` and for `coordinates(n)` with `n` above
    /// [`MAX_COORDINATE_DECIMALS`].
    pub fn validate(&self) -> Result<(), RuleError> {
        match *self {
            Generalisation::AgeBand(0) => Err(RuleError::new(self, "the band width must be at least 1 year")),
            Generalisation::Coordinates(n) if n > MAX_COORDINATE_DECIMALS => Err(RuleError::new(
                self,
                format!(
                    "{n} decimals keep positions to within centimetres or metres; use at most \
                     {MAX_COORDINATE_DECIMALS} (about 11 m)"
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The generalised form of `value`; `now` is the instant ages are computed at.
    ///
    /// # Errors
    /// [`RuleError`] if the rule's parameter is invalid (see [`validate`](Self::validate)) or the value
    /// does not have the shape the rule needs (see each variant). The message never quotes the value.
    pub fn apply(&self, value: &str, now: Timestamp) -> Result<String, RuleError> {
        self.validate()?;
        let value = value.trim();
        match *self {
            Generalisation::PostcodePrefix(n) => self.postcode(value, n),
            Generalisation::DateToMonth => {
                let (y, m, _) = self.written_date(value)?;
                Ok(format!("{y:04}-{m:02}"))
            }
            Generalisation::DateToYear => {
                let (y, _, _) = self.written_date(value)?;
                Ok(format!("{y:04}"))
            }
            Generalisation::AgeBand(width) => self.age_band(value, width, now),
            Generalisation::IpPrefix => self.ip_prefix(value),
            Generalisation::Coordinates(n) => self.coordinates(value, n),
        }
    }

    fn postcode(&self, value: &str, n: u32) -> Result<String, RuleError> {
        if value.chars().any(|c| !(c.is_alphanumeric() || c == ' ' || c == '-')) {
            return Err(RuleError::new(
                self,
                "the value contains characters other than letters, digits, spaces and hyphens",
            ));
        }
        let significant = value.chars().filter(|c| c.is_alphanumeric()).count();
        if significant == 0 {
            return Err(RuleError::new(self, "the value has no letters or digits"));
        }
        let keep = usize::try_from(n).unwrap_or(usize::MAX);
        if significant <= keep {
            return Err(RuleError::new(
                self,
                format!(
                    "the value has only {significant} letters or digits, so the prefix would be all of it"
                ),
            ));
        }
        let mut seen = 0;
        Ok(value
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    seen += 1;
                    if seen > keep {
                        return '*';
                    }
                }
                c
            })
            .collect())
    }

    /// The calendar date written at the start of a `YYYY-MM-DD` or RFC 3339 value.
    fn written_date(&self, value: &str) -> Result<(i64, u32, u32), RuleError> {
        let not_a_date = || RuleError::new(self, "the value is not a date (expected YYYY-MM-DD or RFC 3339)");
        // The whole value must be valid, but the date is taken as written: an RFC 3339 birth date
        // with an offset must not move to the previous or next day in UTC.
        value.parse::<Timestamp>().map_err(|_| not_a_date())?;
        let date = value.get(..10).ok_or_else(not_a_date)?;
        let midnight: Timestamp = date.parse().map_err(|_| not_a_date())?;
        Ok(midnight.date())
    }

    fn age_band(&self, value: &str, width: u32, now: Timestamp) -> Result<String, RuleError> {
        let (y, m, d) = self.written_date(value)?;
        let birth = Timestamp::from_civil(y, m, d, 0, 0, 0)
            .map_err(|_| RuleError::new(self, "the value is not a valid calendar date"))?;
        let age = now
            .whole_years_since(birth)
            .ok_or_else(|| RuleError::new(self, "the birth date lies in the future"))?;
        if age > MAX_AGE {
            return Err(RuleError::new(self, format!("the birth date is more than {MAX_AGE} years ago")));
        }
        let top = TOP_AGE / width * width;
        if age >= top {
            return Ok(format!("{top}+"));
        }
        let low = age / width * width;
        Ok(format!("{low}-{}", low + (width - 1)))
    }

    fn ip_prefix(&self, value: &str) -> Result<String, RuleError> {
        let ip: IpAddr = value.parse().map_err(|_| {
            RuleError::new(self, "the value is not an IPv4 or IPv6 address (without port, prefix or zone)")
        })?;
        let v6 = match ip {
            IpAddr::V4(v4) => return Ok(ipv4_network(v4)),
            IpAddr::V6(v6) => v6,
        };
        if let Some(v4) = v6.to_ipv4_mapped() {
            return Ok(ipv4_network(v4));
        }
        let s = v6.segments();
        if s[0] == 0x2002 {
            // 6to4 (RFC 3056): 2002:AABB:CCDD::/48 embeds the IPv4 address AA.BB.CC.DD.
            let [a, b] = s[1].to_be_bytes();
            let [c, d] = s[2].to_be_bytes();
            return Ok(ipv4_network(Ipv4Addr::new(a, b, c, d)));
        }
        let network = Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0);
        Ok(format!("{network}/48"))
    }

    fn coordinates(&self, value: &str, n: u32) -> Result<String, RuleError> {
        let shape = || RuleError::new(self, "the value is not \"latitude,longitude\" in decimal degrees");
        let (lat, lon) = value.split_once(',').ok_or_else(shape)?;
        let lat: f64 = lat.trim().parse().map_err(|_| shape())?;
        let lon: f64 = lon.trim().parse().map_err(|_| shape())?;
        if !lat.is_finite() || !lon.is_finite() {
            return Err(shape());
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(RuleError::new(self, "the latitude is outside -90 to 90 degrees"));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(RuleError::new(self, "the longitude is outside -180 to 180 degrees"));
        }
        let n = n as usize;
        Ok(format!("{},{}", rounded(lat, n), rounded(lon, n)))
    }
}

/// The `/24` network of an IPv4 address.
fn ipv4_network(ip: Ipv4Addr) -> String {
    let [a, b, c, _] = ip.octets();
    format!("{a}.{b}.{c}.0/24")
}

/// `x` with `decimals` decimals, without a sign on zero (`-0.00` would still tell the hemisphere).
fn rounded(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

impl fmt::Display for Generalisation {
    /// `generalisation age_band(10)`: the rule as a policy author would recognise it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("generalisation ")?;
        match self {
            Generalisation::PostcodePrefix(n) => write!(f, "postcode_prefix({n})"),
            Generalisation::DateToMonth => f.write_str("date_to_month"),
            Generalisation::DateToYear => f.write_str("date_to_year"),
            Generalisation::AgeBand(w) => write!(f, "age_band({w})"),
            Generalisation::IpPrefix => f.write_str("ip_prefix"),
            Generalisation::Coordinates(n) => write!(f, "coordinates({n})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-03-01T12:00:00Z".parse().unwrap()
    }

    fn ok(g: Generalisation, v: &str) -> String {
        g.apply(v, now()).unwrap()
    }

    fn err(g: Generalisation, v: &str) -> RuleError {
        let e = g.apply(v, now()).unwrap_err();
        assert!(v.trim().len() < 3 || !e.message.contains(v.trim()), "value echoed: {e}");
        e
    }

    #[test]
    fn postcode_prefix_keeps_the_first_characters_and_stars_the_rest() {
        assert_eq!(ok(Generalisation::PostcodePrefix(2), "10115"), "10***");
        assert_eq!(ok(Generalisation::PostcodePrefix(2), " SW1A 1AA "), "SW** ***");
        assert_eq!(ok(Generalisation::PostcodePrefix(3), "1234-567"), "123*-***");
        assert_eq!(ok(Generalisation::PostcodePrefix(0), "10115"), "*****");
    }

    #[test]
    fn postcode_prefix_refuses_short_empty_and_odd_values() {
        assert!(err(Generalisation::PostcodePrefix(5), "10115").message.contains("only 5 letters or digits"));
        assert!(err(Generalisation::PostcodePrefix(2), " - ").message.contains("no letters or digits"));
        assert!(err(Generalisation::PostcodePrefix(2), "10115, Berlin")
            .message
            .contains("other than letters"));
        assert_eq!(err(Generalisation::PostcodePrefix(2), "").rule, "generalisation postcode_prefix(2)");
    }

    #[test]
    fn dates_are_cut_to_month_or_year_as_written() {
        assert_eq!(ok(Generalisation::DateToMonth, "1990-06-15"), "1990-06");
        assert_eq!(ok(Generalisation::DateToYear, "1990-06-15"), "1990");
        // 00:30 at +02:00 is the previous day in UTC; the written date counts.
        assert_eq!(ok(Generalisation::DateToMonth, "1990-07-01T00:30:00+02:00"), "1990-07");
        assert_eq!(ok(Generalisation::DateToYear, "2000-01-01T00:00:00.5Z"), "2000");
    }

    #[test]
    fn malformed_dates_are_refused() {
        for v in [
            "15.06.1990",
            "1990-02-30",
            "1990-06",
            "yesterday",
            "",
            "1990-06-15T25:00:00Z",
            "1990-06-15 junk",
        ] {
            for g in [Generalisation::DateToMonth, Generalisation::DateToYear, Generalisation::AgeBand(10)] {
                let e = err(g, v);
                assert!(e.message.contains("not a date"), "{v}: {e}");
            }
        }
    }

    #[test]
    fn age_band_counts_whole_years_at_now() {
        assert_eq!(ok(Generalisation::AgeBand(10), "1990-06-15"), "30-39");
        assert_eq!(ok(Generalisation::AgeBand(5), "1990-06-15"), "35-39");
        assert_eq!(ok(Generalisation::AgeBand(10), "1996-03-01"), "30-39");
        assert_eq!(ok(Generalisation::AgeBand(10), "1996-03-02"), "20-29");
        assert_eq!(ok(Generalisation::AgeBand(10), "2026-03-01"), "0-9");
        assert_eq!(ok(Generalisation::AgeBand(1), "1990-06-15"), "35-35");
        assert_eq!(ok(Generalisation::AgeBand(10), "1990-06-15T23:30:00-05:00"), "30-39");
    }

    #[test]
    fn age_band_top_codes_the_very_old() {
        assert_eq!(ok(Generalisation::AgeBand(10), "1937-01-01"), "80-89");
        assert_eq!(ok(Generalisation::AgeBand(10), "1936-01-01"), "90+");
        assert_eq!(ok(Generalisation::AgeBand(10), "1900-01-01"), "90+");
        assert_eq!(ok(Generalisation::AgeBand(7), "1940-01-01"), "84+");
        assert_eq!(ok(Generalisation::AgeBand(7), "1946-01-01"), "77-83");
    }

    #[test]
    fn age_band_refuses_future_ancient_dates_and_zero_width() {
        assert!(err(Generalisation::AgeBand(10), "2026-03-02").message.contains("future"));
        assert!(err(Generalisation::AgeBand(10), "1850-01-01").message.contains("more than 150 years"));
        assert!(err(Generalisation::AgeBand(0), "1990-06-15").message.contains("at least 1 year"));
        assert!(Generalisation::AgeBand(0).validate().is_err());
    }

    #[test]
    fn ipv4_keeps_the_24_bit_network() {
        assert_eq!(ok(Generalisation::IpPrefix, "203.0.113.77"), "203.0.113.0/24");
        assert_eq!(ok(Generalisation::IpPrefix, " 10.1.2.3 "), "10.1.2.0/24");
    }

    #[test]
    fn ipv6_keeps_the_48_bit_network_in_canonical_form() {
        assert_eq!(ok(Generalisation::IpPrefix, "2001:0DB8:1234:5678::1"), "2001:db8:1234::/48");
        assert_eq!(ok(Generalisation::IpPrefix, "2001:db8::1"), "2001:db8::/48");
        assert_eq!(ok(Generalisation::IpPrefix, "::1"), "::/48");
        assert_eq!(ok(Generalisation::IpPrefix, "fe80::1:2:3:4"), "fe80::/48");
    }

    #[test]
    fn ipv6_forms_embedding_ipv4_get_the_ipv4_rule() {
        assert_eq!(ok(Generalisation::IpPrefix, "::ffff:203.0.113.77"), "203.0.113.0/24");
        assert_eq!(ok(Generalisation::IpPrefix, "::ffff:cb00:714d"), "203.0.113.0/24");
        // 6to4: 2002:cb00:714d::/48 would otherwise reveal 203.0.113.77 entirely.
        assert_eq!(ok(Generalisation::IpPrefix, "2002:cb00:714d:1::5"), "203.0.113.0/24");
    }

    #[test]
    fn non_addresses_are_refused() {
        for v in [
            "",
            "localhost",
            "203.0.113.77:443",
            "203.0.113.0/24",
            "fe80::1%eth0",
            "256.1.1.1",
            "1.2.3",
            "010.1.1.1",
        ] {
            assert!(err(Generalisation::IpPrefix, v).message.contains("not an IPv4 or IPv6 address"), "{v}");
        }
    }

    #[test]
    fn coordinates_are_rounded_to_the_given_decimals() {
        assert_eq!(ok(Generalisation::Coordinates(2), "52.520008,13.404954"), "52.52,13.40");
        assert_eq!(ok(Generalisation::Coordinates(1), " -33.8688 , 151.2093 "), "-33.9,151.2");
        assert_eq!(ok(Generalisation::Coordinates(0), "52.5,13.5"), "52,14");
        assert_eq!(ok(Generalisation::Coordinates(2), "-0.001,-0.004"), "0.00,0.00");
        assert_eq!(ok(Generalisation::Coordinates(4), "90,-180"), "90.0000,-180.0000");
    }

    #[test]
    fn coordinates_out_of_range_or_not_numbers_are_refused() {
        let c = Generalisation::Coordinates(2);
        assert!(err(c, "90.5,0").message.contains("latitude"));
        assert!(err(c, "0,180.01").message.contains("longitude"));
        for v in ["NaN,0", "0,inf", "52.52", "52.52;13.40", "north,east", ""] {
            assert!(err(c, v).message.contains("latitude,longitude"), "{v}");
        }
        assert!(err(Generalisation::Coordinates(5), "52.52,13.40").message.contains("at most 4"));
    }

    #[test]
    fn json_forms_round_trip() {
        for (json, g) in [
            ("{\"postcode_prefix\":2}", Generalisation::PostcodePrefix(2)),
            ("\"date_to_month\"", Generalisation::DateToMonth),
            ("\"date_to_year\"", Generalisation::DateToYear),
            ("{\"age_band\":10}", Generalisation::AgeBand(10)),
            ("\"ip_prefix\"", Generalisation::IpPrefix),
            ("{\"coordinates\":2}", Generalisation::Coordinates(2)),
        ] {
            assert_eq!(serde_json::from_str::<Generalisation>(json).unwrap(), g);
            assert_eq!(serde_json::to_string(&g).unwrap(), json);
        }
        assert!(serde_json::from_str::<Generalisation>("\"age_band\"").is_err());
        assert!(serde_json::from_str::<Generalisation>("\"date_to_day\"").is_err());
    }

    #[test]
    fn display_names_the_rule_with_its_parameter() {
        assert_eq!(Generalisation::AgeBand(10).to_string(), "generalisation age_band(10)");
        assert_eq!(Generalisation::IpPrefix.to_string(), "generalisation ip_prefix");
    }
}
