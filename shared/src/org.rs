//! The org-unit hierarchy (province → district → commune → village, or any
//! other depth). It is data, never code: since 2025 the same product serves
//! two-level provinces, and a reviewer is simply whoever sits one level above
//! the reporting unit.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One administrative unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    /// Stable identifier (a slug or an official code).
    pub id: String,
    /// Display name, e.g. "Xã Ba Dinh".
    pub name: String,
    /// The unit's kind ("province", "district", "commune", "village", …); templates
    /// name the kind that fills them in.
    pub kind: String,
    /// The parent unit; `None` for a root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Closed (merged into another unit, or its tier abolished): it stays in
    /// the tree for the reports it made, and takes part in no new round.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub closed: bool,
}

/// Why a list of units does not form a tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    /// Two units share an id.
    #[error("duplicate org unit id {0:?}")]
    Duplicate(String),
    /// A unit names a parent that is not in the list.
    #[error("org unit {unit:?} has unknown parent {parent:?}")]
    UnknownParent {
        /// The unit.
        unit: String,
        /// The missing parent.
        parent: String,
    },
    /// Following parents from this unit comes back to it.
    #[error("org unit {0:?} is its own ancestor")]
    Cycle(String),
    /// An id or name is empty.
    #[error("org unit with an empty id, name or kind")]
    Empty,
    /// The file could not be parsed.
    #[error("cannot read org units: {0}")]
    Parse(String),
}

/// A validated forest of org units, in the order they were given.
#[derive(Clone, Debug, Default)]
pub struct OrgTree {
    units: Vec<OrgUnit>,
    index: HashMap<String, usize>,
    children: HashMap<String, Vec<usize>>,
}

#[derive(Deserialize)]
struct UnitsFile {
    units: Vec<OrgUnit>,
}

