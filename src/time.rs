//! Instants and calendar periods.
//!
//! zweck works in whole seconds of UTC (the precision consent evidence needs) and keeps its own small
//! calendar code instead of pulling in a date-time crate: the only operations needed are RFC 3339
//! formatting and parsing, and adding calendar months or years to an instant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// An instant in UTC, in whole seconds since 1970-01-01T00:00:00Z.
///
/// ```
/// use zweck::Timestamp;
/// let t: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
/// assert_eq!(t.to_string(), "2026-03-01T12:00:00Z");
/// assert_eq!(Timestamp::from_unix(t.unix()), t);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Timestamp(i64);

/// Smallest and largest year accepted, so that all calendar arithmetic stays far from overflow.
const MIN_YEAR: i64 = 1;
const MAX_YEAR: i64 = 9999;

/// Days from 0000-03-01 to 1970-01-01: the origin of the unsigned day count in
/// [`Timestamp::plus_in_range`] and [`civil_from_days`].
const MARCH_0000: i64 = 719_468;

/// Seconds from 0000-03-01 to 10000-01-01, the end of the range that `plus_in_range` handles.
const YEAR_10000: u64 = (2_932_897 + MARCH_0000 as u64) * 86_400;

/// 10000-01-01T00:00:00Z in seconds since the epoch.
const YEAR_10000_UNIX: i64 = 2_932_897 * 86_400;

