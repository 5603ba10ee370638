//! Who may do what with a report: the rules of the roles, in one place, used
//! by the server on every path (REST and sync) and by the client to decide
//! what to offer.
//!
//! A role applies to the whole subtree of the user's org unit, so the same
//! rules serve a province → district → commune tree and a province → commune
//! one:
//!
//! | role | read | write | approve (return, approve, reopen) |
//! |---|---|---|---|
//! | officer | own unit and below | own unit and below | never |
//! | reviewer | own unit and below | own unit and below | units strictly below |
//! | viewer | own unit and below | never | never |
//! | admin | own unit and below | repairs only | never |
//!
//! Administrators manage units, users and templates; they read reports to
//! support users but do not fill them in or judge them. They may *repair*
//! one ([`Action::Repair`]): correct or clear a value that breaks its
//! field's rules, stored before the server judged every change
//! ([`crate::workflow::check_repair`]).

use crate::dataset::{User, UserRole};
use crate::org::OrgTree;

/// Something a user may try to do with a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the report.
    Read,
    /// Change its content.
    Write,
    /// Return, approve or reopen it (change its review status).
    Approve,
    /// Correct values that break their fields' rules, and nothing else.
    Repair,
}

impl Action {
    /// Every action, for tables and tests.
    pub const ALL: [Action; 4] = [Action::Read, Action::Write, Action::Approve, Action::Repair];
}

/// Whether `user` may do `action` with a report of `report_unit`.
pub fn allowed(tree: &OrgTree, user: &User, report_unit: &str, action: Action) -> bool {
    let within = tree.get(&user.unit).is_some() && tree.is_within(report_unit, &user.unit);
    let below = within && report_unit != user.unit;
    match (user.role, action) {
        (_, Action::Read) => within,
        (UserRole::Officer | UserRole::Reviewer, Action::Write) => within,
        (UserRole::Reviewer, Action::Approve) => below,
        (UserRole::Admin, Action::Repair) => within,
        _ => false,
    }
}

/// The strongest access a user has to a report, for protocol decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Nothing, not even whether it exists.
    None,
    /// Read only: changes are refused.
    Read,
    /// Read and write (review status changes still need [`Action::Approve`]).
    Write,
}

/// [`Access`] of `user` to a report of `report_unit`.
pub fn access(tree: &OrgTree, user: &User, report_unit: &str) -> Access {
    if allowed(tree, user, report_unit, Action::Write) {
        Access::Write
    } else if allowed(tree, user, report_unit, Action::Read) {
        Access::Read
    } else {
        Access::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::OrgUnit;

    fn unit(id: &str, kind: &str, parent: Option<&str>) -> OrgUnit {
        OrgUnit {
            id: id.into(),
            name: id.into(),
            kind: kind.into(),
            parent: parent.map(str::to_string),
            closed: false,
        }
    }

    #[test]
    fn two_level_tree_uses_the_same_rules() {
        let tree = OrgTree::from_units(vec![
            unit("tinh", "province", None),
            unit("xa-1", "commune", Some("tinh")),
            unit("xa-2", "commune", Some("tinh")),
        ])
        .unwrap();
        let reviewer = User {
            id: "r".into(),
            name: "r".into(),
            role: UserRole::Reviewer,
            unit: "tinh".into(),
        };
        assert!(allowed(&tree, &reviewer, "xa-2", Action::Approve));
        assert!(!allowed(&tree, &reviewer, "tinh", Action::Approve));
        let officer = User {
            role: UserRole::Officer,
            unit: "xa-1".into(),
            ..reviewer
        };
        assert_eq!(access(&tree, &officer, "xa-1"), Access::Write);
        assert_eq!(access(&tree, &officer, "xa-2"), Access::None);
        assert_eq!(access(&tree, &officer, "tinh"), Access::None);
    }

    #[test]
    fn a_user_of_an_unknown_unit_has_no_access() {
        let tree = OrgTree::from_units(vec![unit("tinh", "province", None)]).unwrap();
        let ghost = User {
            id: "g".into(),
            name: "g".into(),
            role: UserRole::Viewer,
            unit: "khong-ton-tai".into(),
        };
        assert_eq!(access(&tree, &ghost, "tinh"), Access::None);
    }
}
