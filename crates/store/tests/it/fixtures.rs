//! The org charts and staff the stories start from.
// Test helpers outside #[test] functions may unwrap too (clippy.toml covers only the tests).
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use domain::office::accounts::Role;
use domain::petitions::Event;
use domain::{AccountId, DepartmentId};
use store::petitions::{NewPetition, Petition, PiiKey};
use store::{Db, StoreError, Tx, office::accounts, office::departments, petitions};

/// A department named by its code, under the department `parent_code` names.
pub async fn department(
    tx: &mut Tx,
    code: &str,
    name: &str,
    parent_code: Option<&str>,
    now: DateTime<Utc>,
) -> DepartmentId {
    let new = departments::NewDepartment {
        code,
        name,
        name_en: "",
        parent_code,
    };
    departments::create(tx, &new, now).await.unwrap().id
}

/// An account with no phone and the password hash "x".
pub async fn account(
    tx: &mut Tx,
    (username, display_name, email): (&str, &str, &str),
    role: Role,
    department_id: Option<DepartmentId>,
    now: DateTime<Utc>,
) -> AccountId {
    let new = accounts::NewAccount {
        username,
        display_name,
        email,
        phone: "",
        role,
        department_id,
        password_hash: "x",
    };
    accounts::create(tx, &new, now).await.unwrap().id
}

/// The petition stories' county: the office "county" with `first` and "build" under it, the
/// official "kim" (김담당) in `first`, and the general petition types, also in `first`.
/// Answers the transaction still open (a story may add to it), `first`, "build" and kim.
pub async fn county(
    db: &Db,
    first: &str,
    now: DateTime<Utc>,
) -> (Tx, DepartmentId, DepartmentId, AccountId) {
    let mut tx = db.begin().await.unwrap();
    department(&mut tx, "county", "county", None, now).await;
    let first = department(&mut tx, first, first, Some("county"), now).await;
    let build = department(&mut tx, "build", "build", Some("county"), now).await;
    let kim = ("kim", "김담당", "kim@example.kr");
    let official = account(&mut tx, kim, Role::Official, Some(first), now).await;
    petitions::ensure_general_types(&mut tx, Some(first), now)
        .await
        .unwrap();
    (tx, first, build, official)
}

/// The civil-affairs department (민원과, "civil") and people in it, each shown by their
/// username at USERNAME@example.kr. Answers the department and the accounts in order.
pub async fn civil_staff(db: &Db, people: &[(&str, Role)]) -> (DepartmentId, Vec<AccountId>) {
    let now = store::now();
    let mut tx = db.begin().await.unwrap();
    let dept = department(&mut tx, "civil", "민원과", None, now).await;
    let mut ids = Vec::new();
    for &(username, role) in people {
        let email = format!("{username}@example.kr");
        let who = (username, username, email.as_str());
        ids.push(account(&mut tx, who, role, Some(dept), now).await);
    }
    tx.commit().await.unwrap();
    (dept, ids)
}

/// File a petition the way the API does (screen, check, file) and commit.
pub async fn file(
    db: &Db,
    key: &PiiKey,
    new: NewPetition,
    at: DateTime<Utc>,
) -> Result<Petition, StoreError> {
    let (cal, _) = petitions::work_calendar(db).await.unwrap();
    let screening = petitions::screen(&new.title, &new.body);
    let checked = petitions::check(db, new, key, screening).await?;
    let mut tx = db.begin().await.unwrap();
    let f = petitions::file(&mut tx, &checked, None, &cal, at).await?;
    tx.commit().await.unwrap();
    Ok(f.petition)
}

/// Take a step on a petition as `official` and commit.
pub async fn act(
    db: &Db,
    official: AccountId,
    id: i64,
    e: Event,
    at: DateTime<Utc>,
) -> Result<Petition, StoreError> {
    let (cal, _) = petitions::work_calendar(db).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let p = petitions::act(&mut tx, id, e, Some(official), &cal, at).await?;
    tx.commit().await.unwrap();
    Ok(p)
}
