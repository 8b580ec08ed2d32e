//! The demo county (예시군): a fictional office with a dozen departments, an account for every
//! role, and (through the capabilities' own seeders) realistic work in every state.

use chrono::{DateTime, Utc};
use domain::office::accounts::Role;
use store::{Db, StoreError, kit::secrets, office::accounts, office::departments};

/// Every demo account uses this password; the demo is for trying Minwon, never for real data.
pub const DEMO_PASSWORD: &str = "minwon-demo-2026";

/// (code, Korean name, English name, parent code)
pub const DEPARTMENTS: [(&str, &str, &str, Option<&str>); 12] = [
    ("county", "예시군청", "Yesi County Office", None),
    (
        "civil",
        "민원봉사과",
        "Civil Affairs Division",
        Some("county"),
    ),
    ("civil-desk", "민원팀", "Petition Desk Team", Some("civil")),
    (
        "admin",
        "행정지원과",
        "Administrative Support",
        Some("county"),
    ),
    ("finance", "재무과", "Finance", Some("county")),
    ("welfare", "주민복지과", "Resident Welfare", Some("county")),
    (
        "build",
        "건설교통과",
        "Construction and Transport",
        Some("county"),
    ),
    (
        "env",
        "환경위생과",
        "Environment and Sanitation",
        Some("county"),
    ),
    ("econ", "경제일자리과", "Economy and Jobs", Some("county")),
    (
        "agri",
        "농업기술센터",
        "Agricultural Technology Center",
        Some("county"),
    ),
    ("health", "보건소", "Public Health Center", Some("county")),
    (
        "culture",
        "문화관광과",
        "Culture and Tourism",
        Some("county"),
    ),
];

/// (username, display name, role, department code)
pub const ACCOUNTS: [(&str, &str, Role, Option<&str>); 12] = [
    ("admin", "관리자", Role::Administrator, Some("county")),
    ("sup.civil", "한과장", Role::Supervisor, Some("civil")),
    (
        "official.desk",
        "김민원",
        Role::Official,
        Some("civil-desk"),
    ),
    ("official.build", "이도로", Role::Official, Some("build")),
    ("official.env", "박환경", Role::Official, Some("env")),
    (
        "official.welfare",
        "최복지",
        Role::Official,
        Some("welfare"),
    ),
    ("training", "정교육", Role::TrainingOfficer, Some("admin")),
    ("counsellor", "윤상담", Role::Counsellor, Some("health")),
    ("committee", "강위원", Role::CommitteeMember, Some("admin")),
    ("protect", "조보호", Role::ProtectionOfficer, Some("civil")),
    ("resident", "홍길동", Role::Resident, None),
    ("privacy", "서보안", Role::PrivacyOfficer, Some("admin")),
];

/// The demo's head of the civil-affairs office (민원실장): late petitions of every department.
pub const OFFICE_HEAD: &str = "sup.civil";

/// Seed the demo county unless the database already has accounts. Returns whether it seeded.
pub async fn seed(db: &Db) -> Result<bool, StoreError> {
    if !accounts::list(db, None).await?.is_empty() {
        return Ok(false);
    }
    let now = store::now();
    let hash = secrets::hash_password(DEMO_PASSWORD)?;
    let mut tx = db.begin().await?;
    for (i, (code, name, name_en, parent_code)) in DEPARTMENTS.into_iter().enumerate() {
        let d = departments::create(
            &mut tx,
            &departments::NewDepartment {
                code,
                name,
                name_en,
                parent_code,
            },
            now,
        )
        .await?;
        // Each department's public line (대표 전화), given out when names are hidden.
        departments::set_public_phone(&mut tx, d.id, &format!("031-580-{:04}", 2100 + i)).await?;
    }
    tx.commit().await?;
    // The footer's postal address (a fictional county; the phone is the county's public line).
    store::office::settings::set(
        db,
        "office.address",
        "경기도 예시군 예시읍 군청로 1 (우 12345)",
        now,
    )
    .await?;
    let mut tx = db.begin().await?;
    for (i, (username, display_name, role, dept)) in ACCOUNTS.into_iter().enumerate() {
        let department_id = match dept {
            Some(code) => departments::get_by_code(db, code).await?.map(|d| d.id),
            None => None,
        };
        accounts::create(
            &mut tx,
            &accounts::NewAccount {
                username,
                display_name,
                email: &format!("{}@yesi.example.kr", username.replace('.', "-")),
                phone: &format!("010-5550-{:04}", 1000 + i),
                role,
                department_id,
                password_hash: &hash,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let head = accounts::find_by_username(db, OFFICE_HEAD).await?;
    let mut tx = db.begin().await?;
    accounts::set_office_head(&mut tx, head.id, true).await?;
    tx.commit().await?;
    access_history(db, now).await?;
    Ok(true)
}

/// Last month's access log as the privacy officer reviews it (issue 14): officials reading
/// their petitions on working days, one official reading far more than anyone else (the
/// review highlights them) and a few refused attempts. Appended after today's entries, so the
/// chain stays whole; the review reads entries by their time.
async fn access_history(db: &Db, now: DateTime<Utc>) -> Result<(), StoreError> {
    use chrono::{Datelike, Duration, TimeZone, Weekday};
    let today = calendar::to_seoul(now).date_naive();
    let Some(first_this_month) = today.with_day(1) else {
        return Ok(());
    };
    let last_month_end = first_this_month - Duration::days(1);
    let Some(first) = last_month_end.with_day(1) else {
        return Ok(());
    };
    let days: Vec<_> = first
        .iter_days()
        .take_while(|d| *d <= last_month_end)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect();
    // (username, reads over the month, refused attempts)
    let readers: [(&str, usize, usize); 6] = [
        ("official.desk", 46, 0),
        ("official.build", 38, 0),
        ("official.env", 140, 2),
        ("official.welfare", 41, 1),
        ("sup.civil", 29, 0),
        ("protect", 22, 0),
    ];
    let mut tx = db.begin().await?;
    for (k, (username, reads, refused)) in readers.into_iter().enumerate() {
        let account = accounts::find_by_username(db, username).await?;
        for i in 0..reads + refused {
            let day = days[(i * 7 + k * 3) % days.len()];
            let minute = ((i * 37 + k * 11) % 480) as i64;
            let local = day
                .and_hms_opt(9, 0, 0)
                .map(|t| t + Duration::minutes(minute));
            let Some(at) = local.and_then(|t| calendar::SEOUL.from_local_datetime(&t).single())
            else {
                continue;
            };
            let receipt = format!("{}-{:07}", first.year(), 1 + (i * 13 + k * 29) % 300);
            let (action, reason) = if i < reads {
                ("petition.read", "")
            } else {
                ("denied.petitions.read", "")
            };
            store::office::audit::append(
                &mut tx,
                &domain::office::audit::AuditRecord {
                    at: at.with_timezone(&Utc),
                    account_id: Some(account.id),
                    address: format!("10.20.{}.{}", 1 + k, 10 + i % 40),
                    subject: format!("petitioner:{receipt}"),
                    action: action.into(),
                    reason: reason.into(),
                },
            )
            .await?;
        }
    }
    tx.commit().await
}

/// The sign-in table printed by `serve --demo`.
pub fn logins() -> String {
    let mut out = String::from("데모 계정 (demo logins), 비밀번호 (password): ");
    out.push_str(DEMO_PASSWORD);
    out.push('\n');
    for (username, name, role, _) in ACCOUNTS {
        out.push_str(&format!(
            "  {username:<18} {name} — {} ({})\n",
            role.korean(),
            role.as_str()
        ));
    }
    out
}
