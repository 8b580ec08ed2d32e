//! The demo county's home visits (찾아가는 민원): a dozen requests taken by 민원팀 (elderly
//! people living alone, a severely disabled resident needing an ID-card application with
//! fingerprints, passport deliveries), two teams, a round published for the coming Wednesday
//! and last Wednesday's round completed with its outcomes (done, not home, a revisit) and a
//! petition filed on site.

use super::home_visits as sh;
use crate::petitions::PiiKey;
use crate::{Db, Result, fetch_one};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use domain::service_access::home_visits::{
    self as hv, Basis, Caller, IdentityMethod, Kit, Outcome, RequestChannel, RequestDraft,
    RoundState, Service, TeamDraft,
};

struct Person {
    name: &'static str,
    age: u32,
    alone: bool,
    disabled: bool,
    immobile: bool,
    address: &'static str,
    at: (f64, f64),
    services: &'static [Service],
    window: Option<(u32, u32)>,
    why: &'static str,
}

#[allow(clippy::too_many_arguments)]
const fn p(
    name: &'static str,
    age: u32,
    (alone, disabled, immobile): (bool, bool, bool),
    address: &'static str,
    at: (f64, f64),
    services: &'static [Service],
    window: Option<(u32, u32)>,
    why: &'static str,
) -> Person {
    Person {
        name,
        age,
        alone,
        disabled,
        immobile,
        address,
        at,
        services,
        window,
        why,
    }
}

use Service::*;

const PEOPLE: [Person; 12] = [
    p(
        "김순자",
        84,
        (true, false, false),
        "예시읍 중앙로 12-3",
        (36.6512, 127.4951),
        &[CertificateDelivery],
        Some((10, 12)),
        "무릎 수술 후 보행 곤란",
    ),
    p(
        "박영수",
        79,
        (true, false, false),
        "예시읍 동문길 45",
        (36.6388, 127.5102),
        &[PassportDelivery],
        None,
        "홀로 거주, 교통편 없음",
    ),
    p(
        "이정희",
        52,
        (false, true, false),
        "남면 새터길 7",
        (36.6105, 127.4721),
        &[IdCardApplication],
        Some((13, 16)),
        "지체 중증 장애, 휠체어 사용",
    ),
    p(
        "최말순",
        91,
        (true, false, true),
        "북면 산골길 120",
        (36.6893, 127.4630),
        &[WelfareConsultation, CertificateDelivery],
        None,
        "와상 상태",
    ),
    p(
        "정만복",
        76,
        (true, false, false),
        "예시읍 향교로 8",
        (36.6460, 127.4822),
        &[MarriageReport],
        Some((14, 17)),
        "요양병원 퇴원 직후",
    ),
    p(
        "한옥분",
        88,
        (true, false, false),
        "동면 느티나무길 3",
        (36.6601, 127.5388),
        &[CertificateDelivery],
        None,
        "청각 장애로 전화 상담 어려움",
    ),
    p(
        "윤기철",
        67,
        (false, false, true),
        "서면 강변로 56",
        (36.6302, 127.4405),
        &[PassportDelivery],
        Some((9, 12)),
        "뇌졸중 후 거동 불편",
    ),
    p(
        "장복례",
        82,
        (true, false, false),
        "예시읍 시장길 21",
        (36.6433, 127.4977),
        &[WelfareConsultation],
        None,
        "홀로 거주, 기초연금 상담 희망",
    ),
    p(
        "오세훈",
        45,
        (false, true, false),
        "남면 들판길 88",
        (36.5987, 127.4893),
        &[CertificateDelivery, PassportDelivery],
        None,
        "시각 중증 장애",
    ),
    p(
        "서금자",
        86,
        (true, false, false),
        "북면 저수지길 14",
        (36.7012, 127.4811),
        &[CertificateDelivery],
        Some((10, 15)),
        "홀로 거주",
    ),
    p(
        "문재덕",
        73,
        (true, false, false),
        "동면 배나무길 9",
        (36.6711, 127.5203),
        &[IdCardApplication],
        None,
        "주민등록증 분실, 거동 불편",
    ),
    p(
        "배순남",
        90,
        (true, false, true),
        "서면 솔밭길 31",
        (36.6194, 127.4558),
        &[WelfareConsultation],
        Some((13, 17)),
        "고령·와상",
    ),
];

