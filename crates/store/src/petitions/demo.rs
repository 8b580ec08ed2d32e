//! Demo petitions for `serve --demo`: the type catalogue and a few hundred realistic petitions in
//! every state and at every distance from their deadline, assigned to the demo departments and
//! officials. Deterministic: the same `now` gives the same petitions.
//!
//! Expects the demo org chart (codes `civil-desk`, `build`, `env`, `welfare`, …) and accounts
//! (`official.desk`, `official.build`, `official.env`, `official.welfare`, `resident`); missing
//! ones are skipped, never an error.

use super::{
    NewPetition, Petitioner, PiiKey, Template, TypeSpec, act, check, create_type,
    ensure_general_types, file, screen, work_calendar,
};
use crate::{Db, Result, fetch_one, office::accounts, office::departments};
use calendar::{Period, WorkCalendar};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::AccountId;
use domain::petitions::fields::{Datatype, FieldDef};
use domain::petitions::intake::{IdentityCheck, IntakeRecord};
use domain::petitions::{Channel, Event, ExtensionGround, HeldStep, Kind, PauseKind};

/// (department code, type code, title, body)
pub(crate) const SAMPLES: &[(&str, &str, &str, &str)] = &[
    (
        "build",
        "grievance",
        "보도블록 파손으로 보행 위험",
        "{place} 앞 인도 보도블록이 파손되어 어르신들이 넘어질 뻔했습니다. 빠른 보수 부탁드립니다.",
    ),
    (
        "build",
        "other",
        "도로 포트홀 신고",
        "{place} 도로에 큰 포트홀이 생겨 차량 타이어가 파손되었습니다.",
    ),
    (
        "build",
        "proposal",
        "어린이보호구역 과속방지턱 설치 건의",
        "{place} 초등학교 앞 도로에 과속 차량이 많아 과속방지턱 설치를 건의합니다.",
    ),
    (
        "build",
        "grievance",
        "가로등 고장으로 야간 통행 불편",
        "{place} 골목 가로등이 일주일째 꺼져 있어 밤길이 위험합니다.",
    ),
    (
        "build",
        "question-system",
        "도로점용허가 절차 문의",
        "{place}에서 행사를 하려고 하는데 도로점용허가 절차와 기간이 궁금합니다.",
    ),
    (
        "build",
        "road-use",
        "도로점용허가 신청",
        "{place} 상가 앞 공사 자재 적치를 위한 도로점용허가를 신청합니다.",
    ),
    (
        "env",
        "other",
        "쓰레기 무단투기 신고",
        "{place} 공터에 생활쓰레기가 계속 무단투기되고 있습니다. 단속 부탁드립니다.",
    ),
    (
        "env",
        "grievance",
        "공사장 소음 민원",
        "{place} 공사장에서 새벽 6시부터 소음이 심해 잠을 잘 수 없습니다.",
    ),
    (
        "env",
        "grievance",
        "축사 악취 민원",
        "{place} 인근 축사에서 악취가 심하게 납니다. 여름철마다 반복됩니다.",
    ),
    (
        "env",
        "proposal",
        "분리수거함 추가 설치 건의",
        "{place} 공동주택 주변에 분리수거함이 부족하니 추가 설치를 건의합니다.",
    ),
    (
        "env",
        "question-law",
        "폐기물관리법 적용 문의",
        "{place}에서 나온 건설 폐기물 처리 시 폐기물관리법상 신고 대상인지 문의합니다.",
    ),
    (
        "welfare",
        "question-system",
        "기초연금 신청 방법 문의",
        "어머니({place} 거주) 기초연금 신청에 필요한 서류와 절차를 알고 싶습니다.",
    ),
    (
        "welfare",
        "grievance",
        "돌봄 서비스 중단에 대한 고충",
        "{place} 독거 어르신 방문 돌봄 서비스가 갑자기 중단되어 불편을 겪고 있습니다.",
    ),
    (
        "welfare",
        "basic-living",
        "기초생활수급 신청",
        "실직 후 생계가 어려워 기초생활수급을 신청합니다. 주소지는 {place}입니다.",
    ),
    (
        "welfare",
        "proposal",
        "경로당 냉방기 교체 건의",
        "{place} 경로당 에어컨이 고장나 어르신들이 더위에 힘들어하십니다.",
    ),
    (
        "civil-desk",
        "question-system",
        "민원서류 온라인 발급 문의",
        "정부24에서 발급되지 않는 민원서류를 온라인으로 받을 방법이 있는지 문의합니다.",
    ),
    (
        "civil-desk",
        "other",
        "야간 여권 접수 시간 문의",
        "격주 목요일 야간 여권 접수가 이번 주에도 운영되는지 궁금합니다.",
    ),
    (
        "civil-desk",
        "proposal",
        "찾아가는 종합민원실 확대 건의",
        "{place}에는 거동이 불편한 어르신이 많아 찾아가는 종합민원실 운영 횟수를 늘려 주세요.",
    ),
    (
        "civil-desk",
        "grievance",
        "민원 처리 지연에 대한 고충",
        "지난달 신청한 민원이 아직 처리되지 않아 답답합니다. 진행 상황을 알려주세요.",
    ),
    (
        "civil-desk",
        "question-law",
        "주민등록법상 전입신고 기한 문의",
        "{place}로 이사했는데 전입신고 기한과 과태료 기준이 궁금합니다.",
    ),
    (
        "finance",
        "question-system",
        "지방세 납부 방법 문의",
        "자동차세를 카드 분할 납부할 수 있는지 문의합니다.",
    ),
    (
        "econ",
        "proposal",
        "전통시장 주차장 확충 건의",
        "{place} 전통시장 주말 주차난이 심각하여 공영주차장 확충을 건의합니다.",
    ),
    (
        "agri",
        "question-system",
        "농기계 임대 신청 문의",
        "{place} 농기계 임대사업소 예약 방법과 임대료가 궁금합니다.",
    ),
    (
        "health",
        "question-system",
        "예방접종 일정 문의",
        "보건소 독감 예방접종 일정과 대상자를 알고 싶습니다.",
    ),
    (
        "culture",
        "proposal",
        "축제 기간 셔틀버스 운행 건의",
        "{place}에서 열리는 축제 기간에 역까지 셔틀버스를 운행해 주세요.",
    ),
    // Street-light reports: the type the demo office publishes on Open311.
    (
        "build",
        "streetlight",
        "골목 가로등 고장",
        "{place} 골목 가로등이 며칠째 꺼져 있어 밤길이 어둡습니다. 점검 부탁드립니다.",
    ),
    (
        "build",
        "streetlight",
        "보안등 깜빡임",
        "{place} 공원 입구 보안등이 계속 깜빡입니다.",
    ),
];

