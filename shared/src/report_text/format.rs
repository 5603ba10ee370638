//! How numbers and dates are written in an administrative document. These are
//! template options because conventions differ: the seed (and most reports
//! under Nghị định 30/2020) write counts below ten with a leading zero ("02
//! cán bộ", "09 Sân bóng") but "38", "520"; a template for a statistical annex
//! may want plain numbers.

use crate::date::Date;
use crate::value::{format_decimal_vi, format_int_vi};
use serde::{Deserialize, Serialize};

/// How figures are written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberStyle {
    /// Whole numbers with fewer digits get leading zeros: 2 writes 9 as "09"
    /// and leaves 38 and 520 alone. 1 writes numbers as they are.
    #[serde(default = "one")]
    pub min_digits: u8,
}

fn one() -> u8 {
    1
}

impl Default for NumberStyle {
    fn default() -> Self {
        NumberStyle { min_digits: 1 }
    }
}

impl NumberStyle {
    /// Writes a number: thousands with ".", decimals with "," (at most two),
    /// whole numbers padded to `min_digits` unless `plain`.
    pub fn format(&self, v: f64, plain: bool) -> String {
        if !v.is_finite() {
            return "...".into();
        }
        if ((v * 100.0).round() / 100.0).fract() != 0.0 {
            return format_decimal_vi(v);
        }
        let n = v.round() as i64;
        let s = format_int_vi(n);
        let digits = n.unsigned_abs().to_string().len();
        let want = usize::from(self.min_digits);
        if plain || digits >= want {
            return s;
        }
        let pad = "0".repeat(want - digits);
        if n < 0 {
            format!("-{pad}{}", &s[1..])
        } else {
            format!("{pad}{s}")
        }
    }
}

/// How dates are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateStyle {
    /// Nghị định 30/2020, Phụ lục I: days below 10 and the months 1 and 2 take
    /// a leading zero, other months do not ("07/4/2023", "17/01/2024",
    /// "22/3/2023"), so that nobody can turn a 1 into an 11 by hand.
    #[default]
    Nd30,
    /// Always two digits: "22/03/2023".
    Padded,
}

impl DateStyle {
    /// Day and month as this style writes them.
    pub fn day_month(self, d: Date) -> (String, String) {
        let day = format!("{:02}", d.day);
        let month = match self {
            DateStyle::Nd30 if d.month > 2 => d.month.to_string(),
            _ => format!("{:02}", d.month),
        };
        (day, month)
    }

    /// `dd/m/yyyy` (or `dd/mm/yyyy` when padded).
    pub fn format(self, d: Date) -> String {
        let (day, month) = self.day_month(d);
        format!("{day}/{month}/{}", d.year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_below_ten_take_a_leading_zero_when_asked() {
        let s = NumberStyle { min_digits: 2 };
        assert_eq!(s.format(2.0, false), "02");
        assert_eq!(s.format(9.0, false), "09");
        assert_eq!(s.format(0.0, false), "00");
        assert_eq!(s.format(38.0, false), "38");
        assert_eq!(s.format(520.0, false), "520");
        assert_eq!(s.format(1234.0, false), "1.234");
        assert_eq!(s.format(2.0, true), "2");
        assert_eq!(s.format(2.5, false), "2,5");
        assert_eq!(s.format(-3.0, false), "-03");
        assert_eq!(NumberStyle::default().format(2.0, false), "2");
    }

    #[test]
    fn nd30_dates() {
        let d = |y, m, dd| Date::new(y, m, dd).unwrap();
        assert_eq!(DateStyle::Nd30.format(d(2023, 3, 22)), "22/3/2023");
        assert_eq!(DateStyle::Nd30.format(d(2023, 4, 7)), "07/4/2023");
        assert_eq!(DateStyle::Nd30.format(d(2024, 1, 17)), "17/01/2024");
        assert_eq!(DateStyle::Nd30.format(d(2024, 2, 5)), "05/02/2024");
        assert_eq!(DateStyle::Nd30.format(d(2024, 12, 14)), "14/12/2024");
        assert_eq!(DateStyle::Padded.format(d(2023, 3, 22)), "22/03/2023");
    }
}