impl Timestamp {
    /// The instant `secs` seconds after the Unix epoch (negative values are before it).
    pub const fn from_unix(secs: i64) -> Self {
        Timestamp(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// The current time of the system clock.
    pub fn now() -> Self {
        let secs = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        };
        Timestamp(secs)
    }

    /// Builds an instant from a UTC calendar date and time of day.
    pub fn from_civil(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Result<Self, Error> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(Error::InvalidInput {
                what: "timestamp",
                message: format!(
                    "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z is not a valid UTC date and time"
                ),
            });
        }
        let days = days_from_civil(year, month, day);
        Ok(Timestamp(days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)))
    }

    /// The UTC calendar date `(year, month, day)` of this instant.
    pub fn date(self) -> (i64, u32, u32) {
        civil_from_days(self.0.div_euclid(86_400))
    }

    /// Seconds into the UTC day.
    fn second_of_day(self) -> u32 {
        self.0.rem_euclid(86_400) as u32
    }

    /// Adds a calendar period; months and years keep the day of month, clamped to the month's length
    /// (2026-01-31 + 1 month = 2026-02-28). Saturates instead of overflowing. Also available as `+`.
    pub fn plus(self, period: Period) -> Self {
        // A consent check near a grant's maximum age adds the period on the decision path, so the
        // common case (a date from year 0 to 9999) takes a path that never leaves the calendar's own
        // day count; the general path handles the rest, and a test holds the two to the same answers.
        match self.plus_in_range(period) {
            Some(t) => t,
            None => self.plus_by_dates(period),
        }
    }

    /// Whether `self + period` is at or before `limit`: always `self.plus(period) <= limit`, but
    /// most instants are decided without calendar arithmetic.
    ///
    /// Adding months moves a date by the lengths of the months it passes (any 12 in a row have 365
    /// or 366 days, any other one 28 to 31) less what clamping to a shorter month takes off (at most
    /// 3 days), and keeps the time of day. A consent is usually well inside its maximum age or well
    /// past it; only in the window those bounds leave (13 months: days 390 to 397) does the exact
    /// sum decide.
    pub(crate) fn plus_is_at_or_before(self, period: Period, limit: Timestamp) -> bool {
        if (-MARCH_0000 * 86_400..YEAR_10000_UNIX).contains(&self.0) {
            let (years, months) = (i64::from(period.months / 12), i64::from(period.months % 12));
            let (clamp, d) = (if period.months > 0 { 3 } else { 0 }, i64::from(period.days));
            // At most 366 · u32::MAX / 12 + 31 · 11 + u32::MAX days: far inside i64 seconds.
            let earliest = self.0 + (365 * years + 28 * months - clamp + d) * 86_400;
            let latest = self.0 + (366 * years + 31 * months + d) * 86_400;
            // The sum is at least `earliest` even where it is the year-10000 cap (`i64::MAX / 2`).
            if limit.0 < earliest {
                return false;
            }
            // At most `latest` when that is before year 10000, where the cap would apply.
            if latest <= limit.0 && latest < YEAR_10000_UNIX {
                return true;
            }
        }
        self.plus(period) <= limit
    }

    /// [`Timestamp::plus`] by way of the civil date: the reference, valid for every instant.
    fn plus_by_dates(self, period: Period) -> Self {
        let (y, m, d) = self.date();
        let total_months = y * 12 + i64::from(m - 1) + i64::from(period.months);
        let ny = total_months.div_euclid(12);
        let nm = (total_months.rem_euclid(12) + 1) as u32;
        if ny > MAX_YEAR {
            return Timestamp(i64::MAX / 2);
        }
        let nd = d.min(days_in_month(ny, nm));
        // The first day is partly before i64::MIN (which is not a multiple of 86 400), so its start
        // in seconds overflows: saturate.
        let base = days_from_civil(ny, nm, nd)
            .saturating_mul(86_400)
            .saturating_add(i64::from(self.second_of_day()));
        Timestamp(base.saturating_add(i64::from(period.days) * 86_400))
    }

    /// [`Timestamp::plus`] for instants from 0000-03-01 to the end of year 9999 (`None` outside).
    ///
    /// It counts days from 0000-03-01, so that every quantity is unsigned (no floor-division
    /// fix-ups) and a year runs March to February (the leap day is the year's last day, and month
    /// lengths follow a fixed pattern): the date is taken apart and put back together in that
    /// count, without going through the civil year and month. The arithmetic is
    /// [`civil_from_days`] and [`days_from_civil`]'s.
    fn plus_in_range(self, period: Period) -> Option<Self> {
        let secs = u64::try_from(self.0.checked_add(MARCH_0000 * 86_400)?).ok()?;
        if secs >= YEAR_10000 {
            return None;
        }
        let (days, second) = ((secs / 86_400) as u32, secs % 86_400);
        let (era, doe) = (days / 146_097, days % 146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        // Months since March of year 0, then the target's March-based year and month.
        let months = u64::from(era * 400 + yoe) * 12 + u64::from(mp) + u64::from(period.months);
        let (year, mp) = (months / 12, (months % 12) as u32);
        // March-based months 10 and 11 (January, February) belong to the next civil year.
        let civil_year = year + u64::from(mp >= 10);
        if civil_year > MAX_YEAR as u64 {
            return Some(Timestamp(i64::MAX / 2));
        }
        let year = year as u32;
        let month_start = (153 * mp + 2) / 5;
        let length = match mp {
            11 if is_leap(i64::from(year) + 1) => 29,
            11 => 28,
            _ => (153 * (mp + 1) + 2) / 5 - month_start,
        };
        let (era, yoe) = (year / 400, year % 400);
        let doy = month_start + day.min(length) - 1;
        let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let base = (i64::from(days) - MARCH_0000) * 86_400 + second as i64;
        // Well inside i64: the base is before year 10000 and the days are at most `u32::MAX`.
        Some(Timestamp(base + i64::from(period.days) * 86_400))
    }

    /// Whole years from `birth` to `self` (an age), or `None` if `birth` is later than `self`.
    pub fn whole_years_since(self, birth: Timestamp) -> Option<u32> {
        if birth > self {
            return None;
        }
        let (by, bm, bd) = birth.date();
        let (y, m, d) = self.date();
        let mut years = y - by;
        if (m, d) < (bm, bd) {
            years -= 1;
        }
        u32::try_from(years).ok()
    }
}