pub(crate) const PLACES: &[&str] = &[
    "가평읍 석봉로",
    "청평면 청평중앙로",
    "설악면 신천중앙로",
    "상면 청군로",
    "조종면 현창로",
    "북면 목동로",
    "가평읍 가화로",
    "청평면 북한강로",
    "설악면 유명로",
    "가평읍 보납로",
];

const SURNAMES: &[&str] = &[
    "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오",
];
const GIVEN: &[&str] = &[
    "민준", "서연", "지훈", "하은", "도윤", "수빈", "영희", "철수", "미경", "정호", "순자", "건우",
];

/// A small deterministic generator (64-bit LCG), so demo and benchmark data repeat exactly.
pub(crate) struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

pub(crate) fn person(r: &mut Lcg) -> (String, String) {
    let name = format!(
        "{}{}",
        SURNAMES[r.below(SURNAMES.len() as u64) as usize],
        GIVEN[r.below(GIVEN.len() as u64) as usize]
    );
    let phone = format!("010-{:04}-{:04}", r.below(10_000), r.below(10_000));
    (name, phone)
}

/// The statutory types of the demo office (민원처리기준표 excerpts).
fn statutory_types(build: Option<i64>, welfare: Option<i64>, desk: Option<i64>) -> Vec<TypeSpec> {
    let spec = |code: &str, (name, name_en): (&str, &str), period: Period, dept: Option<i64>| {
        TypeSpec {
        code: code.into(),
        name: name.into(),
        name_en: name_en.into(),
        kind: Kind::Statutory,
        period: Some(period),
        department_id: dept,
        description: String::new(),
        required_documents: vec![],
        fields: vec![],
        templates: vec![Template {
            name: "처리 결과".into(),
            text: "{name}님, 신청하신 {title}(접수번호 {receipt_no})을 처리하였습니다.\n{answer}\n담당: {department} {official}".into(),
        }],
        requires_rrn: false,
        public: true,
        active: true,
        needs_approval: false,
        publishable: false,
    }
    };
    let mut road = spec(
        "road-use",
        ("도로점용허가", "Road occupancy permit"),
        Period::Days(5),
        build,
    );
    road.required_documents = vec!["점용 위치도".into(), "점용물 설계도".into()];
    road.fields = vec![
        FieldDef {
            key: "area".into(),
            label: "점용 면적(㎡)".into(),
            label_en: "Area occupied (㎡)".into(),
            datatype: Datatype::Number,
            required: true,
            min: Some(1),
            max: Some(100_000),
            ..FieldDef::default()
        },
        FieldDef {
            key: "purpose".into(),
            label: "점용 목적".into(),
            label_en: "Purpose".into(),
            datatype: Datatype::Choice,
            required: true,
            choices: vec!["공사".into(), "행사".into(), "영업".into()],
            choices_en: vec!["Construction".into(), "Event".into(), "Business".into()],
            ..FieldDef::default()
        },
        FieldDef {
            key: "start_date".into(),
            label: "점용 시작일".into(),
            label_en: "First day".into(),
            datatype: Datatype::Date,
            required: false,
            ..FieldDef::default()
        },
    ];
    let mut basic = spec(
        "basic-living",
        ("기초생활수급 신청", "Basic livelihood benefit application"),
        Period::Days(30),
        welfare,
    );
    basic.requires_rrn = true;
    basic.required_documents = vec!["사회보장급여 신청서".into(), "금융정보 제공 동의서".into()];
    let mut ledger = spec(
        "building-ledger",
        ("건축물대장 등초본 발급", "Building register certificate"),
        Period::Immediate,
        desk,
    );
    ledger.fields = vec![FieldDef {
        key: "address".into(),
        label: "건축물 소재지".into(),
        label_en: "Address of the building".into(),
        datatype: Datatype::Text,
        required: true,
        ..FieldDef::default()
    }];
    let mut ad = spec(
        "outdoor-ad",
        ("옥외광고물 표시 신고", "Outdoor advertisement notification"),
        Period::Days(5),
        build,
    );
    ad.public = true;
    // Approval (결재, issue 14): a fee waiver is decided by the division head.
    let mut waiver = spec(
        APPROVAL_TYPE,
        ("민원 수수료 감면 신청", "Fee waiver application"),
        Period::Days(7),
        desk,
    );
    waiver.needs_approval = true;

    // A street report of the kind cities publish on Open311 (nothing personal in the type);
    // the only demo type the office publishes.
    let mut light = spec(
        "streetlight",
        ("가로등·보안등 고장 신고", "Broken streetlight report"),
        Period::Days(7),
        build,
    );
    light.kind = Kind::Other;
    light.period = None;
    light.description =
        "꺼지거나 깜빡이는 가로등·보안등 (street or security lights that are out or flicker)"
            .into();
    light.publishable = true;
    vec![road, basic, ledger, ad, waiver, light]
}

