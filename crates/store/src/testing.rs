//! Test databases: a fresh SQLite file, and a fresh PostgreSQL database when
//! `MINWON_TEST_POSTGRES_URL` names a server. The same stories run on each: [`backend_tests!`]
//! makes one story two tests, `…::sqlite` and `…::postgres`.
//!
//! Behind the `testing` feature (tests and benchmarks enable it; the binary never has it).

use crate::{Db, Result, StoreError, execute};

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
            crate::kit::secrets::new_token()?.get(..12).unwrap_or("x")
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).map_err(|e| StoreError::internal("test directory", e))?;
        Ok(TempDir(path))
    }
}

/// The backends to run something on: always SQLite, and PostgreSQL when configured (for the
/// benchmarks; tests use [`backend_tests!`], which names the backend in each test).
pub fn backends() -> Vec<&'static str> {
    let mut v = vec!["sqlite"];
    if postgres_url_set() {
        v.push("postgres");
    }
    v
}

fn postgres_url_set() -> bool {
    std::env::var("MINWON_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty())
}

/// Whether the PostgreSQL twin `test` of a story runs: yes when `MINWON_TEST_POSTGRES_URL` names
/// a server. Without one it is skipped and says so on stderr, so it cannot pass unnoticed as if it
/// ran; with `MINWON_REQUIRE_POSTGRES=1` (CI, `scripts/test.sh` after starting a cluster) a missing
/// URL is an error instead and the twin fails.
pub fn postgres_twin_runs(test: &str) -> std::result::Result<bool, String> {
    if postgres_url_set() {
        Ok(true)
    } else if std::env::var("MINWON_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        Err(format!(
            "{test}: MINWON_REQUIRE_POSTGRES=1 but MINWON_TEST_POSTGRES_URL is not set"
        ))
    } else {
        eprintln!("{test}: skipped, MINWON_TEST_POSTGRES_URL is not set");
        Ok(false)
    }
}

