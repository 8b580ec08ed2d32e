//! The demo county's programs (issue 17): the reports' three-day healing program for 80
//! counter officials (full, with requests awaiting approval and a waitlist), all-staff
//! active-administration training (hybrid: a small room and a broadcast), two days of
//! onboarding for 19 new officials, and an executive workshop. Seeded once, after the county.

use super::{
    EnrolRequest, create_program, create_session, enrol_in, person, requirement, set_official_facts,
};
use crate::office::accounts::{self, NewAccount};
use crate::{Db, Result, fetch_one};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use domain::office::accounts::Role;
use domain::programs::{
    Audience, DayDraft, Delivery, LearningCategory, ModuleDraft, ProgramDraft, ProgramKind,
    SessionDraft,
};

const SURNAMES: [&str; 10] = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"];
const GIVEN: [&str; 12] = [
    "민준", "서연", "도윤", "하은", "시우", "지민", "예준", "수아", "주원", "지유", "건우", "서윤",
];

fn name(i: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[i % SURNAMES.len()],
        GIVEN[(i / SURNAMES.len() + i) % GIVEN.len()]
    )
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

fn module(
    day: i64,
    title: &str,
    title_en: &str,
    s: NaiveTime,
    e: NaiveTime,
    leader: &str,
) -> ModuleDraft {
    ModuleDraft {
        day_number: day,
        title: title.into(),
        title_en: title_en.into(),
        starts: s,
        ends: e,
        leader: leader.into(),
    }
}

/// `n` consecutive weekdays from `first` (Seoul dates), each from `s` to `e`.
fn days(first: chrono::NaiveDate, n: usize, s: NaiveTime, e: NaiveTime) -> Vec<DayDraft> {
    use chrono::Datelike;
    let mut out = Vec::new();
    let mut d = first;
    while out.len() < n {
        if d.weekday().number_from_monday() <= 5 {
            out.push(DayDraft {
                day: d,
                starts: s,
                ends: e,
            });
        }
        d += Duration::days(1);
    }
    out
}

/// The Monday at least `weeks` weeks after `now` (Seoul).
fn monday_in(now: DateTime<Utc>, weeks: i64) -> chrono::NaiveDate {
    use chrono::Datelike;
    let d = calendar::to_seoul(now).date_naive() + Duration::weeks(weeks);
    d + Duration::days((7 - i64::from(d.weekday().num_days_from_monday())) % 7)
}

