//! Reporting rounds: a template to be reported for a period by the units
//! below a consolidating unit, by a deadline. Opened, given a new deadline,
//! closed (its reports locked, as approval locks them) and reopened.
//!
//! Opening a round stores its units as they are then (`round_units`): the
//! round's figures and exports keep reading that tree when units are later
//! moved, merged or closed.

use super::{Actor, AdminError, Change, Result, begin, finish};
use crate::catalog::Catalog;
use crate::db::Pool;
use serde_json::json;
use shared::dataset::Round;
use shared::{Date, OrgTree, Period};

/// Which round.
#[derive(Clone, Debug)]
pub struct RoundId {
    /// Template id.
    pub template: String,
    /// Period id, e.g. 2025-H2.
    pub period: String,
    /// The consolidating unit.
    pub unit: String,
}

impl RoundId {
    fn target(&self) -> String {
        format!("{} {} {}", self.template, self.period, self.unit)
    }
}

fn find<'c>(catalog: &'c Catalog, id: &RoundId) -> Result<&'c Round> {
    catalog
        .rounds
        .iter()
        .find(|r| r.template == id.template && r.period == id.period && r.unit == id.unit)
        .ok_or_else(|| {
            AdminError::NotFound(format!(
                "no round of {} for {} at {}",
                id.template, id.period, id.unit
            ))
        })
}

fn state(r: &Round) -> serde_json::Value {
    json!({ "deadline": r.deadline.map(|d| d.to_iso()), "closed": r.closed })
}

