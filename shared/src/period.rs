//! Reporting periods. A period is identified by a stable string that is part of
//! a report's identity: `2024`, `2024-H1`, `2024-Q3`, `2024-07`, or an ad hoc
//! `2024-X-<slug>` for one-off requests such as the seed's letter 3812.
//!
//! Besides calendar periods, the data windows of Decree 09/2019/NĐ-CP (art.
//! 12: "thời gian chốt số liệu") are periods of their own, with an `N` in
//! their id: the monthly window `2024-N07` runs from the 15th of the month
//! before to the 14th (15/06–14/07/2024), the quarterly `2024-NQ1` from the
//! 15th of the month before the quarter to the 14th of its last month
//! (15/12/2023–14/03/2024), the six-monthly `2024-NH1` from 15/12 to 14/6
//! (`2024-NH2`: 15/6–14/12) and the annual `2024-N` from 15/12 to 14/12.
//! They keep the calendar periods' labels ("6 tháng đầu năm 2024"): that is
//! what the reports are called.
//!
//! A period's deadline is its last day plus the days its template allows
//! ([`Period::deadline`]); a reporting round may set its own date instead.

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
    /// NĐ 09/2019 monthly data window, 15th → 14th.
    Nd09Month,
    /// NĐ 09/2019 quarterly data window.
    Nd09Quarter,
    /// NĐ 09/2019 six-monthly data window, 15/12 → 14/6 (and 15/6 → 14/12).
    Nd09HalfYear,
    /// NĐ 09/2019 annual data window, 15/12 → 14/12.
    Nd09Year,
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
    /// An NĐ 09/2019 data window: month, quarter, half or year.
    Window(Window),
}

/// The NĐ 09/2019 data windows (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Window {
    /// Month 1–12: 15th of the month before → 14th.
    Month(u8),
    /// Quarter 1–4.
    Quarter(u8),
    /// Half 1 or 2.
    Half(u8),
    /// The year: 15/12 of the year before → 14/12.
    Year,
}