fn at(h: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h, 0, 0)
}

fn draft(x: &Person) -> RequestDraft {
    RequestDraft {
        name: x.name.into(),
        age: Some(x.age),
        phone: format!("010-7{:03}-{:04}", x.age * 7 % 1000, x.age * 37 % 10000),
        address: format!("경기도 예시군 {}", x.address),
        lat: x.at.0,
        lon: x.at.1,
        caller: Some(if x.age > 85 {
            Caller::Family
        } else {
            Caller::SelfCaller
        }),
        channel: Some(RequestChannel::Phone),
        reason: x.why.into(),
        basis: Basis {
            age: None,
            living_alone: x.alone,
            severe_disability: x.disabled,
            immobile: x.immobile,
        },
        consent: true,
        services: x.services.to_vec(),
        preferred_days: "수요일".into(),
        window_start: x.window.and_then(|w| at(w.0)),
        window_end: x.window.and_then(|w| at(w.1)),
        birth_date: None,
    }
}

fn team(name: &str, members: Vec<i64>, skills: Vec<Kit>) -> TeamDraft {
    TeamDraft {
        name: name.into(),
        members,
        starts: at(9),
        ends: at(17),
        break_start: at(12),
        break_minutes: 60,
        max_visits: 6,
        skills,
        start_label: "예시군청".into(),
        start_lat: hv::DEFAULT_POINT.0,
        start_lon: hv::DEFAULT_POINT.1,
    }
}

fn wednesday_after(d: NaiveDate) -> NaiveDate {
    let ahead = (Weekday::Wed.num_days_from_monday() + 7 - d.weekday().num_days_from_monday()) % 7;
    d + Duration::days(i64::from(if ahead == 0 { 7 } else { ahead }))
}

/// Seed once (when no request exists). Answers how many requests it made.
pub async fn seed(db: &Db, now: DateTime<Utc>, key: &PiiKey) -> Result<usize> {
    let (n,): (i64,) = fetch_one!(db, _, "SELECT COUNT(*) FROM home_visit_requests")?;
    if n > 0 {
        return Ok(0);
    }
    let find = |u: &'static str| async move {
        crate::office::accounts::find_by_username(db, u).await.ok()
    };
    let (Some(desk), Some(sup), Some(welfare)) = (
        find("official.desk").await,
        find("sup.civil").await,
        find("official.welfare").await,
    ) else {
        return Ok(0);
    };
    let (Some(intake_dept), Some(plan_dept)) = (desk.department_id, sup.department_id) else {
        return Ok(0);
    };
    let second = find("counter01").await.map_or(welfare.id, |a| a.id);
    let rules = sh::rules(db).await?;
    let today = calendar::to_seoul(now).date_naive();
    let mut ids = Vec::new();
    let mut tx = db.begin().await?;
    for (i, x) in PEOPLE.iter().enumerate() {
        let d = draft(x);
        let Ok(by) = hv::check_request(&d, &rules, today) else {
            continue;
        };
        let taken = now - Duration::days(20 - i as i64);
        ids.push(
            sh::create_request(&mut tx, intake_dept, Some(desk.id), &d, &by, taken)
                .await?
                .id,
        );
    }
    tx.commit().await?;

    let teams = || {
        vec![
            team(
                "1팀 (증명·여권)",
                vec![desk.id],
                vec![Kit::SignatureTablet, Kit::Forms, Kit::SealPad, Kit::CashBox],
            ),
            team(
                "2팀 (주민등록·복지)",
                vec![second, welfare.id],
                vec![
                    Kit::FingerprintScanner,
                    Kit::SignatureTablet,
                    Kit::Forms,
                    Kit::CashBox,
                ],
            ),
        ]
    };
    // Last Wednesday: visited; this coming Wednesday: published.
    let next = wednesday_after(today);
    let last = next - Duration::days(7);
    for (day, picks, area) in [
        (last, &ids[..4], "예시읍·남면·북면"),
        (next, &ids[4..], "예시군 전역"),
    ] {
        let mut tx = db.begin().await?;
        let round = sh::create_round(&mut tx, plan_dept, day, area, sup.id, now).await?;
        for t in teams() {
            sh::add_team(&mut tx, round.id, &t).await?;
        }
        sh::add_requests(&mut tx, round.id, picks, now).await?;
        tx.commit().await?;
        let t: Vec<_> = sh::teams(db, round.id)
            .await?
            .iter()
            .map(sh::Team::input)
            .collect();
        let v: Vec<_> = sh::stops(db, round.id)
            .await?
            .iter()
            .map(sh::Stop::input)
            .collect();
        let Ok((placed, left)) = hv::plan_round(&t, &v) else {
            continue;
        };
        let mut tx = db.begin().await?;
        sh::save_plan(&mut tx, round.id, &placed, &left, RoundState::Planned, now).await?;
        sh::publish(&mut tx, round.id, now).await?;
        tx.commit().await?;
        if day == last {
            visit(db, round.id, desk.id, now, key).await?;
        }
    }
    Ok(ids.len())
}

