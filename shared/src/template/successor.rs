//! The rules a new version of a template keeps, so that nothing a commune
//! entered under the old one is lost (see [`crate::report::migrate`]): a
//! field keeps its type under its id and under every id it was renamed
//! from, a choice keeps its options, and the template keeps who fills it in
//! and how often. A field may be removed (its values are kept, as retired)
//! and new fields added.

use super::{FieldType, Template, TemplateError};
use std::collections::HashMap;

impl Template {
    /// Checks that `self` may replace `old` as the template's next version.
    pub fn check_successor(&self, old: &Template) -> Result<(), TemplateError> {
        let bad = |reason: String| TemplateError::Invalid {
            template: self.id.clone(),
            reason,
        };
        if self.id != old.id {
            return Err(bad(format!("{:?} is another template", old.id)));
        }
        if self.version <= old.version {
            return Err(bad(format!(
                "version {} is not above the current version {}: raise `version`",
                self.version, old.version
            )));
        }
        if self.filled_by != old.filled_by {
            return Err(bad(format!(
                "filled_by changes from {:?} to {:?}: the reports already made would have no place",
                old.filled_by, self.filled_by
            )));
        }
        if self.period != old.period {
            return Err(bad(
                "the period kind changes: the rounds and reports already made are of the old one"
                    .into(),
            ));
        }
        let old_fields: HashMap<&str, &FieldType> =
            old.fields().map(|(_, f)| (f.id.as_str(), &f.ty)).collect();
        for (_, f) in self.fields() {
            for id in std::iter::once(&f.id).chain(&f.renamed_from) {
                let Some(was) = old_fields.get(id.as_str()) else {
                    continue;
                };
                if was.name() != f.ty.name() {
                    return Err(bad(format!(
                        "field {id:?} of version {} is {} and would become {} ({:?}): its values \
                         would not fit; give the new field a new id (the old values are kept as retired)",
                        old.version,
                        was.name(),
                        f.ty.name(),
                        f.id
                    )));
                }
                if let (FieldType::Choice { options: a }, FieldType::Choice { options: b }) =
                    (was, &f.ty)
                    && let Some(gone) = a.iter().find(|o| !b.iter().any(|n| n.value == o.value))
                {
                    return Err(bad(format!(
                        "choice {:?} drops the option {:?}: the reports that chose it would lose their answer",
                        f.id, gone.value
                    )));
                }
                if let (
                    FieldType::Records { columns: a, .. },
                    FieldType::Records { columns: b, .. },
                ) = (was, &f.ty)
                {
                    for c in b {
                        if let Some(o) = a.iter().find(|o| o.id == c.id)
                            && o.ty.name() != c.ty.name()
                        {
                            return Err(bad(format!(
                                "column {:?} of {:?} was {} and would become {}",
                                c.id,
                                f.id,
                                o.ty.name(),
                                c.ty.name()
                            )));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