impl OrgTree {
    /// Builds and checks a tree from a flat list with parent references.
    pub fn from_units(units: Vec<OrgUnit>) -> Result<OrgTree, OrgError> {
        let mut index = HashMap::with_capacity(units.len());
        for (i, u) in units.iter().enumerate() {
            if u.id.trim().is_empty() || u.name.trim().is_empty() || u.kind.trim().is_empty() {
                return Err(OrgError::Empty);
            }
            if index.insert(u.id.clone(), i).is_some() {
                return Err(OrgError::Duplicate(u.id.clone()));
            }
        }
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            if let Some(p) = &u.parent {
                if !index.contains_key(p) {
                    return Err(OrgError::UnknownParent {
                        unit: u.id.clone(),
                        parent: p.clone(),
                    });
                }
                children.entry(p.clone()).or_default().push(i);
            }
        }
        let tree = OrgTree {
            units,
            index,
            children,
        };
        for u in &tree.units {
            let mut seen = 0usize;
            let mut cur = u.parent.as_deref();
            while let Some(p) = cur {
                seen += 1;
                if p == u.id || seen > tree.units.len() {
                    return Err(OrgError::Cycle(u.id.clone()));
                }
                cur = tree.get(p).and_then(|x| x.parent.as_deref());
            }
        }
        Ok(tree)
    }

    /// Reads `[[units]]` tables from TOML.
    pub fn from_toml(text: &str) -> Result<OrgTree, OrgError> {
        let f: UnitsFile = toml::from_str(text).map_err(|e| OrgError::Parse(e.to_string()))?;
        OrgTree::from_units(f.units)
    }

    /// Reads a JSON array of units.
    pub fn from_json(text: &str) -> Result<OrgTree, OrgError> {
        let units: Vec<OrgUnit> =
            serde_json::from_str(text).map_err(|e| OrgError::Parse(e.to_string()))?;
        OrgTree::from_units(units)
    }

    /// Every unit, in input order.
    pub fn units(&self) -> &[OrgUnit] {
        &self.units
    }

    /// The unit with this id.
    pub fn get(&self, id: &str) -> Option<&OrgUnit> {
        self.index.get(id).map(|&i| &self.units[i])
    }

    /// Units without a parent.
    pub fn roots(&self) -> impl Iterator<Item = &OrgUnit> {
        self.units.iter().filter(|u| u.parent.is_none())
    }

    /// Direct children, in input order.
    pub fn children(&self, id: &str) -> impl Iterator<Item = &OrgUnit> {
        self.children
            .get(id)
            .into_iter()
            .flatten()
            .map(|&i| &self.units[i])
    }

    /// The parent unit.
    pub fn parent(&self, id: &str) -> Option<&OrgUnit> {
        self.get(id)?.parent.as_deref().and_then(|p| self.get(p))
    }

    /// Ancestors from the parent up to the root.
    pub fn ancestors(&self, id: &str) -> Vec<&OrgUnit> {
        let mut out = Vec::new();
        let mut cur = self.parent(id);
        while let Some(u) = cur {
            out.push(u);
            cur = self.parent(&u.id);
        }
        out
    }

    /// True when `id` is `ancestor` or lies below it.
    pub fn is_within(&self, id: &str, ancestor: &str) -> bool {
        id == ancestor && self.get(id).is_some()
            || self.ancestors(id).iter().any(|u| u.id == ancestor)
    }

    /// All units below `id` (not including it), depth first in input order.
    pub fn descendants(&self, id: &str) -> Vec<&OrgUnit> {
        let mut out = Vec::new();
        let mut stack: Vec<&OrgUnit> = self.children(id).collect();
        stack.reverse();
        while let Some(u) = stack.pop() {
            out.push(u);
            let mut kids: Vec<&OrgUnit> = self.children(&u.id).collect();
            kids.reverse();
            stack.extend(kids);
        }
        out
    }

    /// Units of `kind` at or below `id`.
    pub fn descendants_of_kind(&self, id: &str, kind: &str) -> Vec<&OrgUnit> {
        let mut out: Vec<&OrgUnit> = self
            .get(id)
            .filter(|u| u.kind == kind)
            .into_iter()
            .collect();
        out.extend(self.descendants(id).into_iter().filter(|u| u.kind == kind));
        out
    }

    /// The units a round of `id` opened now takes in: `id`'s subtree without
    /// its closed units (nor anything below them), and `id`'s ancestors, so
    /// the snapshot is a tree of its own that still names the units above.
    /// A round keeps this snapshot: reorganising units later does not move
    /// an old period's reports.
    pub fn snapshot(&self, id: &str) -> Vec<OrgUnit> {
        let Some(unit) = self.get(id) else {
            return Vec::new();
        };
        let mut out: Vec<OrgUnit> = self.ancestors(id).into_iter().rev().cloned().collect();
        out.push(unit.clone());
        let mut stack: Vec<&OrgUnit> = self.children(id).filter(|u| !u.closed).collect();
        stack.reverse();
        while let Some(u) = stack.pop() {
            out.push(u.clone());
            let mut kids: Vec<&OrgUnit> = self.children(&u.id).filter(|u| !u.closed).collect();
            kids.reverse();
            stack.extend(kids);
        }
        out
    }

    /// Number of units of `kind` below `id`.
    pub fn count_of_kind(&self, id: &str, kind: &str) -> usize {
        self.descendants(id)
            .iter()
            .filter(|u| u.kind == kind)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, kind: &str, parent: Option<&str>) -> OrgUnit {
        OrgUnit {
            id: id.into(),
            name: format!("Đơn vị {id}"),
            kind: kind.into(),
            parent: parent.map(Into::into),
            closed: false,
        }
    }

    #[test]
    fn a_snapshot_leaves_out_closed_units_and_keeps_ancestors() {
        let mut units = vec![
            unit("p", "province", None),
            unit("d", "district", Some("p")),
            unit("c1", "commune", Some("d")),
            unit("c2", "commune", Some("d")),
            unit("v2", "village", Some("c2")),
        ];
        units[3].closed = true;
        let tree = OrgTree::from_units(units).unwrap();
        let ids: Vec<String> = tree.snapshot("d").into_iter().map(|u| u.id).collect();
        assert_eq!(ids, ["p", "d", "c1"]);
        assert!(OrgTree::from_units(tree.snapshot("d")).is_ok());
        assert!(tree.snapshot("nope").is_empty());
    }

    #[test]
    fn three_and_two_level_trees() {
        let three = OrgTree::from_units(vec![
            unit("p", "province", None),
            unit("d", "district", Some("p")),
            unit("c1", "commune", Some("d")),
            unit("c2", "commune", Some("d")),
            unit("v1", "village", Some("c1")),
        ])
        .unwrap();
        assert_eq!(three.descendants_of_kind("p", "commune").len(), 2);
        assert_eq!(three.parent("c1").unwrap().id, "d");
        assert!(three.is_within("v1", "p"));
        assert!(!three.is_within("c2", "c1"));
        assert_eq!(three.count_of_kind("d", "village"), 1);

        let two = OrgTree::from_units(vec![
            unit("p", "province", None),
            unit("c1", "commune", Some("p")),
        ])
        .unwrap();
        assert_eq!(two.descendants_of_kind("p", "commune").len(), 1);
        assert_eq!(two.parent("c1").unwrap().kind, "province");
    }

    #[test]
    fn rejects_bad_trees() {
        assert!(matches!(
            OrgTree::from_units(vec![unit("a", "x", Some("zz"))]),
            Err(OrgError::UnknownParent { .. })
        ));
        assert!(matches!(
            OrgTree::from_units(vec![unit("a", "x", None), unit("a", "x", None)]),
            Err(OrgError::Duplicate(_))
        ));
        assert!(matches!(
            OrgTree::from_units(vec![unit("a", "x", Some("b")), unit("b", "x", Some("a"))]),
            Err(OrgError::Cycle(_))
        ));
    }
}