/// Last week's outcomes: done (with a petition filed on site), not home, a revisit, done.
async fn visit(db: &Db, round_id: i64, by: i64, now: DateTime<Utc>, key: &PiiKey) -> Result<()> {
    let stops = sh::stops(db, round_id).await?;
    let outcomes = [
        Outcome::Done,
        Outcome::NotHome,
        Outcome::RevisitNeeded,
        Outcome::Done,
    ];
    let types = crate::petitions::list_types(db, false).await?;
    let (cal, _) = crate::petitions::work_calendar(db).await?;
    for (i, s) in stops.iter().filter(|s| s.team_id.is_some()).enumerate() {
        let outcome = outcomes[i % outcomes.len()];
        let checked = match (i, types.iter().find(|t| t.active)) {
            (0, Some(t)) => {
                let new = crate::petitions::NewPetition {
                    type_id: t.id,
                    channel: domain::petitions::Channel::Visit,
                    anonymous: false,
                    petitioner_account_id: None,
                    petitioner: crate::petitions::Petitioner {
                        name: s.name.clone(),
                        phone: s.phone.clone(),
                        email: String::new(),
                        address: s.address.clone(),
                        resident_number: None,
                    },
                    title: "집 앞 보안등 고장".into(),
                    body: "방문 때 말씀하심: 집 앞 골목 보안등이 한 달째 꺼져 있어 밤에 다니기 어렵다고 함.".into(),
                    location: s.address.clone(),
                    extra: Default::default(),
                    idempotency_key: None,
                    department_id: None,
                    intake: domain::petitions::intake::IntakeRecord {
                        identity_check: Some(domain::petitions::intake::IdentityCheck::IdCard),
                        documents_checked: vec![],
                    },
                };
                let screening = crate::petitions::screen(&new.title, &new.body);
                crate::petitions::check(db, new, key, screening).await.ok()
            }
            _ => None,
        };
        let mut tx = db.begin().await?;
        let petition_id = match &checked {
            Some(c) => Some(
                crate::petitions::file(&mut tx, c, Some(by), &cal, now)
                    .await?
                    .petition
                    .id,
            ),
            None => None,
        };
        let notes = match outcome {
            Outcome::NotHome => "두 번 방문, 이웃 말로는 병원 진료 중",
            Outcome::RevisitNeeded => "가족관계 서류가 없어 다음 주 다시 방문",
            _ => "처리 완료",
        };
        sh::record_outcome(
            &mut tx,
            round_id,
            s.id,
            outcome,
            outcome.checks_identity().then_some(IdentityMethod::IdCard),
            notes,
            petition_id,
            by,
            now,
        )
        .await?;
        sh::complete_if_done(&mut tx, round_id, now).await?;
        tx.commit().await?;
    }
    Ok(())
}