impl std::ops::Add<Period> for Timestamp {
    type Output = Timestamp;
    fn add(self, period: Period) -> Timestamp {
        self.plus(period)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with a `Z` suffix, e.g. `2026-03-01T12:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.date();
        let s = self.second_of_day();
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
    }
}

impl FromStr for Timestamp {
    type Err = Error;

    /// Parses RFC 3339 (`2026-03-01T12:00:00Z`, `2026-03-01T13:00:00+01:00`, fractional seconds are
    /// truncated) or a bare date `2026-03-01` (midnight UTC).
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::InvalidInput {
            what: "timestamp",
            message: format!(
                "{s:?} is not an RFC 3339 date-time ({why}); expected e.g. \"2026-03-01T12:00:00Z\""
            ),
        };
        let b = s.as_bytes();
        let num = |range: std::ops::Range<usize>| -> Result<u32, Error> {
            let part = b.get(range).ok_or_else(|| bad("too short"))?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return Err(bad("expected digits"));
            }
            Ok(part.iter().fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0')))
        };
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad("date must be YYYY-MM-DD"));
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if b.len() == 10 {
            return Timestamp::from_civil(i64::from(year), month, day, 0, 0, 0);
        }
        if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
            return Err(bad("time must be THH:MM:SS"));
        }
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut rest = &b[19..];
        if let Some(frac) = rest.strip_prefix(b".") {
            let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return Err(bad("empty fraction"));
            }
            rest = &frac[digits..];
        }
        let offset: i64 = match rest {
            b"Z" | b"z" => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let digits = [*h1, *h2, *m1, *m2];
                if !digits.iter().all(u8::is_ascii_digit) {
                    return Err(bad("offset must be +HH:MM"));
                }
                let h = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
                let m = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
                if h > 23 || m > 59 {
                    return Err(bad("offset out of range"));
                }
                let o = h * 3600 + m * 60;
                if *sign == b'+' {
                    o
                } else {
                    -o
                }
            }
            _ => return Err(bad("missing Z or +HH:MM offset")),
        };
        let local = Timestamp::from_civil(i64::from(year), month, day, hour, minute, second)?;
        Ok(Timestamp(local.0 - offset))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A calendar period: whole months plus whole days (weeks and years are folded in).
///
/// Written in policies as `"13 months"`, `"30 days"`, `"2 weeks"`, `"10 years"`, or ISO 8601
/// (`"P13M"`, `"P1Y6M"`, `"P30D"`).
///
/// ```
/// use zweck::Period;
/// let p: Period = "13 months".parse().unwrap();
/// assert_eq!(p, Period::months(13));
/// assert_eq!("P1Y2M3D".parse::<Period>().unwrap(), Period { months: 14, days: 3 });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub struct Period {
    /// Calendar months (a year is 12).
    pub months: u32,
    /// Days (a week is 7).
    pub days: u32,
}

impl Period {
    /// A period of `n` calendar months.
    pub const fn months(n: u32) -> Self {
        Period { months: n, days: 0 }
    }
    /// A period of `n` days.
    pub const fn days(n: u32) -> Self {
        Period { months: 0, days: n }
    }
    /// A period of `n` calendar years.
    pub const fn years(n: u32) -> Self {
        Period { months: n.saturating_mul(12), days: 0 }
    }
    /// True for the empty period.
    pub const fn is_zero(&self) -> bool {
        self.months == 0 && self.days == 0
    }
}

impl fmt::Display for Period {
    /// Plain language: `13 months`, `2 years`, `1 year 30 days`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let y = self.months / 12;
        let unit = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if self.months.is_multiple_of(12) && y > 0 {
            parts.push(unit(y, "year", "years"));
        } else if self.months > 0 {
            parts.push(unit(self.months, "month", "months"));
        }
        if self.days > 0 || parts.is_empty() {
            parts.push(unit(self.days, "day", "days"));
        }
        f.write_str(&parts.join(" "))
    }
}

impl FromStr for Period {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || {
            Error::InvalidInput {
            what: "period",
            message: format!(
                "{s:?} is not a period; write e.g. \"13 months\", \"30 days\", \"2 years\" or ISO 8601 \"P13M\""
            ),
        }
        };
        let t = s.trim();
        let mut p = Period::default();
        let add = |p: &mut Period, n: u32, unit: &str| -> Option<()> {
            match unit {
                "d" | "day" | "days" => p.days = p.days.checked_add(n)?,
                "w" | "week" | "weeks" => p.days = p.days.checked_add(n.checked_mul(7)?)?,
                "m" | "month" | "months" => p.months = p.months.checked_add(n)?,
                "y" | "year" | "years" => p.months = p.months.checked_add(n.checked_mul(12)?)?,
                _ => return None,
            }
            Some(())
        };
        if let Some(iso) = t.strip_prefix('P').or_else(|| t.strip_prefix('p')) {
            let mut n: Option<u32> = None;
            if iso.is_empty() {
                return Err(bad());
            }
            for c in iso.chars() {
                if let Some(d) = c.to_digit(10) {
                    n = Some(n.unwrap_or(0).checked_mul(10).and_then(|v| v.checked_add(d)).ok_or_else(bad)?);
                } else {
                    let unit = c.to_ascii_lowercase().to_string();
                    add(&mut p, n.take().ok_or_else(bad)?, &unit).ok_or_else(bad)?;
                }
            }
            if n.is_some() {
                return Err(bad());
            }
            return Ok(p);
        }
        let words: Vec<&str> = t.split_whitespace().collect();
        if words.is_empty() || !words.len().is_multiple_of(2) {
            return Err(bad());
        }
        for pair in words.chunks(2) {
            let n: u32 = pair[0].parse().map_err(|_| bad())?;
            add(&mut p, n, &pair[1].to_ascii_lowercase()).ok_or_else(bad)?;
        }
        Ok(p)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339_across_leap_days_and_epoch() {
        for s in
            ["1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z", "2026-12-01T13:03:26Z", "1969-12-31T23:59:59Z"]
        {
            let t: Timestamp = s.parse().unwrap();
            assert_eq!(t.to_string(), s);
        }
        assert_eq!("1970-01-01T00:00:00Z".parse::<Timestamp>().unwrap().unix(), 0);
        assert_eq!("2026-12-01T13:03:26Z".parse::<Timestamp>().unwrap().unix(), 1_796_130_206);
    }