/// The demo type whose answers and extensions need the supervisor's approval.
pub const APPROVAL_TYPE: &str = "fee-waiver";

/// What [`seed`] made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub types: usize,
    pub petitions: usize,
}

/// Fill an empty petition desk with the demo catalogue and petitions. Does nothing when
/// petitions exist already (a restarted demo keeps its data).
pub async fn seed(db: &Db, now: DateTime<Utc>, key: &PiiKey) -> Result<DemoReport> {
    let (existing,): (i64,) = fetch_one!(db, _, "SELECT COUNT(*) FROM petitions")?;
    if existing > 0 {
        return Ok(DemoReport::default());
    }
    let dept = |code: &'static str| async move {
        departments::get_by_code(db, code)
            .await
            .ok()
            .flatten()
            .map(|d| d.id)
    };
    let account = |name: &'static str| async move {
        accounts::find_by_username(db, name)
            .await
            .ok()
            .map(|a| a.id)
    };
    let desk = dept("civil-desk").await.or(dept("civil").await);
    let Some(desk) = desk else {
        tracing::warn!("demo petitions need the demo departments; skipped");
        return Ok(DemoReport::default());
    };
    let mut tx = db.begin().await?;
    ensure_general_types(&mut tx, Some(desk), now).await?;
    let specs = statutory_types(dept("build").await, dept("welfare").await, Some(desk));
    for s in &specs {
        create_type(&mut tx, s, now).await?;
    }
    tx.commit().await?;
    let types = super::list_types(db, false).await?;

    let officials = [
        ("civil-desk", account("official.desk").await),
        ("build", account("official.build").await),
        ("env", account("official.env").await),
        ("welfare", account("official.welfare").await),
    ];
    let resident = account("resident").await;
    let (cal, _) = work_calendar(db).await?;
    let mut r = Lcg(0x6d69_6e77_6f6e);

    // Plan every petition first, then file them in order of arrival so receipt numbers follow
    // receipt order, as in the register.
    struct Plan {
        arrival: DateTime<Utc>,
        sample: usize,
        scenario: u64,
        place: &'static str,
        person: (String, String),
        repeat_of: Option<usize>,
    }
    let mut plans: Vec<Plan> = Vec::new();
    let total = 320usize;
    for i in 0..total {
        let days_ago = match i % 4 {
            0 => r.below(3),
            1 => r.below(10),
            2 => r.below(25),
            _ => r.below(60),
        } as i64;
        let arrival = working_moment(&cal, now - Duration::days(days_ago), &mut r)
            .min(now - Duration::minutes(5));
        plans.push(Plan {
            arrival,
            sample: r.below(SAMPLES.len() as u64) as usize,
            scenario: r.below(14),
            place: PLACES[r.below(PLACES.len() as u64) as usize],
            person: person(&mut r),
            repeat_of: None,
        });
    }
    // A repeated petitioner: the same complaint four times over two months.
    for (k, days) in [55i64, 40, 20, 2].into_iter().enumerate() {
        plans.push(Plan {
            arrival: working_moment(&cal, now - Duration::days(days), &mut r)
                .min(now - Duration::minutes(5)),
            sample: 7,
            scenario: if k < 2 { 6 } else { 1 },
            place: PLACES[0],
            person: ("박반복".into(), "010-7777-0000".into()),
            repeat_of: Some(k),
        });
    }
    plans.sort_by_key(|p| p.arrival);

    let mut filed = 0usize;
    // Handling steps wait here and run in time order, interleaved with the filings, so every
    // receipt number is taken in the order of the receipts (the register's order).
    let mut later = Later::default();
    for (i, plan) in plans.iter().enumerate() {
        later.run_until(db, &cal, plan.arrival).await?;
        let (dept_code, type_code, title, body) = SAMPLES[plan.sample];
        let Some(ptype) = types.iter().find(|t| t.code == type_code) else {
            continue;
        };
        let department_id = dept(dept_code).await.or(ptype.department_id).or(Some(desk));
        let body = body.replace("{place}", plan.place);
        // Residents file online; the rest come by counter, phone or mail.
        let channel = match i % 5 {
            0 | 1 => Channel::Web,
            2 => Channel::Counter,
            3 => Channel::Phone,
            _ => Channel::Mail,
        };
        let own = channel == Channel::Web && i % 10 == 0 && plan.repeat_of.is_none();
        let anonymous = i % 37 == 5 && ptype.kind != Kind::Statutory;
        let mut extra = serde_json::Map::new();
        if type_code == "road-use" {
            extra.insert("area".into(), serde_json::json!(10 + i % 40));
            extra.insert("purpose".into(), serde_json::json!("공사"));
        }
        if type_code == "building-ledger" {
            extra.insert("address".into(), serde_json::json!(plan.place));
        }
        let title = if i % 53 == 7 {
            // A few abusive ones, so the screening flag shows up in the queue.
            format!("{title} 이 멍청한 공무원들아 당장 해결해")
        } else {
            title.to_string()
        };
        let new = NewPetition {
            intake: demo_intake(channel, &ptype.required_documents),
            type_id: ptype.id,
            channel,
            anonymous,
            petitioner_account_id: if own { resident } else { None },
            petitioner: if anonymous {
                Petitioner::default()
            } else {
                Petitioner {
                    name: plan.person.0.clone(),
                    phone: plan.person.1.clone(),
                    email: if i % 3 == 0 {
                        format!("demo{i}@example.kr")
                    } else {
                        String::new()
                    },
                    address: format!("경기도 가평군 {} {}", plan.place, 10 + i % 90),
                    resident_number: ptype.requires_rrn.then(|| {
                        format!(
                            "{:02}{:02}{:02}-{}234567",
                            50 + i % 40,
                            1 + i % 12,
                            1 + i % 28,
                            1 + i % 2
                        )
                    }),
                }
            },
            title,
            body,
            location: plan.place.to_string(),
            extra,
            idempotency_key: None,
            department_id,
        };
        let screening = screen(&new.title, &new.body);
        let checked = check(db, new, key, screening).await?;
        let mut tx = db.begin().await?;
        let p = file(&mut tx, &checked, None, &cal, plan.arrival)
            .await?
            .petition;
        tx.commit().await?;
        filed += 1;

        let official = officials
            .iter()
            .find(|(code, _)| *code == dept_code)
            .and_then(|(_, a)| *a);
        let mut t = plan.arrival;
        let mut step = |minutes: i64| {
            t = (t + Duration::minutes(minutes)).min(now);
            t
        };
        let mut run = Vec::<Event>::new();
        let scenario = if channel == Channel::Web
            && plan.arrival > now - Duration::hours(6)
            && plan.scenario % 3 == 0
        {
            100 // recent online arrivals waiting for receipt
        } else {
            extra_scenario(i, channel, plan.arrival, now).unwrap_or(plan.scenario)
        };
        if scenario >= EXTRA_SCENARIOS {
            let other = dept("env").await.filter(|e| Some(*e) != department_id);
            let online = channel.is_online();
            for (at, e) in extra_runs(
                scenario,
                online,
                plan.arrival,
                department_id.unwrap_or(desk),
                official,
                other,
                now,
            ) {
                later.push(at, p.id, e, official);
            }
            continue;
        }
        if channel.is_online() && scenario != 100 {
            run.push(Event::Received {
                receipt_no: String::new(),
            });
        }
        let assign = Event::Assigned {
            department_id: department_id.unwrap_or(desk),
            assignee_id: official,
        };
        let answer = |text: &str| Event::Answered {
            text: text.to_string(),
            template: None,
            additional: false,
        };
        match scenario {
            100 | 0 => {}
            1..=3 => run.push(assign),
            4 => {
                run.push(assign);
                run.push(Event::SupplementRequested {
                    items: "관련 사진 및 위치도".into(),
                    answer_by: plan.arrival + Duration::days(7),
                });
            }
            5 => {
                run.push(assign);
                run.push(Event::PauseStarted {
                    kind: PauseKind::SiteInvestigation,
                    reason: "현장 조사 중".into(),
                });
            }
            6 => {
                run.push(assign);
                run.push(answer(
                    "검토 결과 다음과 같이 조치하였습니다. 불편을 드려 죄송합니다.",
                ));
            }
            7 => {
                run.push(assign);
                run.push(Event::Extended {
                    period: Period::Days(5),
                    ground: ExtensionGround::Cooperation,
                    reason: "관계 기관 협의 필요".into(),
                    consent: false,
                    new_due: now,
                });
            }
            8 => {
                run.push(assign);
                run.push(answer("요청하신 사항을 처리하였습니다."));
                run.push(Event::Rated {
                    score: 5,
                    comment: "빠른 처리 감사합니다".into(),
                    more_wanted: false,
                });
                run.push(Event::Closed {
                    reason: "처리 완료".into(),
                });
            }
            9 => {
                run.push(assign);
                run.push(answer("현재 예산 사정으로 내년 사업에 반영하겠습니다."));
                run.push(Event::Rated {
                    score: 1,
                    comment: "납득할 수 없습니다".into(),
                    more_wanted: true,
                });
                // Every other one still waits for its additional answer (back in the queue).
                if i % 2 == 1 {
                    run.push(Event::Answered {
                        text: "추가 검토 결과 올해 하반기 긴급 보수 예산으로 조치하겠습니다."
                            .into(),
                        template: None,
                        additional: true,
                    });
                }
            }
            10 => {
                run.push(Event::Transferred {
                    to: dept("build")
                        .await
                        .filter(|b| Some(*b) != department_id)
                        .unwrap_or(desk),
                    far_or_misassigned: true,
                    reason: "소관 부서 재지정".into(),
                    due: now,
                });
            }
            11 => {
                run.push(assign);
                run.push(Event::SupplementRequested {
                    items: "신청서 서명 누락".into(),
                    answer_by: plan.arrival + Duration::days(5),
                });
                run.push(Event::SupplementReceived {
                    note: "보완 서류 접수".into(),
                });
                run.push(Event::ProgressNotice {
                    note: "현장 확인 후 답변 예정입니다.".into(),
                });
            }
            12 => {
                run.push(assign);
                run.push(answer("안내해 드린 절차에 따라 신청해 주시기 바랍니다."));
                run.push(Event::Closed {
                    reason: "안내 완료".into(),
                });
            }
            _ => {
                run.push(Event::TransferredOut {
                    agency: "경기도청 도로관리사업소".into(),
                    reason: "도 관리 도로".into(),
                    due: None,
                });
            }
        }
        for e in run {
            let at = step(30 + (r.below(90) as i64));
            later.push(at, p.id, e, official);
        }
    }
    filed += seed_approvals(
        db,
        &types,
        desk,
        account("official.desk").await,
        &mut later,
        &cal,
        now,
        key,
    )
    .await?;
    later.run_until(db, &cal, now).await?;
    Ok(DemoReport {
        types: types.len(),
        petitions: filed,
    })
}

