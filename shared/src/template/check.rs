//! The consistency checks a template passes before anyone fills it in: ids
//! unique, every reference naming a field of the right type. The server
//! refuses to start with a template that fails them, and says which.

use super::{Aggregate, Field, FieldType, FigureKind, Operand, Template, TemplateError};
use std::collections::HashSet;

impl Template {
    /// Checks ids are unique and every reference resolves to a field of the right type.
    pub fn check(&self) -> Result<(), TemplateError> {
        let bad = |reason: String| TemplateError::Invalid {
            template: self.id.clone(),
            reason,
        };
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(bad(
                "id must be non-empty ASCII letters, digits, - or _".into()
            ));
        }
        let mut ids = HashSet::new();
        for (_, f) in self.fields() {
            if f.id.is_empty() || f.id.contains(['/', ':']) {
                return Err(bad(format!("field id {:?} is empty or has / or :", f.id)));
            }
            if !ids.insert(f.id.as_str()) {
                return Err(bad(format!("duplicate field id {:?}", f.id)));
            }
            if f.renamed_from
                .iter()
                .any(|old| old.is_empty() || old.contains(['/', ':']))
            {
                return Err(bad(format!(
                    "a renamed_from id of {:?} is empty or has / or :",
                    f.id
                )));
            }
            if let FieldType::Records { columns, order_by } = &f.ty {
                let mut cols = HashSet::new();
                for c in columns {
                    if !c.ty.is_scalar() {
                        return Err(bad(format!(
                            "column {}.{} must be a scalar type",
                            f.id, c.id
                        )));
                    }
                    if c.id.starts_with('_') || !cols.insert(c.id.as_str()) {
                        return Err(bad(format!("bad or duplicate column {}.{}", f.id, c.id)));
                    }
                }
                if let Some(o) = order_by
                    && !cols.contains(o.as_str())
                {
                    return Err(bad(format!("order_by {o:?} is not a column of {}", f.id)));
                }
            }
            let ok = match (f.aggregate, &f.ty) {
                (None, _) => true,
                (Some(Aggregate::Sum | Aggregate::Average | Aggregate::CountNonzero), t) => {
                    t.is_number()
                }
                (Some(Aggregate::CountYes), FieldType::Bool) => true,
                (Some(Aggregate::List), FieldType::Records { .. }) => true,
                _ => false,
            };
            if !ok {
                return Err(bad(format!(
                    "aggregate of {:?} does not fit its type",
                    f.id
                )));
            }
        }
        // An old id names one field, and never a field of this version: its
        // values would otherwise have two homes.
        let mut old_ids = HashSet::new();
        for (_, f) in self.fields() {
            for old in &f.renamed_from {
                if ids.contains(old.as_str()) || !old_ids.insert(old.as_str()) {
                    return Err(bad(format!(
                        "renamed_from {old:?} of {:?} is a current field or claimed twice",
                        f.id
                    )));
                }
            }
        }
        let number = |id: &str| matches!(self.field(id), Some((f, _)) if f.ty.is_number());
        for r in &self.rules {
            if !number(&r.left) {
                return Err(bad(format!(
                    "rule {:?}: {:?} is not a number field",
                    r.id, r.left
                )));
            }
            if let Operand::Field(x) = &r.right
                && !number(x)
            {
                return Err(bad(format!("rule {:?}: {x:?} is not a number field", r.id)));
            }
        }
        let mut figure_ids = HashSet::new();
        for fig in self.all_figures() {
            if !figure_ids.insert(fig.id.clone()) {
                return Err(bad(format!("duplicate figure id {:?}", fig.id)));
            }
            let records_cols = |id: &str| match self.field(id) {
                Some((
                    Field {
                        ty: FieldType::Records { columns, .. },
                        ..
                    },
                    _,
                )) => Some(columns.clone()),
                _ => None,
            };
            let is_bool =
                |id: &str| matches!(self.field(id), Some((f, _)) if f.ty == FieldType::Bool);
            let ok = match &fig.kind {
                FigureKind::Sum { field }
                | FigureKind::CountNonzero { field }
                | FigureKind::Average { field } => number(field),
                FigureKind::CountYes { field } => is_bool(field),
                FigureKind::Ratio {
                    numerator,
                    denominator,
                } => number(numerator) && number(denominator),
                FigureKind::Units => true,
                FigureKind::UnitsWithRecords { field, filter }
                | FigureKind::RecordsList { field, filter, .. } => match records_cols(field) {
                    Some(cols) => filter
                        .as_ref()
                        .is_none_or(|f| cols.iter().any(|c| c.id == f.column)),
                    None => false,
                },
                FigureKind::RecordsSumBy {
                    field,
                    group_by,
                    sum,
                    filter,
                } => match records_cols(field) {
                    Some(cols) => {
                        let has = |id: &str| cols.iter().any(|c| c.id == id);
                        has(group_by)
                            && sum
                                .iter()
                                .all(|s| cols.iter().any(|c| c.id == *s && c.ty.is_number()))
                            && filter.as_ref().is_none_or(|f| has(&f.column))
                    }
                    None => false,
                },
            };
            if !ok {
                return Err(bad(format!(
                    "figure {:?} refers to missing or mistyped fields",
                    fig.id
                )));
            }
        }
        if let Some(r) = &self.report {
            r.check(self).map_err(bad)?;
        }
        Ok(())
    }
}
