//! Who is who, and which reports a user works on: derived from the bootstrap
//! data only, so it answers the same offline as online.

use crate::api::Bootstrap;
use shared::dataset::{Round, User, UserRole};
use shared::org::OrgError;
use shared::template::Role;
use shared::{OrgTree, ReportKey, Template};

/// The bootstrap data with the org tree built.
#[derive(Clone, Debug)]
pub struct Directory {
    /// What the server sent.
    pub boot: Bootstrap,
    /// Its org units as a tree.
    pub org: OrgTree,
}

/// What a user does in one reporting round.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// The round.
    pub round: Round,
    /// The report the user fills in, and in which role.
    pub own: Option<(ReportKey, Role)>,
    /// The consolidating unit whose summary page the user may open.
    pub summary_of: Option<String>,
}

impl Directory {
    /// Builds the tree; fails when the units do not form one.
    pub fn new(boot: Bootstrap) -> Result<Directory, OrgError> {
        let org = OrgTree::from_units(boot.org_units.clone())?;
        Ok(Directory { boot, org })
    }

    /// A template by id.
    pub fn template(&self, id: &str) -> Option<&Template> {
        self.boot.templates.iter().find(|t| t.id == id)
    }

    /// A user by id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.boot.users.iter().find(|u| u.id == id)
    }

    /// A unit's display name (its id if unknown).
    pub fn unit_name(&self, id: &str) -> String {
        self.org
            .get(id)
            .map_or_else(|| id.to_string(), |u| u.name.clone())
    }

    /// The part `unit` plays for `template`: it reports when it is of the kind
    /// that fills the template in, otherwise it consolidates.
    pub fn role_of(&self, template: &Template, unit: &str) -> Role {
        match self.org.get(unit) {
            Some(u) => template.role_for(&u.kind),
            None => Role::Consolidating,
        }
    }

    /// Whether the report with this key lies in a closed round: the server
    /// takes no change to it until the round is reopened.
    pub fn round_closed(&self, key: &ReportKey) -> bool {
        self.boot.rounds.iter().any(|r| {
            r.closed
                && r.template == key.template
                && r.period == key.period
                && self.org.is_within(&key.unit, &r.unit)
        })
    }

    /// The rounds a user takes part in, in bootstrap order.
    pub fn assignments(&self, user: &User) -> Vec<Assignment> {
        let mut out = Vec::new();
        for round in &self.boot.rounds {
            let Some(template) = self.template(&round.template) else {
                continue;
            };
            // A unit has a report of its own only when the template gives
            // its role something to fill in: a district consolidating a
            // template that only communes fill in gets the summary page.
            let own_report = |unit: &str| {
                let role = self.role_of(template, unit);
                template.has_fields_for(role).then(|| {
                    let key = ReportKey::new(&round.template, unit, &round.period);
                    (key, role)
                })
            };
            let at_round_unit = user.unit == round.unit;
            let above_round = self.org.is_within(&round.unit, &user.unit);
            let (own, summary_of) = match user.role {
                UserRole::Officer => {
                    let reports = self.org.is_within(&user.unit, &round.unit)
                        && self
                            .org
                            .get(&user.unit)
                            .is_some_and(|u| u.kind == template.filled_by);
                    if reports || at_round_unit {
                        (own_report(&user.unit), None)
                    } else {
                        (None, None)
                    }
                }
                UserRole::Reviewer if at_round_unit => {
                    (own_report(&round.unit), Some(round.unit.clone()))
                }
                UserRole::Reviewer | UserRole::Viewer | UserRole::Admin if above_round => {
                    (None, Some(round.unit.clone()))
                }
                _ => (None, None),
            };
            if own.is_some() || summary_of.is_some() {
                out.push(Assignment {
                    round: round.clone(),
                    own,
                    summary_of,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::OrgUnit;

    fn unit(id: &str, kind: &str, parent: Option<&str>) -> OrgUnit {
        OrgUnit {
            id: id.into(),
            name: format!("Đơn vị {id}"),
            kind: kind.into(),
            parent: parent.map(Into::into),
            closed: false,
        }
    }

    fn user(id: &str, role: UserRole, unit: &str) -> User {
        User {
            id: id.into(),
            name: id.into(),
            role,
            unit: unit.into(),
        }
    }

    fn directory() -> Directory {
        let template = Template::from_toml(include_str!("../../templates/bao-ve-tre-em.toml"))
            .expect("the shipped template parses");
        Directory::new(Bootstrap {
            server_peer_id: "server".into(),
            org_units: vec![
                unit("tinh", "province", None),
                unit("huyen", "district", Some("tinh")),
                unit("xa-a", "commune", Some("huyen")),
                unit("xa-b", "commune", Some("huyen")),
                unit("thon-a1", "village", Some("xa-a")),
            ],
            templates: vec![template],
            users: vec![],
            rounds: vec![Round {
                template: "bao-ve-tre-em".into(),
                period: "2024-H1".into(),
                unit: "huyen".into(),
                deadline: None,
                closed: false,
            }],
        })
        .expect("a valid tree")
    }

    #[test]
    fn officer_fills_own_commune_report() {
        let d = directory();
        let a = d.assignments(&user("cb", UserRole::Officer, "xa-a"));
        assert_eq!(a.len(), 1);
        let (key, role) = a[0].own.clone().expect("an own report");
        assert_eq!(key, ReportKey::new("bao-ve-tre-em", "xa-a", "2024-H1"));
        assert_eq!(role, Role::Reporting);
        assert_eq!(a[0].summary_of, None);
    }

    #[test]
    fn reviewer_fills_district_report_and_sees_summary() {
        let d = directory();
        let a = d.assignments(&user("pv", UserRole::Reviewer, "huyen"));
        let (key, role) = a[0].own.clone().expect("an own report");
        assert_eq!(key.unit, "huyen");
        assert_eq!(role, Role::Consolidating);
        assert_eq!(a[0].summary_of.as_deref(), Some("huyen"));
    }

    #[test]
    fn reviewer_of_a_template_only_communes_fill_in_gets_the_summary_only() {
        let mut d = directory();
        let communes_only = Template::from_toml(
            r#"
id = "chi-xa"
version = 1
title = "Chỉ xã"
filled_by = "commune"
period = "year"
[[sections]]
id = "s"
title = "S"
[[sections.fields]]
id = "n"
label = "N"
type = "integer"
aggregate = "sum"
"#,
        )
        .expect("template parses");
        d.boot.templates.push(communes_only);
        d.boot.rounds.push(Round {
            template: "chi-xa".into(),
            period: "2024".into(),
            unit: "huyen".into(),
            deadline: None,
            closed: false,
        });
        let a = d.assignments(&user("pv", UserRole::Reviewer, "huyen"));
        assert_eq!(a.len(), 2);
        // The child-protection round has district sections: an own report.
        assert!(a[0].own.is_some());
        // This one is filled in by the communes only: no empty own report,
        // the district's summary page instead.
        assert_eq!(a[1].round.template, "chi-xa");
        assert_eq!(a[1].own, None);
        assert_eq!(a[1].summary_of.as_deref(), Some("huyen"));
        // Its communes still fill it in.
        let c = d.assignments(&user("cb", UserRole::Officer, "xa-a"));
        assert_eq!(
            c[1].own.as_ref().map(|(k, _)| k.unit.as_str()),
            Some("xa-a")
        );
    }

    #[test]
    fn province_viewer_only_reads_and_villages_have_no_round() {
        let d = directory();
        let a = d.assignments(&user("so", UserRole::Viewer, "tinh"));
        assert_eq!(a[0].own, None);
        assert_eq!(a[0].summary_of.as_deref(), Some("huyen"));
        assert!(
            d.assignments(&user("ctv", UserRole::Officer, "thon-a1"))
                .is_empty()
        );
        assert!(
            d.assignments(&user("x", UserRole::Officer, "tinh"))
                .is_empty()
        );
    }
}
