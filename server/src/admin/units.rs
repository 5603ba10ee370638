//! Org units: added one at a time or from CSV, and reorganised the way the
//! 2025 reform reorganised Vietnam's communes — renamed, moved under another
//! parent (a district tier abolished: its communes under the province),
//! closed, merged into a new, larger commune.
//!
//! A unit is never deleted: reports of old periods stay under the units
//! that made them, and those periods' rounds keep the tree as it was when
//! they were opened ([`crate::catalog::Catalog::tree_for`]).

use super::{Actor, AdminError, Change, Result, begin, check_id, finish};
use crate::catalog::Catalog;
use crate::db::Pool;
use serde_json::json;
use shared::OrgUnit;

/// A new org unit.
#[derive(Clone, Debug)]
pub struct NewUnit {
    /// Id (letters, digits, `-`).
    pub id: String,
    /// Name, e.g. "Xã Ba Bích".
    pub name: String,
    /// Kind, e.g. province, district, commune, village.
    pub kind: String,
    /// Parent unit id; none for a root.
    pub parent: Option<String>,
}

fn unit<'c>(catalog: &'c Catalog, id: &str) -> Result<&'c OrgUnit> {
    catalog
        .tree
        .get(id)
        .ok_or_else(|| AdminError::NotFound(format!("no org unit {id:?}")))
}

fn open_unit<'c>(catalog: &'c Catalog, id: &str) -> Result<&'c OrgUnit> {
    let u = unit(catalog, id)?;
    if u.closed {
        return Err(AdminError::Conflict(format!("org unit {id:?} is closed")));
    }
    Ok(u)
}

fn state(u: &OrgUnit) -> serde_json::Value {
    json!({ "name": u.name, "kind": u.kind, "parent": u.parent, "closed": u.closed })
}

