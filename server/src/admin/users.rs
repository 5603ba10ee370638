//! Users: added one at a time or from CSV, their password reset, their role
//! or unit changed, deactivated (they cannot log in, their sessions end,
//! their past changes stay theirs) and reactivated.

use super::{Actor, AdminError, Change, Result, begin, check_id, finish};
use crate::auth::{parse_role, password, session};
use crate::catalog::Catalog;
use crate::db::Pool;
use serde::Serialize;
use serde_json::json;
use shared::dataset::UserRole;

/// A new user.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Login id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// officer, reviewer, viewer or admin.
    pub role: String,
    /// Org unit id.
    pub unit: String,
    /// Initial password.
    pub password: String,
}

/// A user as the administrator sees them.
#[derive(Clone, Debug, Serialize)]
pub struct UserRow {
    /// Login id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Org unit id.
    pub unit: String,
    /// May log in.
    pub active: bool,
    /// Last successful login (ms since the epoch).
    pub last_login: Option<i64>,
}

fn role_of(s: &str) -> Result<UserRole> {
    parse_role(s).ok_or_else(|| {
        AdminError::Invalid(format!(
            "role {s:?} is not officer, reviewer, viewer or admin"
        ))
    })
}

fn role_name(r: UserRole) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Every user (active or not), in creation order.
pub async fn list(pool: &Pool) -> Result<Vec<UserRow>> {
    type Row = (String, String, String, String, i64, Option<i64>);
    let rows: Vec<Row> =
        sqlx::query_as("SELECT id, name, role, unit, active, last_login FROM users ORDER BY rowid")
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, role, unit, active, last_login)| UserRow {
            id,
            name,
            role,
            unit,
            active: active != 0,
            last_login,
        })
        .collect())
}

async fn row(pool: &Pool, id: &str) -> Result<UserRow> {
    list(pool)
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or_else(|| AdminError::NotFound(format!("no user {id:?}")))
}

fn open_unit(catalog: &Catalog, id: &str) -> Result<()> {
    match catalog.tree.get(id) {
        None => Err(AdminError::NotFound(format!("unit {id:?} does not exist"))),
        Some(u) if u.closed => Err(AdminError::Conflict(format!("unit {id:?} is closed"))),
        Some(_) => Ok(()),
    }
}

/// Adds a user with a password.
pub async fn add_user(pool: &Pool, catalog: &Catalog, actor: &Actor, u: &NewUser) -> Result<()> {
    check_id("user", &u.id)?;
    let role = role_of(&u.role)?;
    if u.name.trim().is_empty() {
        return Err(AdminError::Invalid("a user needs a name".into()));
    }
    open_unit(catalog, &u.unit)?;
    actor.may_manage(catalog, &u.unit)?;
    let exists: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE id = $1")
        .bind(&u.id)
        .fetch_one(pool)
        .await?;
    if exists.0 > 0 {
        return Err(AdminError::Conflict(format!(
            "user {:?} exists already",
            u.id
        )));
    }
    let hash = password::hash(&u.password).map_err(AdminError::Invalid)?;
    let mut tx = begin(pool).await?;
    sqlx::query(
        "INSERT INTO users (id, name, role, unit, password_hash) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&u.id)
    .bind(u.name.trim())
    .bind(role_name(role))
    .bind(&u.unit)
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    let after = json!({ "name": u.name.trim(), "role": role_name(role), "unit": u.unit });
    let change = Change {
        action: "user.add",
        target: &u.id,
        scope: Some(&u.unit),
        before: None,
        after: Some(after),
    };
    finish(tx, actor, change).await
}

/// A user the actor may manage.
async fn managed(pool: &Pool, catalog: &Catalog, actor: &Actor, id: &str) -> Result<UserRow> {
    let u = row(pool, id).await?;
    actor.may_manage(catalog, &u.unit)?;
    Ok(u)
}

/// Sets a new password and ends the user's sessions.
pub async fn reset_password(
    pool: &Pool,
    catalog: &Catalog,
    actor: &Actor,
    id: &str,
    new: &str,
) -> Result<()> {
    let u = managed(pool, catalog, actor, id).await?;
    let hash = password::hash(new).map_err(AdminError::Invalid)?;
    let mut tx = begin(pool).await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        action: "user.reset-password",
        target: id,
        scope: Some(&u.unit),
        before: None,
        after: None,
    };
    finish(tx, actor, change).await?;
    session::expire_user(pool, id, crate::db::now_ms()).await?;
    Ok(())
}

/// Deactivates (`active` false: cannot log in, sessions ended) or
/// reactivates a user.
pub async fn set_active(
    pool: &Pool,
    catalog: &Catalog,
    actor: &Actor,
    id: &str,
    active: bool,
) -> Result<()> {
    let u = managed(pool, catalog, actor, id).await?;
    if u.active == active {
        return Err(AdminError::Conflict(format!(
            "user {id:?} is {} already",
            if active { "active" } else { "inactive" }
        )));
    }
    if active {
        open_unit(catalog, &u.unit)?;
    }
    if let Actor::User(me) = actor
        && me.id == id
    {
        return Err(AdminError::Invalid("you cannot deactivate yourself".into()));
    }
    let mut tx = begin(pool).await?;
    sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        action: if active {
            "user.reactivate"
        } else {
            "user.deactivate"
        },
        target: id,
        scope: Some(&u.unit),
        before: Some(json!({ "active": u.active })),
        after: Some(json!({ "active": active })),
    };
    finish(tx, actor, change).await?;
    if !active {
        session::expire_user(pool, id, crate::db::now_ms()).await?;
    }
    Ok(())
}

/// What to change of a user.
#[derive(Clone, Debug, Default)]
pub struct UserChange {
    /// New display name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<String>,
    /// New unit.
    pub unit: Option<String>,
}

/// Changes a user's name, role or unit. Their sessions carry on with the
/// new rights (the catalog holds them, not the session).
pub async fn change(
    pool: &Pool,
    catalog: &Catalog,
    actor: &Actor,
    id: &str,
    c: &UserChange,
) -> Result<()> {
    let u = managed(pool, catalog, actor, id).await?;
    if c.name.is_none() && c.role.is_none() && c.unit.is_none() {
        return Err(AdminError::Invalid(
            "give --name, --role and/or --unit".into(),
        ));
    }
    let role = c.role.as_deref().map(role_of).transpose()?.map(role_name);
    if let Some(unit) = &c.unit {
        open_unit(catalog, unit)?;
        actor.may_manage(catalog, unit)?;
    }
    if let Some(n) = &c.name
        && n.trim().is_empty()
    {
        return Err(AdminError::Invalid("a user needs a name".into()));
    }
    let name = c.name.as_deref().map(str::trim).unwrap_or(&u.name);
    let role = role.as_deref().unwrap_or(&u.role);
    let unit = c.unit.as_deref().unwrap_or(&u.unit);
    let mut tx = begin(pool).await?;
    sqlx::query("UPDATE users SET name = $1, role = $2, unit = $3 WHERE id = $4")
        .bind(name)
        .bind(role)
        .bind(unit)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        action: "user.change",
        target: id,
        scope: Some(unit),
        before: Some(json!({ "name": u.name, "role": u.role, "unit": u.unit })),
        after: Some(json!({ "name": name, "role": role, "unit": unit })),
    };
    finish(tx, actor, change).await
}
