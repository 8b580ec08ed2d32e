//! The demo county's learning history (issue 17, items 4–7): a customer-response course three
//! weeks ago (closed: completions, certificates, four feedback answers), an active-administration
//! lecture broadcast to the departments ten days ago (closed, with headcounts), onboarding practice
//! three days ago that is over but not yet closed, an integrity lecture running today (its room
//! screen and check-in work now), and outside hours approved, waiting and rejected. Seeded once,
//! after the county; every page of the learning record has believable data.

use super::attendance::{add_walk_in, mark, record_audience};
use super::completion::close;
use super::feedback::answer;
use super::record::{ExternalInput, decide_external, submit_external};
use crate::kit::blobs::{BlobLimits, BlobStore};
use crate::{Db, Result, Tx, execute, fetch_all, fetch_one};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use domain::AccountId;
use domain::programs::feedback::Reply;
use domain::programs::{AttendanceStatus, LearningCategory};

struct Demo<'a> {
    kind: &'a str,
    title: &'a str,
    title_en: &'a str,
    category: &'a str,
    designated: bool,
    minutes: i64,
    delivery: &'a str,
    venue: &'a str,
}

/// A program with one session on one day (`starts` to `ends`), with `people` enrolled.
/// Answers the session and the day.
async fn program(
    tx: &mut Tx,
    d: &Demo<'_>,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    people: &[AccountId],
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<(i64, i64)> {
    let created = starts - Duration::days(30);
    let (program,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO programs (kind, title, title_en, recognised_minutes, category, designated, \
         min_attended_percent, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 80, $7, $8, $8) RETURNING id",
        d.kind,
        d.title,
        d.title_en,
        d.minutes,
        d.category,
        d.designated,
        by,
        created
    )?;
    let mut secret = [0u8; 24];
    getrandom::fill(&mut secret).map_err(|e| crate::StoreError::internal("demo secret", e))?;
    let (session,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO program_sessions (program_id, label, delivery, venue, capacity, checkin_secret, \
         arrivals, created_by, created_at, updated_at) \
         VALUES ($1, '1기', $2, $3, 40, $4, $5, $6, $7, $7) RETURNING id",
        program,
        d.delivery,
        d.venue,
        hex::encode(secret),
        people.len() as i64,
        by,
        created
    )?;
    let (day,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO program_session_days (session_id, day, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id",
        session,
        calendar::to_seoul(starts).date_naive(),
        starts,
        ends
    )?;
    for (i, who) in people.iter().enumerate() {
        execute!(
            &mut *tx,
            "INSERT INTO program_enrolments (session_id, account_id, state, origin, arrival, requested_at, updated_at) \
             VALUES ($1, $2, 'enrolled', 'self', $3, $4, $4)",
            session,
            *who,
            i as i64 + 1,
            created.min(now)
        )?;
    }
    Ok((session, day))
}

async fn enrolments(tx: &mut Tx, session: i64) -> Result<Vec<(i64, AccountId)>> {
    Ok(fetch_all!(
        &mut *tx,
        _,
        "SELECT id, account_id FROM program_enrolments WHERE session_id = $1 ORDER BY arrival",
        session
    )?)
}

/// A day at `h:m` in Seoul, `days_ago` days before `now`.
fn at(now: DateTime<Utc>, days_ago: i64, h: u32, m: u32) -> DateTime<Utc> {
    let day = calendar::to_seoul(now).date_naive() - Duration::days(days_ago);
    let local = day.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN));
    local
        .and_local_timezone(calendar::SEOUL)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now)
}

