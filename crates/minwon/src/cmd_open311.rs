//! `minwon admin open311-key add NAME` and `minwon admin open311-key revoke NAME`: Open311
//! client keys from the command line. The work is `store::open311`'s (hashed storage, one live
//! key per name, the access-log entry in the same transaction); this module turns its errors
//! into one line for people.

/// Issue a key named `name` and return it. It is shown only now: the database keeps its hash.
/// The caller prints it alone on the last line of stdout.
pub async fn add_key(db: &store::Db, name: &str) -> Result<String, String> {
    store::open311::issue_key_logged(db, name, "cli")
        .await
        .map(|(_, secret)| secret)
        .map_err(|e| e.to_string())
}

/// Revoke the live key named `name`; its clients get 403 from the next request on.
pub async fn revoke_key(db: &store::Db, name: &str) -> Result<(), String> {
    match store::open311::revoke_key_logged(db, name, "cli").await {
        Ok(_) => Ok(()),
        Err(store::StoreError::NotFound) => Err(format!(
            "'{name}' 이름의 사용 중인 Open311 키가 없습니다 (no live Open311 key named '{name}')"
        )),
        Err(e) => Err(e.to_string()),
    }
}