/// Each storage story (one or more per call), two tests: `NAME::sqlite` and `NAME::postgres`,
/// so a failure names its backend and each runs (and fails) on its own. The story is an async fn whose one argument is
/// the backend's name for [`TestDb::new`]; its doc comment documents the generated module, and
/// its `#[tokio::test]` attribute (with any arguments) goes on both tests. Inside, the story sees
/// the items of the module around it. The PostgreSQL twin needs a server, see
/// [`postgres_twin_runs`].
///
/// ```ignore
/// store::backend_tests! {
///     /// A department is found by its code.
///     #[tokio::test]
///     async fn departments_by_code(backend) {
///         let t = store::testing::TestDb::new(backend).await.unwrap();
///         // ...
///     }
/// }
/// ```
#[macro_export]
macro_rules! backend_tests {
    ($(
        $(#[doc = $doc:expr])*
        #[tokio::test $(($($test:tt)*))?]
        async fn $name:ident($backend:ident) $body:block
    )+) => {$(
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn story($backend: &'static str) $body

            #[tokio::test $(($($test)*))?]
            async fn sqlite() {
                story("sqlite").await;
            }

            #[tokio::test $(($($test)*))?]
            async fn postgres() {
                match $crate::testing::postgres_twin_runs(module_path!()) {
                    Ok(true) => story("postgres").await,
                    Ok(false) => {}
                    Err(e) => panic!("{e}"),
                }
            }
        }
    )+};
}

impl TestDb {
    pub async fn new(backend: &str) -> Result<TestDb> {
        if backend == "postgres" {
            let admin_url = std::env::var("MINWON_TEST_POSTGRES_URL")
                .map_err(|_| StoreError::BadUrl("MINWON_TEST_POSTGRES_URL".into()))?;
            let admin = Db::connect(&admin_url).await?;
            let name = format!("minwon_test_{}", &crate::kit::secrets::new_token()?[..16]);
            let create = format!("CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0");
            execute!(&admin, sqlx::AssertSqlSafe(create))?;
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

/// Departments and answered petitions whose handling department follows their topic: roads go
/// to `roads` (도로과), certificates to `papers` (민원과). For routing tests (the office model is
/// trained from such history).
pub struct TopicHistory {
    pub roads: crate::office::departments::Department,
    pub papers: crate::office::departments::Department,
    pub type_id: i64,
}

/// Road and certificate petition texts (title, body) with a `{place}` to vary.
pub const ROAD_TEXTS: [(&str, &str); 4] = [
    (
        "도로 포트홀 신고",
        "{place} 도로에 큰 포트홀이 생겨 차량이 위험합니다",
    ),
    (
        "보도블록 파손",
        "{place} 인도 보도블록이 파손되어 보수를 바랍니다",
    ),
    (
        "가로등 고장",
        "{place} 가로등이 고장나 밤길이 어둡습니다. 도로 정비 부탁드립니다",
    ),
    ("도로 균열", "{place} 도로 포장에 균열이 생겼습니다"),
];
pub const PAPER_TEXTS: [(&str, &str); 4] = [
    (
        "등본 발급 문의",
        "{place}에 사는데 주민등록등본 발급 절차가 궁금합니다",
    ),
    (
        "인감증명 대리 발급",
        "{place} 거주자의 인감증명서 대리 발급이 가능한지 문의합니다",
    ),
    (
        "증명서 온라인 발급 오류",
        "가족관계증명서 온라인 발급이 {place}에서 계속 오류가 납니다",
    ),
    (
        "전입신고 기간",
        "{place}로 이사했는데 전입신고 처리 기간과 서류를 알려 주세요",
    ),
];
const PLACES: [&str; 5] = ["석봉로", "가평읍", "청평면", "설악면", "조종면"];

/// Files `per_topic` road and `per_topic` certificate petitions at the counter, each handled
/// and answered by its topic's department.
pub async fn topic_history(db: &Db, per_topic: usize) -> Result<TopicHistory> {
    use crate::{office::departments, petitions};
    let now = crate::now();
    let mut tx = db.begin().await?;
    let mut made = Vec::new();
    for (code, name) in [("roads", "도로과"), ("papers", "민원과")] {
        made.push(
            departments::create(
                &mut tx,
                &departments::NewDepartment {
                    code,
                    name,
                    name_en: "",
                    parent_code: None,
                },
                now,
            )
            .await?,
        );
    }
    petitions::ensure_general_types(&mut tx, made.first().map(|d| d.id), now).await?;
    tx.commit().await?;
    let (Some(roads), Some(papers)) = (made.first().cloned(), made.get(1).cloned()) else {
        return Err(StoreError::NotFound);
    };
    let type_id = petitions::get_type_by_code(db, "question-system").await?.id;
    let key = petitions::PiiKey::generate()?;
    let (cal, _) = petitions::work_calendar(db).await?;
    for i in 0..per_topic {
        for (texts, dept) in [(&ROAD_TEXTS, &roads), (&PAPER_TEXTS, &papers)] {
            let (title, body) = texts[i % texts.len()];
            let place = PLACES[(i / texts.len()) % PLACES.len()];
            let new = petitions::NewPetition {
                intake: crate::testing::intake_for(domain::petitions::Channel::Counter),
                type_id,
                channel: domain::petitions::Channel::Counter,
                anonymous: false,
                petitioner_account_id: None,
                petitioner: petitions::Petitioner {
                    name: format!("주민{i}"),
                    phone: format!("010-5555-{:04}", i % 10_000),
                    ..Default::default()
                },
                title: title.into(),
                body: format!("{} ({})", body.replace("{place}", place), i + 1),
                location: String::new(),
                extra: Default::default(),
                idempotency_key: None,
                department_id: Some(dept.id),
            };
            let screening = petitions::screen(&new.title, &new.body);
            let checked = petitions::check(db, new, &key, screening).await?;
            let new = checked.petition();
            let mut tx = db.begin().await?;
            let f = petitions::file(&mut tx, &checked, None, &cal, now).await?;
            petitions::act(
                &mut tx,
                f.petition.id,
                domain::petitions::Event::Answered {
                    text: format!("{} 건은 담당 부서에서 처리하였습니다.", new.title),
                    template: None,
                    additional: false,
                },
                None,
                &cal,
                now,
            )
            .await?;
            tx.commit().await?;
        }
    }
    Ok(TopicHistory {
        roads,
        papers,
        type_id,
    })
}

/// The simplest intake record a staff channel accepts (types without required documents): an
/// ID card in person, a call-back on the phone, the signature by mail; nothing online.
pub fn intake_for(channel: domain::petitions::Channel) -> domain::petitions::intake::IntakeRecord {
    use domain::petitions::Channel;
    use domain::petitions::intake::IdentityCheck;
    let identity_check = match channel {
        Channel::Counter | Channel::Visit => Some(IdentityCheck::IdCard),
        Channel::Phone => Some(IdentityCheck::PhoneCallback),
        Channel::Mail => Some(IdentityCheck::Signature),
        Channel::Web | Channel::Api | Channel::Open311 => None,
    };
    domain::petitions::intake::IntakeRecord {
        identity_check,
        documents_checked: Vec::new(),
    }
}
