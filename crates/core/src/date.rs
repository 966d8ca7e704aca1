//! Calendar dates (`YYYY-MM-DD`, proleptic Gregorian, years 0001–9999) and the date arithmetic
//! of the authors' API: `days_between`, `add_months` (clamped to the month's end) and
//! `months_between` (the largest n with `add_months(a, n) <= b`, mirrored when b is earlier).

use std::fmt;

/// The months' names in English, January first, as dates are written for people.
pub(crate) const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A proleptic Gregorian calendar date from year 1 to 9999, ordered; no time, no zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// A date from its parts, if it exists in the calendar and the year is 1–9999.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// Read `YYYY-MM-DD` exactly: four-digit year, two-digit month and day, a real date.
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = &text[range];
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        Date::from_ymd(num(0..4)? as i32, num(5..7)?, num(8..10)?)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    /// The day of the month.
    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// Days since 1970-01-01 (negative before).
    fn to_days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01 (before it for negative `days`), if in 1–9999.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        // Howard Hinnant's civil_from_days.
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::from_ymd(i32::try_from(year).ok()?, month as u32, day as u32)
    }

    /// Days from `self` to `other`: positive when `other` is later.
    pub fn days_until(self, other: Date) -> i64 {
        other.to_days() - self.to_days()
    }

    /// The date `n` months later (earlier for negative `n`), clamped to the end of the month:
    /// 2025-01-31 + 1 → 2025-02-28. `None` beyond the years 1–9999.
    pub fn add_months(self, n: i64) -> Option<Date> {
        let index = i64::from(self.year) * 12 + i64::from(self.month) - 1;
        let target = index.checked_add(n)?;
        let year = target.div_euclid(12);
        let month = (target.rem_euclid(12) + 1) as u32;
        let year = i32::try_from(year).ok()?;
        if !(1..=9999).contains(&year) {
            return None;
        }
        let day = u32::from(self.day).min(days_in_month(year, month));
        Date::from_ymd(year, month, day)
    }

    /// The largest `n` with `self.add_months(n) <= other`; when `other` is earlier, the
    /// negative of `other.months_until(self)`. 2025-01-15 → 2025-02-14 is 0.
    pub fn months_until(self, other: Date) -> i64 {
        if other < self {
            return -other.months_until(self);
        }
        let mut n = (i64::from(other.year) - i64::from(self.year)) * 12 + i64::from(other.month)
            - i64::from(self.month);
        // add_months is monotonic in n, and the estimate is off by at most one.
        while n > 0 && self.add_months(n).is_none_or(|d| d > other) {
            n -= 1;
        }
        n
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn parses_only_real_dates() {
        assert!(Date::parse("2024-02-29").is_some());
        for bad in [
            "2025-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-1-01",
            "25-01-01",
            "2025/01/01",
            "0000-01-01",
            "2025-01-32",
            "2025-01-01T00:00",
            "+025-01-01",
            "1900-02-29",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(d("2000-02-29").to_string(), "2000-02-29");
    }

    #[test]
    fn days_between() {
        assert_eq!(d("2025-01-01").days_until(d("2025-03-01")), 59);
        assert_eq!(d("2024-01-01").days_until(d("2025-01-01")), 366);
        assert_eq!(d("2025-03-01").days_until(d("2025-01-01")), -59);
        assert_eq!(d("1970-01-01").to_days(), 0);
        assert_eq!(d("0001-01-01").days_until(d("9999-12-31")), 3_652_058);
    }

    #[test]
    fn days_since_epoch_round_trip() {
        for s in [
            "1970-01-01",
            "2000-02-29",
            "0001-01-01",
            "9999-12-31",
            "1969-12-31",
            "2026-11-28",
        ] {
            let date = d(s);
            assert_eq!(
                Date::from_days_since_epoch(date.to_days()),
                Some(date),
                "{s}"
            );
        }
        assert_eq!(Date::from_days_since_epoch(-800_000), None);
    }

    #[test]
    fn add_months_clamps_to_month_end() {
        assert_eq!(d("2025-01-31").add_months(1), Some(d("2025-02-28")));
        assert_eq!(d("2024-01-31").add_months(1), Some(d("2024-02-29")));
        assert_eq!(d("2025-03-31").add_months(-1), Some(d("2025-02-28")));
        assert_eq!(d("2025-11-15").add_months(14), Some(d("2027-01-15")));
        assert_eq!(d("2025-01-15").add_months(-13), Some(d("2023-12-15")));
        assert_eq!(d("9999-12-01").add_months(1), None);
        assert_eq!(d("0001-01-01").add_months(-1), None);
    }

    #[test]
    fn months_between_follows_the_spec() {
        assert_eq!(d("2025-01-15").months_until(d("2025-02-14")), 0);
        assert_eq!(d("2025-01-15").months_until(d("2025-02-15")), 1);
        assert_eq!(d("2025-01-31").months_until(d("2025-02-28")), 1);
        assert_eq!(d("2025-02-14").months_until(d("2025-01-15")), 0);
        assert_eq!(d("2025-03-15").months_until(d("2025-01-15")), -2);
        assert_eq!(d("2020-01-01").months_until(d("2025-01-01")), 60);
        assert_eq!(d("2025-05-20").months_until(d("2025-05-20")), 0);
    }
}