async fn insert(conn: &mut sqlx::AnyConnection, u: &NewUnit) -> Result<()> {
    sqlx::query(
        "INSERT INTO org_units (id, name, kind, parent, pos) \
         VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(pos), -1) + 1 FROM org_units))",
    )
    .bind(&u.id)
    .bind(u.name.trim())
    .bind(u.kind.trim())
    .bind(&u.parent)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A unit added (not merged into being) takes part in the open rounds that
/// cover its parent: it is one the set-up forgot, and its officers must
/// report now. The rounds' other units stay as they were.
async fn join_open_rounds(conn: &mut sqlx::AnyConnection, u: &NewUnit) -> Result<()> {
    let Some(parent) = &u.parent else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO round_units (template, period, round_unit, unit, name, kind, parent, pos) \
         SELECT ru.template, ru.period, ru.round_unit, $1, $2, $3, ru.unit, \
                (SELECT MAX(y.pos) + 1 FROM round_units y WHERE y.template = ru.template \
                   AND y.period = ru.period AND y.round_unit = ru.round_unit) \
         FROM round_units ru JOIN rounds r \
           ON r.template = ru.template AND r.period = ru.period AND r.unit = ru.round_unit \
         WHERE ru.unit = $4 AND r.closed = 0 \
           AND ru.pos >= (SELECT x.pos FROM round_units x WHERE x.template = ru.template \
                AND x.period = ru.period AND x.round_unit = ru.round_unit AND x.unit = ru.round_unit)",
    )
    .bind(&u.id)
    .bind(u.name.trim())
    .bind(u.kind.trim())
    .bind(parent)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn check_new(catalog: &Catalog, actor: &Actor, u: &NewUnit) -> Result<()> {
    check_id("unit", &u.id)?;
    if u.name.trim().is_empty() || u.kind.trim().is_empty() {
        return Err(AdminError::Invalid("a unit needs a name and a kind".into()));
    }
    if catalog.tree.get(&u.id).is_some() {
        return Err(AdminError::Conflict(format!(
            "unit {:?} exists already",
            u.id
        )));
    }
    match &u.parent {
        Some(p) => {
            open_unit(catalog, p).map_err(|e| match e {
                AdminError::NotFound(_) => {
                    AdminError::NotFound(format!("parent unit {p:?} does not exist"))
                }
                e => e,
            })?;
            actor.may_manage(catalog, p)
        }
        None if matches!(actor, Actor::Cli(_)) => Ok(()),
        None => Err(AdminError::Forbidden(
            "a unit without a parent (a new province) is added from the command line".into(),
        )),
    }
}

/// Adds an org unit.
pub async fn add_unit(pool: &Pool, catalog: &Catalog, actor: &Actor, u: &NewUnit) -> Result<()> {
    check_new(catalog, actor, u)?;
    let mut tx = begin(pool).await?;
    insert(&mut tx, u).await?;
    join_open_rounds(&mut tx, u).await?;
    let after = json!({ "name": u.name.trim(), "kind": u.kind.trim(), "parent": u.parent });
    let change = Change {
        action: "org.add",
        target: &u.id,
        scope: Some(&u.id),
        before: None,
        after: Some(after),
    };
    finish(tx, actor, change).await
}

/// Renames a unit. Rounds opened before keep the old name in their reports.
pub async fn rename(
    pool: &Pool,
    catalog: &Catalog,
    actor: &Actor,
    id: &str,
    name: &str,
) -> Result<()> {
    let u = unit(catalog, id)?;
    actor.may_manage(catalog, id)?;
    if name.trim().is_empty() {
        return Err(AdminError::Invalid("a unit needs a name".into()));
    }
    let mut tx = begin(pool).await?;
    sqlx::query("UPDATE org_units SET name = $1 WHERE id = $2")
        .bind(name.trim())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let mut after = u.clone();
    after.name = name.trim().into();
    let change = Change {
        action: "org.rename",
        target: id,
        scope: Some(id),
        before: Some(state(u)),
        after: Some(state(&after)),
    };
    finish(tx, actor, change).await
}

/// Moves a unit (and what is below it) under another parent.
pub async fn move_unit(
    pool: &Pool,
    catalog: &Catalog,
    actor: &Actor,
    id: &str,
    parent: &str,
) -> Result<()> {
    let u = open_unit(catalog, id)?;
    open_unit(catalog, parent)?;
    actor.may_manage(catalog, id)?;
    actor.may_manage(catalog, parent)?;
    if catalog.tree.is_within(parent, id) {
        return Err(AdminError::Invalid(format!(
            "{id:?} cannot move under {parent:?}, which lies within it"
        )));
    }
    let mut tx = begin(pool).await?;
    set_parent(&mut tx, id, parent).await?;
    let mut after = u.clone();
    after.parent = Some(parent.into());
    let change = Change {
        action: "org.move",
        target: id,
        scope: Some(id),
        before: Some(state(u)),
        after: Some(state(&after)),
    };
    finish(tx, actor, change).await
}

async fn set_parent(conn: &mut sqlx::AnyConnection, id: &str, parent: &str) -> Result<()> {
    sqlx::query("UPDATE org_units SET parent = $1 WHERE id = $2")
        .bind(parent)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Why a unit cannot close yet: open units below it, or active users in it.
fn still_in_use(catalog: &Catalog, id: &str) -> Result<()> {
    let open: Vec<&str> = catalog
        .tree
        .children(id)
        .filter(|c| !c.closed)
        .map(|c| c.id.as_str())
        .collect();
    if !open.is_empty() {
        return Err(AdminError::Conflict(format!(
            "{id:?} still has open units below it ({}): move, merge or close them first",
            open.join(", ")
        )));
    }
    let users: Vec<&str> = catalog
        .users
        .iter()
        .filter(|u| u.unit == id)
        .map(|u| u.id.as_str())
        .collect();
    if !users.is_empty() {
        return Err(AdminError::Conflict(format!(
            "{id:?} still has active users ({}): move or deactivate them first",
            users.join(", ")
        )));
    }
    Ok(())
}

/// Closes a unit: it stays, with its reports, and takes part in no new
/// round. It must have no open unit below it and no active user.
pub async fn close(pool: &Pool, catalog: &Catalog, actor: &Actor, id: &str) -> Result<()> {
    let u = open_unit(catalog, id)?;
    actor.may_manage(catalog, id)?;
    still_in_use(catalog, id)?;
    let mut tx = begin(pool).await?;
    sqlx::query("UPDATE org_units SET closed = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        action: "org.close",
        target: id,
        scope: Some(id),
        before: Some(state(u)),
        after: Some(json!({ "closed": true })),
    };
    finish(tx, actor, change).await
}

/// How units merge.
#[derive(Clone, Debug)]
pub struct Merge {
    /// The unit they merge into: an open unit, or a new one (then `name` is
    /// needed; it takes the kind and parent of the first unit merged).
    pub into: String,
    /// Name of the new unit.
    pub name: Option<String>,
    /// The units merged (all of one kind).
    pub units: Vec<String>,
}

/// Merges units into one: the units below them and their users move to it,
/// and they close. Their reports stay theirs (old periods' figures do not
/// change); new rounds have the merged unit instead.
pub async fn merge(pool: &Pool, catalog: &Catalog, actor: &Actor, m: &Merge) -> Result<()> {
    if m.units.is_empty() {
        return Err(AdminError::Invalid("name the units to merge".into()));
    }
    let mut merged = Vec::new();
    for id in &m.units {
        if *id == m.into {
            return Err(AdminError::Invalid(format!(
                "{id:?} cannot merge into itself"
            )));
        }
        let u = open_unit(catalog, id)?;
        actor.may_manage(catalog, id)?;
        if merged.iter().any(|x: &&OrgUnit| x.id == u.id) {
            return Err(AdminError::Invalid(format!("{id:?} is named twice")));
        }
        merged.push(u);
    }
    let kind = &merged[0].kind;
    if let Some(other) = merged.iter().find(|u| u.kind != *kind) {
        return Err(AdminError::Invalid(format!(
            "{:?} is a {}, not a {kind}: only units of one kind merge",
            other.id, other.kind
        )));
    }
    let new = match catalog.tree.get(&m.into) {
        Some(target) => {
            open_unit(catalog, &target.id)?;
            actor.may_manage(catalog, &target.id)?;
            if target.kind != *kind {
                return Err(AdminError::Invalid(format!(
                    "{:?} is a {}, not a {kind}",
                    target.id, target.kind
                )));
            }
            if merged
                .iter()
                .any(|u| catalog.tree.is_within(&target.id, &u.id))
            {
                return Err(AdminError::Invalid(format!(
                    "{:?} lies within a unit being merged",
                    target.id
                )));
            }
            None
        }
        None => {
            let name = m.name.as_deref().ok_or_else(|| {
                AdminError::Invalid(format!(
                    "{:?} does not exist: give --name to create it",
                    m.into
                ))
            })?;
            let new = NewUnit {
                id: m.into.clone(),
                name: name.into(),
                kind: kind.clone(),
                parent: merged[0].parent.clone(),
            };
            check_new(catalog, actor, &new)?;
            Some(new)
        }
    };
    let mut tx = begin(pool).await?;
    if let Some(new) = &new {
        insert(&mut tx, new).await?;
    }
    let mut moved_users = Vec::new();
    for u in &merged {
        for child in catalog.tree.children(&u.id).filter(|c| !c.closed) {
            set_parent(&mut tx, &child.id, &m.into).await?;
        }
        for user in catalog.users.iter().filter(|x| x.unit == u.id) {
            moved_users.push(user.id.clone());
        }
        sqlx::query("UPDATE users SET unit = $1 WHERE unit = $2 AND active <> 0")
            .bind(&m.into)
            .bind(&u.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE org_units SET closed = 1 WHERE id = $1")
            .bind(&u.id)
            .execute(&mut *tx)
            .await?;
    }
    let target = format!("{} ← {}", m.into, m.units.join(", "));
    let change = Change {
        action: "org.merge",
        target: &target,
        scope: Some(&m.into),
        before: Some(json!(merged.iter().map(|u| state(u)).collect::<Vec<_>>())),
        after: Some(json!({
            "into": m.into,
            "created": new.as_ref().map(|n| json!({ "name": n.name, "kind": n.kind, "parent": n.parent })),
            "users_moved": moved_users,
        })),
    };
    finish(tx, actor, change).await
}