/// Seed the learning history unless there is some. Returns how many sessions were made.
pub async fn seed(db: &Db, blobs: &dyn BlobStore, now: DateTime<Utc>) -> Result<usize> {
    let (existing,): (i64,) = fetch_one!(db, _, "SELECT COUNT(*) FROM program_attendance")?;
    if existing > 0 {
        return Ok(0);
    }
    // The demo's officials, the counter official (official.desk) first: the browser journeys
    // check in and answer feedback as them.
    let people: Vec<(AccountId,)> = fetch_all!(
        db,
        _,
        "SELECT id FROM accounts WHERE active = $1 AND role IN ('official', 'supervisor', 'protection_officer') \
         ORDER BY CASE WHEN username = 'official.desk' THEN 0 ELSE 1 END, id LIMIT 12",
        true
    )?;
    let people: Vec<AccountId> = people.into_iter().map(|(id,)| id).collect();
    let officer: Option<(AccountId,)> = fetch_all!(
        db,
        _,
        "SELECT id FROM accounts WHERE role = 'training_officer' AND active = $1 ORDER BY id LIMIT 1",
        true
    )?
    .into_iter()
    .next();
    let (Some((officer,)), true) = (officer, people.len() >= 6) else {
        return Ok(0);
    };
    // The common office rule, unless the office has set its own: 100 hours, 20 of them designated.
    if crate::office::settings::get(db, super::LEARNING_REQUIREMENT)
        .await?
        .is_none()
    {
        let rule = domain::programs::LearningRequirement {
            required_minutes: 100 * 60,
            designated_minutes: 20 * 60,
            ..domain::programs::LearningRequirement::default()
        };
        super::set_requirement(db, &rule, now).await?;
    }
    execute!(
        db,
        "UPDATE accounts SET grade = 7 WHERE grade IS NULL AND role IN ('official', 'protection_officer')"
    )?;
    execute!(
        db,
        "UPDATE accounts SET grade = 5 WHERE grade IS NULL AND role = 'supervisor'"
    )?;
    let mut tx = db.begin().await?;

    // 1. Three weeks ago: customer response, closed, with feedback.
    let course = Demo {
        kind: "training",
        title: "민원 응대 역량 강화 교육",
        title_en: "Customer response skills",
        category: "workplace",
        designated: true,
        minutes: 480,
        delivery: "in_person",
        venue: "군청 대회의실",
    };
    let n = people.len().min(8);
    let (s1, d1) = program(
        &mut tx,
        &course,
        at(now, 21, 9, 0),
        at(now, 21, 17, 0),
        &people[..n],
        officer,
        now,
    )
    .await?;
    let e1 = enrolments(&mut tx, s1).await?;
    let during = at(now, 21, 10, 0);
    for (i, (e, _)) in e1.iter().enumerate() {
        // The last two: one left early, one did not come.
        let (status, minutes) = if i + 2 == e1.len() {
            (AttendanceStatus::Partial, Some(200))
        } else if i + 1 == e1.len() {
            (AttendanceStatus::Absent, None)
        } else {
            (AttendanceStatus::Present, None)
        };
        mark(&mut tx, d1, *e, status, minutes, officer, during).await?;
    }
    add_walk_in(&mut tx, d1, "오현장", None, officer, during).await?;
    close(&mut tx, s1, officer, at(now, 21, 18, 0)).await?;
    let texts = [
        "실제 민원 사례로 연습해서 좋았습니다.",
        "역할극 시간이 조금 더 길었으면 합니다.",
        "",
        "악성 민원 대응 절차를 다시 정리할 수 있었습니다.",
    ];
    // Four answers (official.desk has not answered yet: one more shows the results).
    for (i, (_, who)) in e1.iter().enumerate().skip(1).take(4) {
        let replies = vec![
            Reply::Scale(5 - (i as i64 % 2)),
            Reply::Scale(4),
            Reply::Scale(4 + (i as i64 % 2)),
            Reply::Text(texts[(i - 1) % texts.len()].to_string()),
        ];
        answer(&mut tx, s1, *who, &replies, at(now, 20, 9, 0)).await?;
    }

    // 2. Ten days ago: the active-administration lecture, broadcast to the departments.
    let lecture = Demo {
        kind: "training",
        title: "적극행정 우수사례 특강",
        title_en: "Active administration: good practice",
        category: "seminar",
        designated: false,
        minutes: 120,
        delivery: "hybrid",
        venue: "소회의실 (부서 TV 생중계)",
    };
    let (s2, d2) = program(
        &mut tx,
        &lecture,
        at(now, 10, 14, 0),
        at(now, 10, 16, 0),
        &people[..4],
        officer,
        now,
    )
    .await?;
    let during = at(now, 10, 14, 30);
    for (e, _) in enrolments(&mut tx, s2).await? {
        mark(
            &mut tx,
            d2,
            e,
            AttendanceStatus::Present,
            None,
            officer,
            during,
        )
        .await?;
    }
    let departments: Vec<(i64,)> =
        fetch_all!(&mut tx, _, "SELECT id FROM departments ORDER BY id LIMIT 3")?;
    for (i, (dept,)) in departments.iter().enumerate() {
        let names = if i == 0 {
            "김도윤\n이서연\n박하은"
        } else {
            ""
        };
        record_audience(
            &mut tx,
            d2,
            *dept,
            12 - 3 * i as i64,
            names,
            officer,
            during,
        )
        .await?;
    }
    close(&mut tx, s2, officer, at(now, 10, 17, 0)).await?;

    // 3. Three days ago: onboarding practice, over but not closed yet.
    let onboarding = Demo {
        kind: "onboarding",
        title: "신규 공무원 AI 민원 실습",
        title_en: "New officials: AI-assisted petition practice",
        category: "course",
        designated: true,
        minutes: 360,
        delivery: "in_person",
        venue: "정보화교육장",
    };
    let (s3, d3) = program(
        &mut tx,
        &onboarding,
        at(now, 3, 10, 0),
        at(now, 3, 16, 0),
        &people[..5],
        officer,
        now,
    )
    .await?;
    let during = at(now, 3, 10, 5);
    for (i, (e, _)) in enrolments(&mut tx, s3).await?.iter().enumerate() {
        let status = if i == 4 {
            AttendanceStatus::Absent
        } else {
            AttendanceStatus::Present
        };
        mark(&mut tx, d3, *e, status, None, officer, during).await?;
    }

    // 4. Today: the integrity lecture, running now (its room screen shows the live code).
    let integrity = Demo {
        kind: "training",
        title: "청렴 교육",
        title_en: "Integrity training",
        category: "workplace",
        designated: true,
        minutes: 120,
        delivery: "hybrid",
        venue: "대회의실 (부서 TV 생중계)",
    };
    program(
        &mut tx,
        &integrity,
        now - Duration::minutes(20),
        now + Duration::hours(3),
        &people[..6],
        officer,
        now,
    )
    .await?;

    // Outside hours: approved, waiting, rejected.
    let entries = [
        (
            0,
            "행정안전부 적극행정 세미나",
            LearningCategory::Seminar,
            false,
            180,
            30,
            Some(true),
        ),
        (
            1,
            "민원행정 실무 도서 읽기",
            LearningCategory::SelfStudy,
            false,
            240,
            6,
            None,
        ),
        (
            2,
            "외부 리더십 강연",
            LearningCategory::Seminar,
            false,
            120,
            12,
            Some(false),
        ),
    ];
    for (who, title, category, designated, minutes, days_ago, decision) in entries {
        let Some(account) = people.get(who) else {
            continue;
        };
        let input = ExternalInput {
            title: title.to_string(),
            category,
            designated,
            minutes,
            happened_on: calendar::to_seoul(now).date_naive() - Duration::days(days_ago),
        };
        let hash = demo_evidence(blobs, *account, happened_label(&input)).await?;
        let entry = submit_external(
            &mut tx,
            *account,
            &input,
            &hash,
            "수료확인서.pdf",
            now - Duration::days(days_ago - 1),
        )
        .await?;
        if let Some(approve) = decision {
            let note = if approve {
                ""
            } else {
                "직무 관련성을 확인할 수 없습니다."
            };
            decide_external(
                &mut tx,
                entry.id,
                approve,
                note,
                officer,
                now - Duration::days(days_ago - 2),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(4)
}

fn happened_label(input: &ExternalInput) -> String {
    input.happened_on.format("%Y-%m-%d").to_string()
}

/// A small but real PDF standing for a certificate of attendance, kept in the blob store like an
/// upload, so the demo's evidence opens. Its text is ASCII (a bare PDF carries no Korean font).
async fn demo_evidence(blobs: &dyn BlobStore, account: AccountId, date: String) -> Result<String> {
    let body = format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
         2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
         3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >> endobj\n\
         4 0 obj << >> stream\nBT /F1 18 Tf 72 760 Td (Certificate of attendance) Tj \
         0 -28 Td (Yesi County demo, official {account}, {date}) Tj ET\nendstream endobj\n\
         5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n\
         trailer << /Root 1 0 R >>\n%%EOF\n"
    );
    let stored = blobs
        .put(
            Box::pin(std::io::Cursor::new(body.into_bytes())),
            &BlobLimits::default(),
        )
        .await?;
    Ok(stored.sha256)
}