    #[test]
    fn offsets_and_fractions_normalise_to_utc() {
        let a: Timestamp = "2026-03-01T13:30:00.123+01:30".parse().unwrap();
        assert_eq!(a.to_string(), "2026-03-01T12:00:00Z");
        let b: Timestamp = "2026-03-01".parse().unwrap();
        assert_eq!(b.to_string(), "2026-03-01T00:00:00Z");
    }

    #[test]
    fn malformed_timestamps_are_rejected_with_the_input_named() {
        for s in [
            "",
            "2026-02-30T00:00:00Z",
            "2026-13-01",
            "2026-03-01T12:00:00",
            "2026-03-01T25:00:00Z",
            "x026-03-01",
        ] {
            let e = s.parse::<Timestamp>().unwrap_err().to_string();
            assert!(e.contains("timestamp"), "{s}: {e}");
        }
    }

    #[test]
    fn adding_months_clamps_to_month_end() {
        let t: Timestamp = "2026-01-31T10:00:00Z".parse().unwrap();
        assert_eq!(t.plus(Period::months(1)).to_string(), "2026-02-28T10:00:00Z");
        assert_eq!(t.plus(Period::months(13)).to_string(), "2027-02-28T10:00:00Z");
        assert_eq!(t.plus(Period::days(1)).to_string(), "2026-02-01T10:00:00Z");
        assert_eq!(t.plus(Period::years(10_000)).unix(), i64::MAX / 2);
    }

    /// Every day from before 0000-03-01 to after 9999-12-31, so every month end, leap day and
    /// century rule, at a time of day that changes from day to day, through the calendar-count path
    /// and the civil-date path.
    #[test]
    fn adding_months_agrees_with_the_civil_date_path_on_every_day() {
        let first = days_from_civil(0, 2, 20);
        let last = days_from_civil(10_000, 1, 10);
        let periods = [Period::months(1), Period::months(13), Period { months: 11, days: 1 }];
        for day in first..=last {
            let t = Timestamp(day * 86_400 + (day * 7919).rem_euclid(86_400));
            for p in periods {
                assert_eq!(t.plus(p), t.plus_by_dates(p), "{t} + {p}");
            }
        }
    }

    #[test]
    fn the_calendar_count_path_covers_exactly_years_0_to_9999() {
        let start = Timestamp(-MARCH_0000 * 86_400);
        assert_eq!(start.date(), (0, 3, 1));
        assert_eq!(Timestamp(start.0 - 1).plus_in_range(Period::months(1)), None);
        assert!(start.plus_in_range(Period::months(1)).is_some());
        let end: Timestamp = "9999-12-31T23:59:59Z".parse().unwrap_or(Timestamp(0));
        assert_eq!(end.plus_in_range(Period::days(1)), Some(Timestamp(end.0 + 86_400)));
        assert_eq!(end.plus_in_range(Period::months(1)), Some(Timestamp(i64::MAX / 2)));
        assert_eq!(Timestamp(end.0 + 1).plus_in_range(Period::days(1)), None);
        assert_eq!(Timestamp(end.0 + 1).plus(Period::days(1)), Timestamp(i64::MAX / 2));
    }