/// Stores a round's units as the tree has them now.
async fn store_snapshot(
    conn: &mut sqlx::AnyConnection,
    tree: &OrgTree,
    r: &Round,
) -> Result<usize> {
    let units = tree.snapshot(&r.unit);
    for (pos, u) in units.iter().enumerate() {
        sqlx::query(
            "INSERT INTO round_units (template, period, round_unit, unit, name, kind, parent, pos) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&r.template)
        .bind(&r.period)
        .bind(&r.unit)
        .bind(&u.id)
        .bind(&u.name)
        .bind(&u.kind)
        .bind(&u.parent)
        .bind(pos as i64)
        .execute(&mut *conn)
        .await?;
    }
    Ok(units.len())
}

/// Gives every round stored without its units (the demo's, and rounds of a
/// database older than `round_units`) the tree as it is now. Run at start,
/// before anything can reorganise the units.
pub async fn snapshot_missing(pool: &Pool) -> Result<usize> {
    let catalog = Catalog::load(pool).await.map_err(AdminError::Db)?;
    let have: Vec<(String, String, String)> =
        sqlx::query_as("SELECT DISTINCT template, period, round_unit FROM round_units")
            .fetch_all(pool)
            .await?;
    let mut n = 0;
    let mut tx = begin(pool).await?;
    for r in &catalog.rounds {
        if !have
            .iter()
            .any(|(t, p, u)| *t == r.template && *p == r.period && *u == r.unit)
        {
            store_snapshot(&mut tx, &catalog.tree, r).await?;
            n += 1;
        }
    }
    if n > 0 {
        crate::catalog::bump(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// Opens a round. The period must be of the template's kind, the unit open
/// and with units below it that fill the template in, and no round of the
/// template and period may already cover it or a unit within it.
pub async fn open(
    pool: &Pool,
    catalog: &Catalog,
    actor: &Actor,
    id: &RoundId,
    deadline: Option<Date>,
) -> Result<Round> {
    let t = catalog.templates.get(&id.template).ok_or_else(|| {
        AdminError::NotFound(format!(
            "no template {:?} (baocao template list shows them)",
            id.template
        ))
    })?;
    let period: Period = id
        .period
        .parse()
        .map_err(|e: shared::period::PeriodError| AdminError::Invalid(e.to_string()))?;
    if period.kind() != t.period {
        return Err(AdminError::Invalid(format!(
            "template {:?} is reported per {}, and {} is not such a period",
            t.id,
            serde_json::to_value(t.period)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            id.period
        )));
    }
    let unit = catalog
        .tree
        .get(&id.unit)
        .ok_or_else(|| AdminError::NotFound(format!("no org unit {:?}", id.unit)))?;
    if unit.closed {
        return Err(AdminError::Conflict(format!(
            "org unit {:?} is closed",
            id.unit
        )));
    }
    actor.may_manage(catalog, &id.unit)?;
    let reporting = OrgTree::from_units(catalog.tree.snapshot(&id.unit))
        .map(|tree| tree.descendants_of_kind(&id.unit, &t.filled_by).len())
        .unwrap_or(0);
    if reporting == 0 {
        return Err(AdminError::Invalid(format!(
            "no open unit of kind {:?} (which fills {:?} in) at or below {:?}",
            t.filled_by, t.id, id.unit
        )));
    }
    if let Some(r) = catalog.rounds.iter().find(|r| {
        r.template == id.template
            && r.period == id.period
            && (catalog.tree.is_within(&id.unit, &r.unit)
                || catalog.tree.is_within(&r.unit, &id.unit))
    }) {
        return Err(AdminError::Conflict(format!(
            "a round of {} for {} is open at {} already, which overlaps {}",
            r.template, r.period, r.unit, id.unit
        )));
    }
    let round = Round {
        template: id.template.clone(),
        period: period.id(),
        unit: id.unit.clone(),
        deadline,
        closed: false,
    };
    let mut tx = begin(pool).await?;
    sqlx::query("INSERT INTO rounds (template, period, unit, deadline) VALUES ($1, $2, $3, $4)")
        .bind(&round.template)
        .bind(&round.period)
        .bind(&round.unit)
        .bind(deadline.map(|d| d.to_iso()))
        .execute(&mut *tx)
        .await?;
    let units = store_snapshot(&mut tx, &catalog.tree, &round).await?;
    let change = Change {
        action: "round.open",
        target: &id.target(),
        scope: Some(&id.unit),
        before: None,
        after: Some(json!({
            "deadline": deadline.map(|d| d.to_iso()),
            "reporting_units": reporting,
            "units": units,
        })),
    };
    finish(tx, actor, change).await?;
    Ok(round)
}

/// Stores a round's deadline and state and records the change.
async fn update(
    pool: &Pool,
    actor: &Actor,
    action: &str,
    before: &Round,
    after: &Round,
) -> Result<()> {
    let mut tx = begin(pool).await?;
    sqlx::query(
        "UPDATE rounds SET deadline = $1, closed = $2 \
         WHERE template = $3 AND period = $4 AND unit = $5",
    )
    .bind(after.deadline.map(|d| d.to_iso()))
    .bind(i64::from(after.closed))
    .bind(&after.template)
    .bind(&after.period)
    .bind(&after.unit)
    .execute(&mut *tx)
    .await?;
    let target = format!("{} {} {}", after.template, after.period, after.unit);
    let change = Change {
        action,
        target: &target,
        scope: Some(&after.unit),
        before: Some(state(before)),
        after: Some(state(after)),
    };
    finish(tx, actor, change).await
}

/// Sets (or, with none, clears) a round's deadline.
pub async fn set_deadline(
    pool: &Pool,
    catalog: &Catalog,
    actor: &Actor,
    id: &RoundId,
    deadline: Option<Date>,
) -> Result<()> {
    let r = find(catalog, id)?;
    actor.may_manage(catalog, &id.unit)?;
    let after = Round {
        deadline,
        ..r.clone()
    };
    update(pool, actor, "round.set-deadline", r, &after).await
}

/// Closes (locks its reports) or reopens a round.
pub async fn set_closed(
    pool: &Pool,
    catalog: &Catalog,
    actor: &Actor,
    id: &RoundId,
    closed: bool,
) -> Result<()> {
    let r = find(catalog, id)?;
    actor.may_manage(catalog, &id.unit)?;
    if r.closed == closed {
        return Err(AdminError::Conflict(format!(
            "the round {} is {} already",
            id.target(),
            if closed { "closed" } else { "open" }
        )));
    }
    let after = Round {
        closed,
        ..r.clone()
    };
    let action = if closed {
        "round.close"
    } else {
        "round.reopen"
    };
    update(pool, actor, action, r, &after).await
}