/// Why a period id could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid period {0:?}: expected 2024, 2024-H1, 2024-Q3, 2024-07, 2024-X-name or an NĐ 09 data window 2024-N, 2024-NH1, 2024-NQ3, 2024-N07"
)]
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
            PeriodPart::Window(Window::Month(_)) => PeriodKind::Nd09Month,
            PeriodPart::Window(Window::Quarter(_)) => PeriodKind::Nd09Quarter,
            PeriodPart::Window(Window::Half(_)) => PeriodKind::Nd09HalfYear,
            PeriodPart::Window(Window::Year) => PeriodKind::Nd09Year,
        }
    }

    /// The calendar period a data window is named after (itself otherwise).
    fn calendar(&self) -> Period {
        let part = match &self.part {
            PeriodPart::Window(Window::Month(m)) => PeriodPart::Month(*m),
            PeriodPart::Window(Window::Quarter(q)) => PeriodPart::Quarter(*q),
            PeriodPart::Window(Window::Half(h)) => PeriodPart::Half(*h),
            PeriodPart::Window(Window::Year) => PeriodPart::Year,
            other => other.clone(),
        };
        Period {
            year: self.year,
            part,
        }
    }

    /// The last day for submitting: the period's last day plus `days_after`.
    pub fn deadline(&self, days_after: u32) -> Date {
        let end = self.bounds().1;
        Date::from_days_since_epoch(end.days_since_epoch() + i64::from(days_after))
    }

    /// The stable id, e.g. `2024-H1`.
    pub fn id(&self) -> String {
        match &self.part {
            PeriodPart::Year => format!("{}", self.year),
            PeriodPart::Half(h) => format!("{}-H{h}", self.year),
            PeriodPart::Quarter(q) => format!("{}-Q{q}", self.year),
            PeriodPart::Month(m) => format!("{}-{m:02}", self.year),
            PeriodPart::AdHoc(s) => format!("{}-X-{s}", self.year),
            PeriodPart::Window(Window::Month(m)) => format!("{}-N{m:02}", self.year),
            PeriodPart::Window(Window::Quarter(q)) => format!("{}-NQ{q}", self.year),
            PeriodPart::Window(Window::Half(h)) => format!("{}-NH{h}", self.year),
            PeriodPart::Window(Window::Year) => format!("{}-N", self.year),
        }
    }

    /// First and last day (ad hoc periods span their year).
    pub fn bounds(&self) -> (Date, Date) {
        if let PeriodPart::Window(w) = self.part {
            return self.window_bounds(w);
        }
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
            PeriodPart::Window(_) => unreachable!("handled above"),
        }
    }

    /// A data window runs from the 15th of the month before its first
    /// calendar month to the 14th of its last.
    fn window_bounds(&self, w: Window) -> (Date, Date) {
        let y = self.year;
        let (first, last) = match w {
            Window::Month(m) => (m, m),
            Window::Quarter(q) => ((q - 1) * 3 + 1, q * 3),
            // The first half's window opens on 15/12 of the year before,
            // like the year's.
            Window::Half(h) => ((h - 1) * 6 + 1, h * 6),
            Window::Year => (1, 12),
        };
        let (sy, sm) = if first == 1 {
            (y - 1, 12)
        } else {
            (y, first - 1)
        };
        let start = Date::new(sy, sm, 15).expect("the 15th exists");
        let end = Date::new(y, last, 14).expect("the 14th exists");
        (start, end)
    }

    /// Vietnamese label, e.g. "6 tháng đầu năm 2024".
    pub fn label_vi(&self) -> String {
        if let PeriodPart::Window(_) = self.part {
            return self.calendar().label_vi();
        }
        let y = self.year;
        match &self.part {
            PeriodPart::Year => format!("Năm {y}"),
            PeriodPart::Half(1) => format!("6 tháng đầu năm {y}"),
            PeriodPart::Half(_) => format!("6 tháng cuối năm {y}"),
            PeriodPart::Quarter(q) => format!("Quý {} năm {y}", roman(*q)),
            PeriodPart::Month(m) => format!("Tháng {m:02}/{y}"),
            PeriodPart::AdHoc(s) => format!("Đột xuất {s} ({y})"),
            PeriodPart::Window(_) => unreachable!("handled above"),
        }
    }

    /// English label, e.g. "First half of 2024".
    pub fn label_en(&self) -> String {
        if let PeriodPart::Window(_) = self.part {
            return self.calendar().label_en();
        }
        let y = self.year;
        match &self.part {
            PeriodPart::Year => format!("Year {y}"),
            PeriodPart::Half(1) => format!("First half of {y}"),
            PeriodPart::Half(_) => format!("Second half of {y}"),
            PeriodPart::Quarter(q) => format!("Q{q} {y}"),
            PeriodPart::Month(m) => format!("{m:02}/{y}"),
            PeriodPart::AdHoc(s) => format!("Ad hoc {s} ({y})"),
            PeriodPart::Window(_) => unreachable!("handled above"),
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
            Some("N") => PeriodPart::Window(Window::Year),
            Some(r) if r.starts_with("NH") => match r[2..].parse() {
                Ok(h @ 1..=2) => PeriodPart::Window(Window::Half(h)),
                _ => return Err(err()),
            },
            Some(r) if r.starts_with("NQ") => match r[2..].parse() {
                Ok(q @ 1..=4) => PeriodPart::Window(Window::Quarter(q)),
                _ => return Err(err()),
            },
            Some(r) if r.starts_with('N') && r.len() == 3 => match r[1..].parse() {
                Ok(m @ 1..=12) => PeriodPart::Window(Window::Month(m)),
                _ => return Err(err()),
            },
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
            "2024-N",
            "2024-NH1",
            "2024-NQ4",
            "2024-N07",
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
            "2024-NH3",
            "2024-NQ5",
            "2024-N13",
            "2024-N7",
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

    #[test]
    fn nd09_data_windows() {
        let window = |id: &str| {
            let p: Period = id.parse().unwrap();
            let (a, b) = p.bounds();
            format!("{}–{}", a.to_vn(), b.to_vn())
        };
        // Monthly: 15th of the month before → 14th.
        assert_eq!(window("2024-N07"), "15/06/2024–14/07/2024");
        assert_eq!(window("2024-N01"), "15/12/2023–14/01/2024");
        assert_eq!(window("2024-N03"), "15/02/2024–14/03/2024");
        // Quarterly: 15th of the month before the quarter → 14th of its last month.
        assert_eq!(window("2024-NQ1"), "15/12/2023–14/03/2024");
        assert_eq!(window("2024-NQ3"), "15/06/2024–14/09/2024");
        // Six-monthly: 15/12 → 14/6; the second half 15/6 → 14/12.
        assert_eq!(window("2024-NH1"), "15/12/2023–14/06/2024");
        assert_eq!(window("2024-NH2"), "15/06/2024–14/12/2024");
        // Annual: 15/12 → 14/12.
        assert_eq!(window("2024-N"), "15/12/2023–14/12/2024");
        // Kinds, and the labels of the reports they are.
        let h1: Period = "2024-NH1".parse().unwrap();
        assert_eq!(h1.kind(), PeriodKind::Nd09HalfYear);
        assert_eq!(h1.label_vi(), "6 tháng đầu năm 2024");
        assert_eq!(h1.deadline(6).to_vn(), "20/06/2024");
        assert_eq!(
            "2024-N".parse::<Period>().unwrap().kind(),
            PeriodKind::Nd09Year
        );
        // Windows and calendar periods are different reports.
        assert_ne!(
            "2024-NH1".parse::<Period>().unwrap(),
            "2024-H1".parse().unwrap()
        );
    }

    #[test]
    fn deadlines_follow_the_period_end() {
        let p: Period = "2024-H1".parse().unwrap();
        assert_eq!(p.deadline(0).to_vn(), "30/06/2024");
        assert_eq!(p.deadline(10).to_vn(), "10/07/2024");
        let dec: Period = "2024-12".parse().unwrap();
        assert_eq!(dec.deadline(5).to_vn(), "05/01/2025");
    }
}