/// Two fee-waiver petitions at the desk waiting for the supervisor (결재 대기): one answer, one
/// extension, submitted by the desk official. Filed online; their receipt and steps join the
/// other petitions' in time order (`later`), so receipt numbers keep receipt order. Returns how
/// many were filed.
#[allow(clippy::too_many_arguments)]
async fn seed_approvals(
    db: &Db,
    types: &[super::PetitionType],
    desk: i64,
    official: Option<AccountId>,
    later: &mut Later,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
    key: &PiiKey,
) -> Result<usize> {
    let Some(ptype) = types.iter().find(|t| t.code == APPROVAL_TYPE) else {
        return Ok(0);
    };
    let held = [
        (
            "정감면",
            "기초연금 수급자 민원 수수료 감면 신청",
            HeldStep::Answer {
                text: "정감면님, 신청하신 민원 수수료 감면을 검토한 결과 기초연금 수급자로 확인되어 감면합니다.\n담당: 민원팀 김민원".into(),
                template: None,
                additional: false,
            },
        ),
        (
            "문연장",
            "장애인 민원 수수료 감면 신청 (서류 확인 중)",
            HeldStep::Extension {
                period: Period::Days(7),
                ground: ExtensionGround::FactCheck,
                reason: "복지 담당 부서에 장애 정도 확인을 요청함".into(),
                consent: false,
            },
        ),
    ];
    let mut filed = 0;
    for (i, (name, title, step)) in held.into_iter().enumerate() {
        // After every other demo filing (those arrive at least five minutes before `now`).
        let arrival = now - Duration::minutes(4 - 2 * i as i64);
        let new = NewPetition {
            type_id: ptype.id,
            channel: Channel::Web,
            anonymous: false,
            petitioner_account_id: None,
            petitioner: Petitioner {
                name: name.into(),
                phone: format!("010-5555-00{i:02}"),
                email: String::new(),
                address: "경기도 가평군 가평읍 석봉로 20".into(),
                resident_number: None,
            },
            title: title.into(),
            body: "감면 대상 확인 서류를 첨부합니다.".into(),
            location: String::new(),
            extra: serde_json::Map::new(),
            idempotency_key: None,
            department_id: Some(desk),
            intake: demo_intake(Channel::Web, &ptype.required_documents),
        };
        let screening = screen(&new.title, &new.body);
        let checked = check(db, new, key, screening).await?;
        let mut tx = db.begin().await?;
        let p = file(&mut tx, &checked, None, cal, arrival).await?.petition;
        tx.commit().await?;
        let steps = [
            Event::Received {
                receipt_no: String::new(),
            },
            Event::Assigned {
                department_id: desk,
                assignee_id: official,
            },
            Event::ApprovalRequested {
                step,
                submitted_by: official,
            },
        ];
        for (k, e) in steps.into_iter().enumerate() {
            later.push(
                arrival + Duration::seconds(20 * (k as i64 + 1)),
                p.id,
                e,
                official,
            );
        }
        filed += 1;
    }
    Ok(filed)
}

