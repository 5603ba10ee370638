//! Reporting periods. A period is identified by a stable string that is part of
//! a report's identity: `2024`, `2024-H1`, `2024-Q3`, `2024-07`, or an ad hoc
//! `2024-X-<slug>` for one-off requests such as the seed's letter 3812.

use crate::date::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// How often a template is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeriodKind {
    /// Calendar year.
    Year,
    /// Calendar half-year (H1, H2).
    HalfYear,
    /// Calendar quarter.
    Quarter,
    /// Calendar month.
    Month,
    /// A one-off request.
    AdHoc,
}

/// A concrete period.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    /// Year the period belongs to.
    pub year: i32,
    /// Which part of the year.
    pub part: PeriodPart,
}

/// The part of a year a period covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodPart {
    /// The whole year.
    Year,
    /// Half 1 or 2.
    Half(u8),
    /// Quarter 1–4.
    Quarter(u8),
    /// Month 1–12.
    Month(u8),
    /// An ad hoc request, named by a slug.
    AdHoc(String),
}

/// Why a period id could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid period {0:?}: expected 2024, 2024-H1, 2024-Q3, 2024-07 or 2024-X-name")]
pub struct PeriodError(pub String);

impl Period {
    /// What kind of period this is.
    pub fn kind(&self) -> PeriodKind {
        match self.part {
            PeriodPart::Year => PeriodKind::Year,
            PeriodPart::Half(_) => PeriodKind::HalfYear,
            PeriodPart::Quarter(_) => PeriodKind::Quarter,
            PeriodPart::Month(_) => PeriodKind::Month,
            PeriodPart::AdHoc(_) => PeriodKind::AdHoc,
        }
    }

    /// The stable id, e.g. `2024-H1`.
    pub fn id(&self) -> String {
        match &self.part {
            PeriodPart::Year => format!("{}", self.year),
            PeriodPart::Half(h) => format!("{}-H{h}", self.year),
            PeriodPart::Quarter(q) => format!("{}-Q{q}", self.year),
            PeriodPart::Month(m) => format!("{}-{m:02}", self.year),
            PeriodPart::AdHoc(s) => format!("{}-X-{s}", self.year),
        }
    }

    /// First and last calendar day (ad hoc periods span their year).
    pub fn bounds(&self) -> (Date, Date) {
        let y = self.year;
        let d = |m, day| Date::new(y, m, day).expect("valid calendar bound");
        let month_end = |m: u8| {
            let next = if m == 12 {
                Date::new(y + 1, 1, 1)
            } else {
                Date::new(y, m + 1, 1)
            }
            .expect("valid month start");
            Date::from_days_since_epoch(next.days_since_epoch() - 1)
        };
        match &self.part {
            PeriodPart::Year | PeriodPart::AdHoc(_) => (d(1, 1), d(12, 31)),
            PeriodPart::Half(h) => (d((h - 1) * 6 + 1, 1), month_end(h * 6)),
            PeriodPart::Quarter(q) => (d((q - 1) * 3 + 1, 1), month_end(q * 3)),
            PeriodPart::Month(m) => (d(*m, 1), month_end(*m)),
        }
    }

    /// Vietnamese label, e.g. "6 tháng đầu năm 2024".
    pub fn label_vi(&self) -> String {
        let y = self.year;
        match &self.part {
            PeriodPart::Year => format!("Năm {y}"),
            PeriodPart::Half(1) => format!("6 tháng đầu năm {y}"),
            PeriodPart::Half(_) => format!("6 tháng cuối năm {y}"),
            PeriodPart::Quarter(q) => format!("Quý {} năm {y}", roman(*q)),
            PeriodPart::Month(m) => format!("Tháng {m:02}/{y}"),
            PeriodPart::AdHoc(s) => format!("Đột xuất {s} ({y})"),
        }
    }

    /// English label, e.g. "First half of 2024".
    pub fn label_en(&self) -> String {
        let y = self.year;
        match &self.part {
            PeriodPart::Year => format!("Year {y}"),
            PeriodPart::Half(1) => format!("First half of {y}"),
            PeriodPart::Half(_) => format!("Second half of {y}"),
            PeriodPart::Quarter(q) => format!("Q{q} {y}"),
            PeriodPart::Month(m) => format!("{m:02}/{y}"),
            PeriodPart::AdHoc(s) => format!("Ad hoc {s} ({y})"),
        }
    }
}

fn roman(n: u8) -> &'static str {
    ["I", "II", "III", "IV"]
        .get(usize::from(n.saturating_sub(1)))
        .copied()
        .unwrap_or("?")
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || PeriodError(s.to_string());
        let (year, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s, None),
        };
        if year.len() != 4 {
            return Err(err());
        }
        let year: i32 = year.parse().map_err(|_| err())?;
        let part = match rest {
            None => PeriodPart::Year,
            Some(r) if r.starts_with('H') => match r[1..].parse() {
                Ok(h @ 1..=2) => PeriodPart::Half(h),
                _ => return Err(err()),
            },
            Some(r) if r.starts_with('Q') => match r[1..].parse() {
                Ok(q @ 1..=4) => PeriodPart::Quarter(q),
                _ => return Err(err()),
            },
            Some(r) if r.starts_with("X-") => {
                let slug = &r[2..];
                let ok = !slug.is_empty()
                    && slug.len() <= 64
                    && slug
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if !ok {
                    return Err(err());
                }
                PeriodPart::AdHoc(slug.to_string())
            }
            Some(r) if r.len() == 2 => match r.parse() {
                Ok(m @ 1..=12) => PeriodPart::Month(m),
                _ => return Err(err()),
            },
            Some(_) => return Err(err()),
        };
        Ok(Period { year, part })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.id())
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for id in [
            "2024",
            "2024-H1",
            "2024-H2",
            "2024-Q3",
            "2024-07",
            "2024-X-cv3812",
        ] {
            assert_eq!(id.parse::<Period>().unwrap().id(), id);
        }
        for bad in [
            "24",
            "2024-H3",
            "2024-13",
            "2024-Q0",
            "2024-X-",
            "2024-X-a/b",
            "x",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bounds_and_labels() {
        let p: Period = "2024-H1".parse().unwrap();
        assert_eq!(p.bounds().1.to_vn(), "30/06/2024");
        assert_eq!(p.label_vi(), "6 tháng đầu năm 2024");
        let feb: Period = "2024-02".parse().unwrap();
        assert_eq!(feb.bounds().1.day, 29);
    }
}