    /// Limits one second either side of the exact sum and at the ends of the window the shortcut
    /// leaves to it: every day of a full 400-year cycle and a margin (every month-length and leap
    /// pattern), and of the months around both ends of the range the shortcut applies to.
    #[test]
    fn the_bounds_shortcut_agrees_with_the_exact_sum_on_every_day() {
        let periods = [
            Period::months(1),
            Period::months(13),
            Period::months(24),
            Period { months: 2, days: 3 },
            Period::days(30),
        ];
        let days = (days_from_civil(1890, 1, 1)..days_from_civil(2310, 1, 1))
            .chain(days_from_civil(0, 1, 1)..days_from_civil(1, 3, 1))
            .chain(days_from_civil(9997, 1, 1)..days_from_civil(10_000, 3, 1));
        for day in days {
            let t = Timestamp(day * 86_400 + (day * 7919).rem_euclid(86_400));
            for p in periods {
                let sum = t.plus(p).0;
                let (y, m, d) = (i64::from(p.months / 12), i64::from(p.months % 12), i64::from(p.days));
                let earliest = t.0 + (365 * y + 28 * m - 3 + d) * 86_400;
                let latest = t.0 + (366 * y + 31 * m + d) * 86_400;
                for limit in [sum - 1, sum, sum + 1, earliest - 1, earliest, latest - 1, latest] {
                    assert_eq!(
                        t.plus_is_at_or_before(p, Timestamp(limit)),
                        sum <= limit,
                        "{t} + {p} <= {limit}"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        /// Any instant within a million years of the epoch, any period (including ones that run
        /// past year 9999 or up to `u32::MAX` days).
        #[test]
        fn adding_any_period_agrees_with_the_civil_date_path(
            secs in -31_556_952_000_000i64..31_556_952_000_000,
            near in -400i64 * 366 * 86_400..10_400 * 366 * 86_400,
            months in proptest::prop_oneof![0u32..400, 0u32..150_000, proptest::num::u32::ANY],
            days in proptest::prop_oneof![0u32..1000, proptest::num::u32::ANY],
        ) {
            let p = Period { months, days };
            for t in [Timestamp(secs), Timestamp(near - MARCH_0000 * 86_400)] {
                proptest::prop_assert_eq!(t.plus(p), t.plus_by_dates(p), "{} + {:?}", t.0, p);
            }
        }

        /// The shortcut against the exact sum, with limits anywhere and near the sum.
        #[test]
        fn the_bounds_shortcut_agrees_with_the_exact_sum(
            near in -400i64 * 366 * 86_400..10_400 * 366 * 86_400,
            months in proptest::prop_oneof![0u32..400, proptest::num::u32::ANY],
            days in proptest::prop_oneof![0u32..1000, proptest::num::u32::ANY],
            offset in proptest::prop_oneof![-5 * 86_400i64..5 * 86_400, -40 * 86_400i64..40 * 86_400],
            anywhere in proptest::num::i64::ANY,
        ) {
            let p = Period { months, days };
            let t = Timestamp(near - MARCH_0000 * 86_400);
            let sum = t.plus(p).0;
            for limit in [sum.saturating_add(offset), anywhere] {
                proptest::prop_assert_eq!(t.plus_is_at_or_before(p, Timestamp(limit)), sum <= limit);
            }
        }
    }

    #[test]
    fn periods_parse_words_and_iso8601() {
        assert_eq!("2 weeks".parse::<Period>().unwrap(), Period::days(14));
        assert_eq!("1 year 30 days".parse::<Period>().unwrap(), Period { months: 12, days: 30 });
        assert_eq!("P10Y".parse::<Period>().unwrap(), Period::years(10));
        for bad in ["", "13", "months", "P", "P1X", "13 fortnights", "-1 days"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        assert_eq!(Period::years(2).to_string(), "2 years");
        assert_eq!(Period::months(13).to_string(), "13 months");
    }

    #[test]
    fn ages_count_whole_years() {
        let birth: Timestamp = "1990-06-15".parse().unwrap();
        assert_eq!("2026-06-14".parse::<Timestamp>().unwrap().whole_years_since(birth), Some(35));
        assert_eq!("2026-06-15".parse::<Timestamp>().unwrap().whole_years_since(birth), Some(36));
        assert_eq!(birth.whole_years_since("2026-01-01".parse().unwrap()), None);
    }

    #[test]
    fn periods_added_to_the_earliest_instants_move_forward_and_agree_with_the_bounds_check() {
        for secs in [i64::MIN, i64::MIN + 1, i64::MIN + 86_399, i64::MIN + 86_400 * 40 + 7] {
            let t = Timestamp::from_unix(secs);
            for p in
                [Period::months(1), Period::months(13), Period::days(1), Period::years(1), Period::days(0)]
            {
                let sum = t.plus(p);
                assert!(sum >= t, "{secs} + {p:?} went back to {sum:?}");
                assert!(t.plus_is_at_or_before(p, sum), "{secs} + {p:?}");
                if let Some(before) = sum.unix().checked_sub(1) {
                    assert!(!t.plus_is_at_or_before(p, Timestamp::from_unix(before)), "{secs} + {p:?}");
                }
            }
        }
    }
}
