//! Test databases: a fresh SQLite file, and a fresh PostgreSQL database when
//! `MINWON_TEST_POSTGRES_URL` names a server. The same stories run on each.

use crate::{Db, Result, StoreError, on_db};

/// A migrated, empty database that lives as long as this value (SQLite file in a temp dir;
/// PostgreSQL databases are named uniquely and left for the throwaway cluster to drop).
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<TempDir>,
}

/// A temporary directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TempDir {
    pub fn new(prefix: &str) -> Result<TempDir> {
        let name = format!(
            "{prefix}-{}",
            crate::secrets::new_token()?.get(..12).unwrap_or("x")
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).map_err(|e| StoreError::Conflict(e.to_string()))?;
        Ok(TempDir(path))
    }
}

/// The backends to run a story on: always SQLite, and PostgreSQL when configured.
pub fn backends() -> Vec<&'static str> {
    let mut v = vec!["sqlite"];
    if std::env::var("MINWON_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
        v.push("postgres");
    }
    v
}

impl TestDb {
    pub async fn new(backend: &str) -> Result<TestDb> {
        if backend == "postgres" {
            let admin_url = std::env::var("MINWON_TEST_POSTGRES_URL")
                .map_err(|_| StoreError::BadUrl("MINWON_TEST_POSTGRES_URL".into()))?;
            let admin = Db::connect(&admin_url).await?;
            let name = format!("minwon_test_{}", &crate::secrets::new_token()?[..16]);
            let create = format!("CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0");
            on_db!(&admin, |pool| sqlx::query(sqlx::AssertSqlSafe(create))
                .execute(pool)
                .await
                .map(|_| ()))?;
            admin.close().await;
            let url = match admin_url.rsplit_once('/') {
                Some((base, _)) => format!("{base}/{name}"),
                None => return Err(StoreError::BadUrl(admin_url)),
            };
            let db = Db::connect(&url).await?;
            db.migrate().await?;
            Ok(TestDb {
                db,
                url,
                _dir: None,
            })
        } else {
            let dir = TempDir::new("minwon-test")?;
            let url = format!("sqlite://{}", dir.0.join("minwon.sqlite").display());
            let db = Db::connect(&url).await?;
            db.migrate().await?;
            Ok(TestDb {
                db,
                url,
                _dir: Some(dir),
            })
        }
    }
}
