//! Calendar dates as officials write them (dd/mm/yyyy) and as documents store
//! them (ISO `yyyy-mm-dd`, which sorts correctly as text).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A proleptic Gregorian calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2024.
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
    /// Day of month 1–31.
    pub day: u8,
}

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date {0:?}: expected dd/mm/yyyy or yyyy-mm-dd")]
pub struct DateError(pub String);

impl Date {
    /// A checked date.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// `yyyy-mm-dd`.
    pub fn to_iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `dd/mm/yyyy`, the Vietnamese administrative form.
    pub fn to_vn(self) -> String {
        format!("{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl FromStr for Date {
    type Err = DateError;

    /// Accepts `yyyy-mm-dd`, `dd/mm/yyyy` and `d/m/yyyy` (also with `-` or `.` in the
    /// Vietnamese order).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || DateError(s.to_string());
        let t = s.trim();
        let parts: Vec<&str> = t.split(['-', '/', '.']).collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
            return Err(err());
        }
        let nums: Vec<i64> = parts
            .iter()
            .map(|p| p.parse::<i64>().map_err(|_| err()))
            .collect::<Result<_, _>>()?;
        let (y, m, d) = if parts[0].len() == 4 {
            (nums[0], nums[1], nums[2])
        } else if parts[2].len() == 4 {
            (nums[2], nums[1], nums[0])
        } else {
            return Err(err());
        };
        let (Ok(y), Ok(m), Ok(d)) = (i32::try_from(y), u8::try_from(m), u8::try_from(d)) else {
            return Err(err());
        };
        Date::new(y, m, d).ok_or_else(err)
    }
}

/// What a date box shows while the officer types: the dd/mm/yyyy slashes
/// supplied, so a phone's numeric keypad (which has no "/") is enough.
/// "22032024" and "22/03/2024" both show "22/03/2024"; a slash appears when
/// the day or month has two digits and the next digit comes (not before:
/// backspace over "22/" must leave "22", not put the slash back). A separator
/// typed after a one-digit day or month ("2/3/2024") is kept; a second one,
/// letters and digits past the four of the year are dropped. An ISO date
/// pasted whole shows in the Vietnamese order.
pub fn typing_vn(raw: &str) -> String {
    let t = raw.trim();
    if t.len() == 10
        && t.as_bytes()[4] == b'-'
        && let Ok(d) = t.parse::<Date>()
    {
        return d.to_vn();
    }
    let mut parts = vec![String::new()];
    for c in t.chars() {
        let last = parts.len() - 1;
        if c.is_ascii_digit() {
            let limit = if last < 2 { 2 } else { 4 };
            if parts[last].len() < limit {
                parts[last].push(c);
            } else if last < 2 {
                parts.push(c.to_string());
            }
        } else if matches!(c, '/' | '.' | '-' | ' ' | ',') && last < 2 && !parts[last].is_empty() {
            parts.push(String::new());
        }
    }
    parts.join("/")
}

/// Where the caret goes in `formatted` (from [`typing_vn`]) to stay after
/// the same digits as it was in what was typed: after `digits` digits, and
/// after a slash that follows them.
pub fn caret_after_digits(formatted: &str, digits: usize) -> usize {
    let mut seen = 0;
    for (i, c) in formatted.char_indices() {
        if seen == digits && c != '/' {
            return i;
        }
        if c.is_ascii_digit() {
            seen += 1;
        }
    }
    formatted.len()
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vn())
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_iso())
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_orders() {
        let d: Date = "22/3/2023".parse().unwrap();
        assert_eq!(d, Date::new(2023, 3, 22).unwrap());
        assert_eq!("2023-03-22".parse::<Date>().unwrap(), d);
        assert_eq!(d.to_vn(), "22/03/2023");
        assert!("31/02/2024".parse::<Date>().is_err());
        assert!("29/02/2024".parse::<Date>().is_ok());
        assert!("hôm qua".parse::<Date>().is_err());
    }

    #[test]
    fn slashes_are_supplied_while_typing() {
        let typed_digit_by_digit = |keys: &str| {
            let mut shown = String::new();
            for k in keys.chars() {
                shown.push(k);
                shown = typing_vn(&shown);
            }
            shown
        };
        assert_eq!(typed_digit_by_digit("22032024"), "22/03/2024");
        assert_eq!(typed_digit_by_digit("22/03/2024"), "22/03/2024");
        assert_eq!(typed_digit_by_digit("2/3/2024"), "2/3/2024");
        assert_eq!(typed_digit_by_digit("220320245"), "22/03/2024");
        assert_eq!(typed_digit_by_digit("22//03"), "22/03");
        assert_eq!(typed_digit_by_digit("22.03.2024"), "22/03/2024");
        assert_eq!(typing_vn("22"), "22");
        assert_eq!(typing_vn("220"), "22/0");
        assert_eq!(typing_vn("22/"), "22/", "a typed slash stays");
        assert_eq!(typing_vn("/"), "");
        assert_eq!(typing_vn("ngày 1"), "1");
        assert_eq!(typing_vn("2024-03-22"), "22/03/2024");
        for partial in ["2", "22/0", "22/03/202"] {
            assert!(partial.parse::<Date>().is_err(), "{partial} is no date yet");
        }
    }

    #[test]
    fn the_caret_stays_after_the_same_digits() {
        assert_eq!(caret_after_digits("22/0", 3), 4);
        assert_eq!(caret_after_digits("22/0", 2), 3);
        assert_eq!(caret_after_digits("22/03/2024", 1), 1);
        assert_eq!(caret_after_digits("22/03/2024", 8), 10);
        assert_eq!(caret_after_digits("", 0), 0);
    }

    #[test]
    fn epoch_days_round_trip() {
        for days in [-1000, 0, 1, 19_000, 20_000, 30_000] {
            assert_eq!(Date::from_days_since_epoch(days).days_since_epoch(), days);
        }
        assert_eq!(
            Date::from_days_since_epoch(0),
            Date::new(1970, 1, 1).unwrap()
        );
    }
}
