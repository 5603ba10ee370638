//! The demo district (demo/*.toml) as report views and contributions, the
//! way the server consolidates it.

#![allow(dead_code, unreachable_pub)]

use shared::aggregate::{Contribution, FigureValue, compute};
use shared::dataset::ReportsFile;
use shared::template::Role;
use shared::{OrgTree, ReportView, Template, Timestamp};
use std::collections::BTreeMap;

pub struct Demo {
    pub template: Template,
    pub tree: OrgTree,
    pub views: Vec<ReportView>,
}

impl Demo {
    /// The demo's reports of the child-protection template.
    pub fn load() -> Demo {
        let template = Template::from_toml(include_str!("../../../templates/bao-ve-tre-em.toml"))
            .expect("template parses");
        let tree = OrgTree::from_toml(include_str!("../../../demo/org_units.toml")).unwrap();
        let file: ReportsFile = toml::from_str(include_str!("../../../demo/reports.toml")).unwrap();
        let views = file
            .reports
            .iter()
            .filter(|s| s.template == template.id)
            .map(|s| {
                let mut d = s
                    .to_doc(&template, Timestamp(1_720_000_000_000), &|f, i| {
                        format!("{f}-{i}")
                    })
                    .unwrap();
                ReportView::read(d.document()).unwrap()
            })
            .collect();
        Demo {
            template,
            tree,
            views,
        }
    }

    /// The district's 19 communes (reporting) and the district itself.
    pub fn contributions(&self) -> Vec<Contribution<'_>> {
        let communes = self.tree.descendants_of_kind("huyen-ba-to", "commune");
        assert_eq!(communes.len(), 19);
        let mut out: Vec<Contribution<'_>> = communes
            .iter()
            .map(|u| Contribution {
                unit: &u.id,
                role: Role::Reporting,
                report: self.view(&u.id),
            })
            .collect();
        out.push(Contribution {
            unit: "huyen-ba-to",
            role: Role::Consolidating,
            report: self.view("huyen-ba-to"),
        });
        out
    }

    pub fn view(&self, unit: &str) -> Option<&ReportView> {
        self.views.iter().find(|v| v.unit == unit)
    }

    pub fn figures(&self) -> BTreeMap<String, FigureValue> {
        compute(&self.template, &self.contributions())
    }
}