/// A working-hours moment on or before `day` (Asia/Seoul), varied by `r`.
fn working_moment(cal: &WorkCalendar, day: DateTime<Utc>, r: &mut Lcg) -> DateTime<Utc> {
    let mut date = calendar::to_seoul(day).date_naive();
    for _ in 0..10 {
        if cal.is_working_day(date).unwrap_or(false) {
            break;
        }
        date = date.pred_opt().unwrap_or(date);
    }
    let hour = 9 + r.below(8) as u32;
    let minute = r.below(60) as u32;
    date.and_hms_opt(hour, minute, 0)
        .and_then(|t| calendar::seoul().from_local_datetime(&t).single())
        .map_or(day, |t| t.with_timezone(&Utc))
}

/// One waiting step: when, its place in the plan (ties), petition, event, actor.
type Step = (DateTime<Utc>, usize, i64, Event, Option<i64>);

/// Handling steps of the demo petitions, run in time order across petitions.
#[derive(Default)]
struct Later {
    steps: Vec<Step>,
    /// Petitions a step was refused for: their later steps are skipped.
    stopped: std::collections::HashSet<i64>,
}

impl Later {
    fn push(&mut self, at: DateTime<Utc>, petition: i64, e: Event, actor: Option<i64>) {
        let n = self.steps.len();
        self.steps.push((at, n, petition, e, actor));
    }

