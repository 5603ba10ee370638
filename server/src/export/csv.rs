//! Every reporting unit's single-value fields as one CSV table, UTF-8 with a
//! byte order mark so that Excel shows Vietnamese diacritics when the file is
//! opened by double-click. Numbers are written plainly (`1234.5`) so any
//! program reads them; records and narratives are in the .xlsx.
//!
//! A row per unit that reports (the communes), in org order, then the totals:
//! the consolidating unit (the district) is not a reporting unit, and the
//! fields only it fills in (its own officers, the document number, the
//! signer) are in the .xlsx and the report itself. For a field both fill in
//! (`scope = "any"`), the totals row is the consolidated figure, the
//! district's own part included.
//!
//! The values are the cleaned ones the figures count ([`RoundData::units`]):
//! a value outside its field's limits is an empty cell, so every column adds
//! up to its total. A CSV has no room for a note; the .xlsx (its last sheet)
//! and the report list what was left out and why.

use super::{RoundData, display, status_label, total};
use shared::Value;
use shared::template::Role;

/// Writes the CSV.
pub(super) fn write(data: &RoundData) -> Vec<u8> {
    let template = data.template();
    let fields: Vec<_> = template
        .fields()
        .filter(|(s, f)| f.ty.is_scalar() && s.scope.includes(Role::Reporting))
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut head = vec![
        "Mã đơn vị".to_string(),
        "Đơn vị".into(),
        "Trạng thái".into(),
    ];
    head.extend(fields.iter().map(|(_, f)| f.label.clone()));
    rows.push(head);
    for u in data.units.iter().filter(|u| u.role == Role::Reporting) {
        let mut row = vec![
            u.unit.id.clone(),
            u.unit.name.clone(),
            status_label(u).to_string(),
        ];
        for (_, f) in &fields {
            let v = u.view.as_ref().and_then(|v| v.fields.get(&f.id));
            row.push(match v {
                Some(Value::Int(i)) => i.to_string(),
                Some(Value::Decimal(x)) => x.to_string(),
                Some(v) => display(&f.ty, v),
                None => String::new(),
            });
        }
        rows.push(row);
    }
    let mut totals = vec![String::new(), "Tổng cộng".to_string(), String::new()];
    totals.extend(
        fields
            .iter()
            .map(|(_, f)| total(data, f).map(|x| x.to_string()).unwrap_or_default()),
    );
    rows.push(totals);
    let mut out = String::from("\u{feff}");
    for r in rows {
        let line: Vec<String> = r.iter().map(|c| quote(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// RFC 4180 quoting.
fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_what_needs_quoting() {
        assert_eq!(super::quote("Ba Tơ"), "Ba Tơ");
        assert_eq!(super::quote("a, b"), "\"a, b\"");
        assert_eq!(super::quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
