//! The schema: one table, shipped as numbered migrations.
//!
//! [`migrate`] applies the ones a database lacks, in one transaction, under an
//! advisory lock (replicas that start together apply them once), and records each
//! in `webhook_gate_migrations`, a table of its own: the crate's versions never
//! collide with your application's migrations. Teams that run their own migration
//! tool copy [`MIGRATIONS`] (the same SQL, also in the crate's `migrations/`
//! directory) into it instead.

use sqlx::{PgPool, Row as _};

/// One step of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// Its number: steps are applied in order, each once.
    pub version: i32,
    /// What it does.
    pub description: &'static str,
    /// The SQL (idempotent: `CREATE ... IF NOT EXISTS`).
    pub sql: &'static str,
}

/// Every step of the schema, in order.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "deliveries",
    sql: include_str!("../migrations/0001_deliveries.sql"),
}];

/// The advisory lock that serialises `migrate` across processes ("webhook-gate"
/// as ASCII, truncated to 63 bits).
const MIGRATION_LOCK: i64 = 0x7765_6268_6f6f_6b67;

/// Applies the migrations `pool`'s database lacks; returns how many it applied.
pub async fn migrate(pool: &PgPool) -> Result<usize, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *transaction)
        .await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS webhook_gate_migrations (
             version     integer     PRIMARY KEY,
             description text        NOT NULL,
             applied_at  timestamptz NOT NULL DEFAULT now()
         )",
    )
    .execute(&mut *transaction)
    .await?;
    let applied: Vec<i32> = sqlx::query("SELECT version FROM webhook_gate_migrations")
        .fetch_all(&mut *transaction)
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let mut count = 0;
    for migration in MIGRATIONS {
        if applied.contains(&migration.version) {
            continue;
        }
        sqlx::raw_sql(migration.sql)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("INSERT INTO webhook_gate_migrations (version, description) VALUES ($1, $2)")
            .bind(migration.version)
            .bind(migration.description)
            .execute(&mut *transaction)
            .await?;
        count += 1;
    }
    transaction.commit().await?;
    Ok(count)
}