    /// Run every step due at or before `until`, oldest first (a petition's own steps keep
    /// their order: their moments only grow).
    async fn run_until(&mut self, db: &Db, cal: &WorkCalendar, until: DateTime<Utc>) -> Result<()> {
        self.steps.sort_by_key(|s| (s.0, s.1));
        let split = self.steps.partition_point(|s| s.0 <= until);
        let due: Vec<_> = self.steps.drain(..split).collect();
        for (at, _, id, e, actor) in due {
            if self.stopped.contains(&id) {
                continue;
            }
            let mut tx = db.begin().await?;
            // A step the rules refuse for this petition (e.g. anonymous, no clock) is skipped.
            match act(&mut tx, id, e, actor, cal, at).await {
                Ok(_) => tx.commit().await?,
                Err(crate::StoreError::Rule(_)) => {
                    self.stopped.insert(id);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// How an official took the demo's counter, phone and mail petitions in (issue 14): the
/// identity check that fits the channel and every required document seen where they come along.
fn demo_intake(channel: Channel, documents: &[String]) -> IntakeRecord {
    let identity_check = match channel {
        Channel::Counter | Channel::Visit => IdentityCheck::IdCard,
        Channel::Phone => IdentityCheck::PhoneCallback,
        Channel::Mail => IdentityCheck::Signature,
        Channel::Web | Channel::Api | Channel::Open311 => return IntakeRecord::default(),
    };
    IntakeRecord {
        identity_check: Some(identity_check),
        documents_checked: if domain::petitions::intake::documents_expected(channel) {
            documents.to_vec()
        } else {
            Vec::new()
        },
    }
}

/// Scenarios added for issue 14, numbered from here so the original ones keep their numbers.
const EXTRA_SCENARIOS: u64 = 200;
const RETURNED: u64 = 200;
const WITHDRAWN: u64 = 201;
const LATE_TRANSFER: u64 = 202;
const LATE_TRANSFER_OUT: u64 = 203;
const OVERDUE_RECEIPT: u64 = 204;

/// The demo's extra states, by position: returned and withdrawn petitions (old enough for their
/// supplement deadline to have passed), transfers done late, and an online petition left
/// waiting for receipt past its 8 working hours.
fn extra_scenario(
    i: usize,
    channel: Channel,
    arrival: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<u64> {
    let old = arrival < now - Duration::days(12);
    match i % 41 {
        3 if old => Some(RETURNED),
        17 if old => Some(WITHDRAWN),
        29 if old => Some(LATE_TRANSFER),
        35 if old && channel.is_online() => Some(LATE_TRANSFER_OUT),
        11 if arrival < now - Duration::days(2) && channel.is_online() => Some(OVERDUE_RECEIPT),
        _ => None,
    }
}

/// The steps of an extra scenario with their moments (all before `now`).
fn extra_runs(
    scenario: u64,
    online: bool,
    arrival: DateTime<Utc>,
    department: i64,
    official: Option<i64>,
    other_department: Option<i64>,
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Event)> {
    let at = |minutes: i64| (arrival + Duration::minutes(minutes)).min(now);
    let receive = Event::Received {
        receipt_no: String::new(),
    };
    let assign = Event::Assigned {
        department_id: department,
        assignee_id: official,
    };
    // Online petitions are received first; counter, phone and mail ones were at intake.
    let mut run = if online {
        vec![(at(20), receive)]
    } else {
        vec![]
    };
    match scenario {
        RETURNED => {
            let answer_by = arrival + Duration::days(5);
            run.push((at(40), assign));
            run.push((
                at(60),
                Event::SupplementRequested {
                    items: "토지 소유자 동의서".into(),
                    answer_by,
                },
            ));
            run.push((
                (answer_by + Duration::days(3)).min(now),
                Event::ReturnedUnsupplemented {
                    reason: "보완 기한까지 보완 서류가 제출되지 않아 반려합니다".into(),
                },
            ));
        }
        WITHDRAWN => {
            run.push((at(40), assign));
            run.push((
                at(60),
                Event::SupplementRequested {
                    items: "신청인 서명".into(),
                    answer_by: arrival + Duration::days(7),
                },
            ));
            run.push((at(60 * 24 * 3), Event::SupplementDeliveryFailed));
            run.push((at(60 * 24 * 6), Event::SupplementDeliveryFailed));
        }
        LATE_TRANSFER => {
            if let Some(to) = other_department {
                // Two days later: far past the 1 or 3 working hours.
                run.push((
                    at(60 * 24 * 2),
                    Event::Transferred {
                        to,
                        far_or_misassigned: false,
                        reason: "소관 부서가 아님 (늦게 확인)".into(),
                        due: now,
                    },
                ));
            }
        }
        LATE_TRANSFER_OUT => {
            run.push((
                at(60 * 24 * 3),
                Event::TransferredOut {
                    agency: "한국도로공사 서울경기본부".into(),
                    reason: "고속도로 관리 기관 소관".into(),
                    due: None,
                },
            ));
        }
        _ => run.clear(), // OVERDUE_RECEIPT: nobody received it
    }
    run
}