/// Seed the programs unless there are some. Returns how many programs were made.
pub async fn seed(db: &Db, now: DateTime<Utc>, password_hash: &str) -> Result<usize> {
    let (existing,): (i64,) = fetch_one!(db, _, "SELECT COUNT(*) FROM programs")?;
    if existing > 0 {
        return Ok(0);
    }
    let Ok(officer) = accounts::find_by_username(db, "training").await else {
        return Ok(0);
    };
    let desk = crate::office::departments::get_by_code(db, "civil-desk").await?;
    let civil = crate::office::departments::get_by_code(db, "civil").await?;
    let (Some(desk), Some(civil)) = (desk, civil) else {
        return Ok(0);
    };

    // Counter officials (grades 7-9) and this year's 19 new officials (grade 9).
    let mut tx = db.begin().await?;
    let mut counter = Vec::new();
    for i in 0..86 {
        let username = format!("counter{:02}", i + 1);
        let dept = if i % 3 == 0 { civil.id } else { desk.id };
        let a = accounts::create(
            &mut tx,
            &NewAccount {
                username: &username,
                display_name: &name(i),
                email: &format!("{username}@yesi.example.kr"),
                phone: "",
                role: Role::Official,
                department_id: Some(dept),
                password_hash,
            },
            now,
        )
        .await?;
        set_official_facts(&mut tx, a.id, Some(7 + (i as i64 % 3)), None).await?;
        counter.push(a.id);
    }
    let appointed = calendar::to_seoul(now).date_naive() - Duration::days(40);
    let mut newcomers = Vec::new();
    for i in 0..19 {
        let username = format!("new{:02}", i + 1);
        let a = accounts::create(
            &mut tx,
            &NewAccount {
                username: &username,
                display_name: &name(i + 41),
                email: &format!("{username}@yesi.example.kr"),
                phone: "",
                role: Role::Official,
                department_id: Some(if i % 2 == 0 { desk.id } else { civil.id }),
                password_hash,
            },
            now,
        )
        .await?;
        set_official_facts(&mut tx, a.id, Some(9), Some(appointed)).await?;
        newcomers.push(a.id);
    }
    for username in [
        "official.desk",
        "official.build",
        "official.env",
        "official.welfare",
    ] {
        if let Ok(a) = accounts::find_by_username(db, username).await {
            set_official_facts(
                &mut tx,
                a.id,
                Some(8),
                Some(appointed - Duration::days(900)),
            )
            .await?;
        }
    }
    tx.commit().await?;

    let healing = ProgramDraft {
        kind: ProgramKind::Healing,
        title: "민원공무원 힐링 프로그램".into(),
        title_en: "Healing program for counter officials".into(),
        description: "악성 민원 응대로 지친 민원 담당 공무원을 위한 2박 3일 치유 프로그램: 숲길 걷기, 핸드드립 커피, 고객 응대와 대화법.".into(),
        description_en: "Three days of rest for counter officials worn by hostile contact: forest walks, hand-drip coffee, customer response and conversation methods.".into(),
        recognised_minutes: 21 * 60,
        category: LearningCategory::Workplace,
        designated: false,
        approval_required: true,
        notify_supervisor: false,
        min_attended_percent: 80,
        feedback_required: true,
        capacity_default: 80,
        audience: Audience { roles: vec![Role::Official], ..Audience::default() },
        modules: vec![
            module(1, "숲길 걷기와 호흡", "Forest walk and breathing", hm(10, 0), hm(12, 0), "산림치유지도사"),
            module(1, "핸드드립 커피 체험", "Hand-drip coffee", hm(14, 0), hm(16, 0), "바리스타 강사"),
            module(2, "고객 응대 기법", "Customer response methods", hm(9, 30), hm(12, 0), "민원 응대 전문강사"),
            module(2, "대화법 실습", "Conversation practice", hm(13, 30), hm(17, 0), "민원 응대 전문강사"),
            module(3, "나의 회복 계획 만들기", "My recovery plan", hm(9, 30), hm(12, 0), "상담사"),
        ],
    };
    let active = ProgramDraft {
        kind: ProgramKind::Training,
        title: "적극행정 전 직원 교육".into(),
        title_en: "Active administration for all staff".into(),
        description: "소회의실 대면 교육을 각 부서 TV로 생중계합니다.".into(),
        description_en: "Given in a small room and broadcast live to every department's TV.".into(),
        recognised_minutes: 120,
        category: LearningCategory::Workplace,
        designated: true,
        approval_required: false,
        notify_supervisor: true,
        min_attended_percent: 100,
        feedback_required: false,
        capacity_default: 30,
        audience: Audience::default(),
        modules: vec![module(
            1,
            "적극행정 사례와 면책 제도",
            "Cases and the exemption scheme",
            hm(14, 0),
            hm(16, 0),
            "인사혁신처 강사",
        )],
    };
    let onboarding = ProgramDraft {
        kind: ProgramKind::Onboarding,
        title: "신규 공무원 교육: AI와 함께하는 민원 실무".into(),
        title_en: "Onboarding: petition work with AI assistance".into(),
        description: "신규 임용자 19명의 이틀 과정. 합성 민원으로 분류·배정·답변 초안을 실습합니다.".into(),
        description_en: "Two days for the 19 new officials, practising triage, routing and drafting on synthetic petitions.".into(),
        recognised_minutes: 14 * 60,
        category: LearningCategory::Course,
        designated: true,
        approval_required: false,
        notify_supervisor: true,
        min_attended_percent: 100,
        feedback_required: true,
        capacity_default: 20,
        audience: Audience { appointed_from: Some(appointed - Duration::days(60)), ..Audience::default() },
        modules: vec![
            module(1, "민원 처리 제도와 절차", "Petition law and procedure", hm(9, 0), hm(12, 0), "민원봉사과장"),
            module(1, "AI 보조 민원 분류 실습", "AI-assisted triage practice", hm(13, 0), hm(18, 0), "정보화 담당"),
            module(2, "답변 초안 작성 실습", "Drafting answers", hm(9, 0), hm(17, 0), "민원팀"),
        ],
    };
    let workshop = ProgramDraft {
        kind: ProgramKind::Workshop,
        title: "간부 워크숍: 민원 서비스 개선".into(),
        title_en: "Executive workshop: better petition service".into(),
        description: "과장급 이상이 민원 지표와 보호 조치를 함께 검토합니다.".into(),
        description_en:
            "Division heads review the petition indicators and protection measures together.".into(),
        recognised_minutes: 6 * 60,
        category: LearningCategory::Seminar,
        designated: false,
        approval_required: false,
        notify_supervisor: false,
        min_attended_percent: 100,
        feedback_required: false,
        capacity_default: 15,
        audience: Audience {
            roles: vec![Role::Supervisor],
            ..Audience::default()
        },
        modules: vec![],
    };
    let place = |delivery, venue: &str, link: &str, capacity, days| SessionDraft {
        label: "1기".into(),
        delivery,
        venue: venue.into(),
        capacity,
        online_link: link.into(),
        materials: String::new(),
        materials_link: String::new(),
        days,
    };
    let mut tx = db.begin().await?;
    let mut made = Vec::new();
    for (p, s) in [
        (
            &healing,
            place(
                Delivery::InPerson,
                "국립산림치유원 (경북 영주)",
                "",
                80,
                days(monday_in(now, 3), 3, hm(9, 0), hm(18, 0)),
            ),
        ),
        (
            &active,
            place(
                Delivery::Hybrid,
                "본관 2층 소회의실",
                "https://tv.yesi.example.kr/live/active-admin",
                30,
                days(
                    monday_in(now, 1) + Duration::days(2),
                    1,
                    hm(14, 0),
                    hm(16, 0),
                ),
            ),
        ),
        (
            &onboarding,
            place(
                Delivery::InPerson,
                "본관 3층 교육장",
                "",
                20,
                days(monday_in(now, 2), 2, hm(9, 0), hm(18, 0)),
            ),
        ),
        (
            &workshop,
            place(
                Delivery::InPerson,
                "군청 대회의실",
                "",
                15,
                days(
                    monday_in(now, 4) + Duration::days(4),
                    1,
                    hm(10, 0),
                    hm(17, 0),
                ),
            ),
        ),
    ] {
        let id = create_program(&mut tx, p, officer.id, officer.department_id, now).await?;
        let session = create_session(&mut tx, id, &s, officer.id, now).await?;
        made.push(session);
    }
    tx.commit().await?;

    // Enrolments, in the order people asked: 80 of the counter officials were approved (the
    // session is full), three await the supervisor, three approved later wait for a place.
    let rule = requirement(db).await?;
    let sup = accounts::find_by_username(db, "sup.civil").await.ok();
    let enrol = |session, account, nominated_by| EnrolRequest {
        session,
        account,
        nominated_by,
    };
    for (i, &who) in counter.iter().enumerate() {
        let p = person(db, who).await?;
        let short = rule.short_by(p.grade, (i as i64 % 9) * 600);
        let mut tx = db.begin().await?;
        let e = enrol_in(&mut tx, enrol(made[0], who, None), &p, short, now).await?;
        if i < 85
            && i != 40
            && i != 41
            && let Some(sup) = &sup
        {
            super::decide(&mut tx, e.id, true, sup.id, "", now).await?;
        }
        // Everyone asks for the all-staff training; the room takes 30, the rest wait or watch
        // the broadcast in their department.
        if i < 34 {
            enrol_in(&mut tx, enrol(made[1], who, None), &p, short, now).await?;
        }
        tx.commit().await?;
    }
    // The training officer nominates every new official for onboarding.
    for &who in &newcomers {
        let p = person(db, who).await?;
        let mut tx = db.begin().await?;
        enrol_in(
            &mut tx,
            enrol(made[2], who, Some(officer.id)),
            &p,
            rule.short_by(p.grade, 0),
            now,
        )
        .await?;
        tx.commit().await?;
    }
    // Their practice desk, with some cases already worked (item 9).
    super::practice::demo::seed(db, made[2], officer.id, &newcomers, now).await?;
    if let Some(sup) = &sup {
        let p = person(db, sup.id).await?;
        let mut tx = db.begin().await?;
        enrol_in(&mut tx, enrol(made[3], sup.id, None), &p, 0, now).await?;
        tx.commit().await?;
    }
    // The self-check before and after on the healing program (item 8).
    let (healing_program,): (i64,) = fetch_one!(
        db,
        _,
        "SELECT program_id FROM program_sessions WHERE id = $1",
        made[0]
    )?;
    super::healing::demo::seed(db, now, healing_program, made[0], &counter, officer.id).await?;
    Ok(made.len())
}
