//! Petition stories, run on SQLite and (with MINWON_TEST_POSTGRES_URL) on PostgreSQL.
// Test helpers outside #[test] functions may unwrap too (clippy.toml covers only the tests).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use calendar::{DeadlineInput, Pause, Period};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::office::accounts::Role;
use domain::petitions::{Channel, Event, ExtensionGround, Kind, State};
use store::petitions::search::{SearchIndex, SearchQuery};
use store::petitions::{self, NewPetition, Petitioner, PiiKey, TypeSpec};
use store::testing::TestDb;
use store::{Db, StoreError, office::departments};

struct Setup {
    db: Db,
    dept: i64,
    other: i64,
    official: i64,
    type_id: i64,
    key: PiiKey,
}

async fn setup(db: Db) -> Setup {
    let (tx, dept, other, official) = crate::fixtures::county(&db, "civil", store::now()).await;
    tx.commit().await.unwrap();
    let t = petitions::get_type_by_code(&db, "question-system")
        .await
        .unwrap();
    Setup {
        db,
        dept,
        other,
        official,
        type_id: t.id,
        key: PiiKey::generate().unwrap(),
    }
}

fn new_petition(s: &Setup, channel: Channel, title: &str, body: &str) -> NewPetition {
    NewPetition {
        intake: store::testing::intake_for(channel),
        type_id: s.type_id,
        channel,
        anonymous: false,
        petitioner_account_id: None,
        petitioner: Petitioner {
            name: "홍길동".into(),
            phone: "010-1234-5678".into(),
            email: "hong@example.kr".into(),
            address: "경기도 가평군 가평읍 석봉로 181".into(),
            resident_number: None,
        },
        title: title.into(),
        body: body.into(),
        location: String::new(),
        extra: Default::default(),
        idempotency_key: None,
        department_id: None,
    }
}

async fn file(s: &Setup, new: &NewPetition, at: DateTime<Utc>) -> petitions::Petition {
    crate::fixtures::file(&s.db, &s.key, new.clone(), at)
        .await
        .unwrap()
}

async fn act(
    s: &Setup,
    id: i64,
    e: Event,
    at: DateTime<Utc>,
) -> Result<petitions::Petition, StoreError> {
    crate::fixtures::act(&s.db, s.official, id, e, at).await
}

fn kst(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    // 2026-11-d h:m KST
    Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap() - Duration::hours(9)
}

store::backend_tests! {
    #[tokio::test]
    async fn a_petition_lives_on_legal_time(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let s = setup(db).await;
        let cal = calendar::WorkCalendar::standard().unwrap();
        // Arrives online Monday 10:00, received 10:30.
        let p = file(
            &s,
            &new_petition(
                &s,
                Channel::Web,
                "도로 파손 신고",
                "석봉로 인도 블록이 파손되었습니다.",
            ),
            kst(23, 10, 0),
        )
        .await;
        assert_eq!(p.state, State::Arrived);
        assert!(p.receipt_no.is_none());
        // Issue 14: before receipt the clock is the receipt limit, Tuesday 10:00 (8 working hours).
        assert_eq!(
            p.due_at, p.derived.receipt_due,
            "the receipt clock before receipt"
        );
        assert_eq!(p.due_at, Some(kst(24, 10, 0)));
        let p = act(
            &s,
            p.id,
            Event::Received {
                receipt_no: String::new(),
            },
            kst(23, 10, 30),
        )
        .await
        .unwrap();
        assert_eq!(p.receipt_no.as_deref(), Some("2026-0000001"));
        let mut input = DeadlineInput::new(kst(23, 10, 30), Period::Days(7));
        assert_eq!(
            p.due_at,
            Some(calendar::deadline(&cal, &input, kst(23, 10, 30)).unwrap())
        );

        // Transfer to the right department within the 1-hour rule: on time.
        let p = act(
            &s,
            p.id,
            Event::Transferred {
                to: s.other,
                far_or_misassigned: false,
                reason: "소관 부서".into(),
                due: kst(1, 0, 0),
            },
            kst(23, 11, 0),
        )
        .await
        .unwrap();
        let t = &p.derived.transfers[0];
        assert_eq!(
            t.due,
            calendar::deadline(
                &cal,
                &DeadlineInput::new(kst(23, 10, 30), Period::Hours(1)),
                kst(23, 11, 0)
            )
            .unwrap()
        );
        assert!(t.on_time);
        let p = act(
            &s,
            p.id,
            Event::Assigned {
                department_id: s.dept,
                assignee_id: Some(s.official),
            },
            kst(23, 11, 10),
        )
        .await
        .unwrap();
        assert_eq!(p.state, State::InProgress);

        // Supplement: pause from Mon 14:00 to Wed 11:00.
        let p = act(
            &s,
            p.id,
            Event::SupplementRequested {
                items: "현장 사진".into(),
                answer_by: kst(27, 18, 0),
            },
            kst(23, 14, 0),
        )
        .await
        .unwrap();
        assert_eq!(p.state, State::Supplement);
        let p = act(
            &s,
            p.id,
            Event::SupplementReceived {
                note: "사진 제출".into(),
            },
            kst(25, 11, 0),
        )
        .await
        .unwrap();
        input.pauses.push(Pause {
            start: kst(23, 14, 0),
            end: Some(kst(25, 11, 0)),
        });
        assert_eq!(
            p.due_at,
            Some(calendar::deadline(&cal, &input, kst(25, 11, 0)).unwrap())
        );

        // Extension: workload is refused and changes nothing; cooperation is fine.
        let before = petitions::get(&s.db, p.id).await.unwrap();
        let e = act(
            &s,
            p.id,
            Event::Extended {
                period: Period::Days(7),
                ground: ExtensionGround::Workload,
                reason: "바쁨".into(),
                consent: false,
                new_due: kst(1, 0, 0),
            },
            kst(25, 12, 0),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, StoreError::Rule(ref r) if r.code == "extension_ground_not_allowed"),
            "{e:?}"
        );
        assert_eq!(petitions::get(&s.db, p.id).await.unwrap(), before);
        let p = act(
            &s,
            p.id,
            Event::Extended {
                period: Period::Days(5),
                ground: ExtensionGround::Cooperation,
                reason: "관계기관 협의".into(),
                consent: false,
                new_due: kst(1, 0, 0),
            },
            kst(25, 13, 0),
        )
        .await
        .unwrap();
        input.extensions.push(Period::Days(5));
        let due = calendar::deadline(&cal, &input, kst(25, 13, 0)).unwrap();
        assert_eq!(p.due_at, Some(due));
        let tl = petitions::timeline(&s.db, p.id).await.unwrap();
        assert!(
            matches!(tl.last().unwrap().event, Event::Extended { new_due, .. } if new_due == due)
        );

        // Answer, rate 1, additional answer; closed petitions cannot be answered again.
        let p = act(
            &s,
            p.id,
            Event::Answered {
                text: "보수하겠습니다.".into(),
                template: None,
                additional: false,
            },
            kst(26, 10, 0),
        )
        .await
        .unwrap();
        assert_eq!(p.state, State::Answered);
        act(
            &s,
            p.id,
            Event::Rated {
                score: 1,
                comment: "늦음".into(),
                more_wanted: false,
            },
            kst(26, 12, 0),
        )
        .await
        .unwrap();
        let p = act(
            &s,
            p.id,
            Event::Answered {
                text: "다음 주에 보수합니다.".into(),
                template: None,
                additional: true,
            },
            kst(27, 10, 0),
        )
        .await
        .unwrap();
        assert_eq!(p.derived.results_notified, 2);
        let p = act(
            &s,
            p.id,
            Event::Closed {
                reason: "처리 완료".into(),
            },
            kst(27, 11, 0),
        )
        .await
        .unwrap();
        let e = act(
            &s,
            p.id,
            Event::Answered {
                text: "또".into(),
                template: None,
                additional: false,
            },
            kst(27, 12, 0),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, StoreError::Rule(ref r) if r.code == "transition_not_allowed"));

        // Timeline and copy agree; every step is there; the events table is append-only.
        assert!(petitions::verify(&s.db, p.id).await.unwrap());
        let kinds: Vec<String> = petitions::timeline(&s.db, p.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                "filed",
                "received",
                "transferred",
                "assigned",
                "supplement_requested",
                "supplement_received",
                "extended",
                "answered",
                "rated",
                "answered",
                "closed"
            ]
        );
        let tampered = store::execute!(&s.db, "UPDATE petition_events SET kind = 'x' WHERE petition_id = $1", p.id);
        assert!(tampered.is_err(), "timeline rows cannot be changed");
        let deleted = store::execute!(&s.db, "DELETE FROM petition_events WHERE petition_id = $1", p.id);
        assert!(deleted.is_err(), "timeline rows cannot be deleted");

        // Petitioner notices went to the outbox (answer, extension, supplement …).
        let (n,): (i64,) = store::fetch_one!(&s.db, _, "SELECT COUNT(*) FROM outbox WHERE recipient = 'hong@example.kr'")
        .unwrap();
        assert!(n >= 5, "{n} notices");
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn receipt_numbers_idempotency_and_encryption(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let s = setup(db).await;
        // Counter petitions are received at once, numbered in order, also when concurrent.
        let mut handles = vec![];
        for i in 0..8 {
            let db = s.db.clone();
            let key = s.key.clone();
            let new = new_petition(
                &s,
                Channel::Counter,
                &format!("민원 {i}"),
                &format!("내용 {i} 입니다"),
            );
            handles.push(tokio::spawn(async move {
                let (cal, _) = petitions::work_calendar(&db).await.unwrap();
                let scr = petitions::screen(&new.title, &new.body);
                let checked = petitions::check(&db, new, &key, scr).await.unwrap();
                loop {
                    let mut tx = db.begin().await.unwrap();
                    match petitions::file(&mut tx, &checked, None, &cal, store::now()).await {
                        Ok(f) => match tx.commit().await {
                            Ok(()) => return f.petition.receipt_no.unwrap(),
                            Err(_) => continue,
                        },
                        // SQLite may report a busy lock under contention: retry like a client.
                        Err(StoreError::Database(_)) => continue,
                        Err(e) => panic!("{e}"),
                    }
                }
            }));
        }
        let mut numbers = vec![];
        for h in handles {
            numbers.push(h.await.unwrap());
        }
        numbers.sort();
        let year = calendar::to_seoul(store::now()).format("%Y").to_string();
        let want: Vec<String> = (1..=8).map(|i| format!("{year}-{i:07}")).collect();
        assert_eq!(numbers, want);

        // The same idempotency key gives the same petition.
        let mut new = new_petition(
            &s,
            Channel::Web,
            "가로등 고장",
            "마을 입구 가로등이 꺼져 있습니다",
        );
        new.idempotency_key = Some("abc-123".into());
        let a = file(&s, &new, store::now()).await;
        let b = file(&s, &new, store::now()).await;
        assert_eq!(a.id, b.id);

        // RRN only where required, stored encrypted.
        let mut tx = s.db.begin().await.unwrap();
        let t = petitions::create_type(
            &mut tx,
            &TypeSpec {
                code: "cert".into(),
                name: "증명서 발급".into(),
                name_en: String::new(),
                kind: Kind::Statutory,
                period: Some(Period::Days(3)),
                department_id: Some(s.dept),
                description: String::new(),
                required_documents: vec!["신분증".into()],
                fields: vec![],
                templates: vec![],
                requires_rrn: true,
                public: true,
                active: true,
                needs_approval: false,
                publishable: false,
            },
            store::now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut new = new_petition(&s, Channel::Counter, "증명서", "발급 신청");
        new.type_id = t.id;
        // At the counter the required document is seen (issue 14).
        new.intake.documents_checked = vec!["신분증".into()];
        let scr = petitions::screen("a", "b");
        let e = petitions::check(&s.db, new.clone(), &s.key, scr.clone())
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Rule(ref r) if r.code == "missing_field"));
        new.petitioner.resident_number = Some("900101-1234567".into());
        let p = file(&s, &new, store::now()).await;
        let raw: (Option<String>,) = store::fetch_one!(&s.db, _, "SELECT rrn_encrypted FROM petitions WHERE id = $1", p.id)
        .unwrap();
        assert!(!raw.0.clone().unwrap().contains("1234567"));
        assert_eq!(
            petitions::reveal_rrn(&p, &s.key).unwrap().as_deref(),
            Some("900101-1234567")
        );
        let mut other = new_petition(&s, Channel::Counter, "질의", "내용");
        other.petitioner.resident_number = Some("900101-1234567".into());
        let e = petitions::check(&s.db, other, &s.key, scr)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Rule(ref r) if r.code == "rrn_not_allowed"));
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn queue_search_reminders_and_holiday_edits(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let s = setup(db).await;
        let now = kst(24, 10, 0);
        let a = file(
            &s,
            &new_petition(
                &s,
                Channel::Counter,
                "도로 파손",
                "인도 블록이 파손되었어요",
            ),
            kst(2, 10, 0),
        )
        .await;
        let b = file(
            &s,
            &new_petition(
                &s,
                Channel::Counter,
                "민원 처리 문의",
                "민원 처리 절차를 알고 싶습니다",
            ),
            kst(23, 10, 0),
        )
        .await;
        let c = file(
            &s,
            &new_petition(&s, Channel::Counter, "소음", "공사장 소음이 심합니다"),
            kst(24, 9, 30),
        )
        .await;
        let page = petitions::queue(
            &s.db,
            &petitions::QueueFilter {
                departments: Some(vec![s.dept]),
                limit: 50,
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
        let ids: Vec<i64> = page.items.iter().map(|i| i.petition.id).collect();
        assert_eq!(ids, vec![a.id, b.id, c.id], "ordered by working time left");
        assert_eq!(page.counts.total, 3);
        assert_eq!(page.counts.overdue, 1);
        assert!(page.items[0].working_minutes_left.unwrap() < 0);
        let other = petitions::queue(
            &s.db,
            &petitions::QueueFilter {
                departments: Some(vec![s.other]),
                limit: 50,
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
        assert!(other.items.is_empty());
        let overdue = petitions::queue(
            &s.db,
            &petitions::QueueFilter {
                departments: Some(vec![s.dept]),
                overdue: true,
                limit: 50,
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
        assert_eq!(overdue.items.len(), 1);

        // Search: two-syllable words, inflected forms, department reach; follows changes.
        let dir = store::testing::TempDir::new("minwon-index").unwrap();
        let index = SearchIndex::open(Some(&dir.0)).unwrap();
        let q = |text: &str| SearchQuery {
            text: text.into(),
            departments: Some(vec![s.dept]),
            limit: 10,
            ..Default::default()
        };
        let hits = index.search(&s.db, &q("파손")).await.unwrap();
        assert_eq!(
            hits.hits.iter().map(|h| h.id).collect::<Vec<_>>(),
            vec![a.id]
        );
        assert_eq!(
            index.search(&s.db, &q("민원")).await.unwrap().hits[0].id,
            b.id
        );
        assert_eq!(index.search(&s.db, &q("파손되었")).await.unwrap().total, 1);
        assert_eq!(index.search(&s.db, &q("없는말")).await.unwrap().total, 0);
        let mut elsewhere = q("파손");
        elsewhere.departments = Some(vec![s.other]);
        assert_eq!(index.search(&s.db, &elsewhere).await.unwrap().total, 0);
        act(
            &s,
            c.id,
            Event::Answered {
                text: "방음벽을 설치하겠습니다".into(),
                template: None,
                additional: false,
            },
            now,
        )
        .await
        .unwrap();
        assert_eq!(
            index.search(&s.db, &q("방음벽")).await.unwrap().hits[0].id,
            c.id
        );
        let seq = index.indexed_seq().unwrap();
        drop(index);
        let reopened = SearchIndex::open(Some(&dir.0)).unwrap();
        assert_eq!(
            reopened.indexed_seq().unwrap(),
            seq,
            "the index remembers where it was"
        );
        assert_eq!(reopened.rebuild(&s.db).await.unwrap(), 3);
        assert_eq!(reopened.search(&s.db, &q("파손")).await.unwrap().total, 1);

        // Reminders: once per level, through the outbox, on the timeline.
        act(
            &s,
            a.id,
            Event::Assigned {
                department_id: s.dept,
                assignee_id: Some(s.official),
            },
            now,
        )
        .await
        .unwrap();
        let r = petitions::sweep(&s.db, now).await.unwrap();
        assert_eq!(r.overdue, 1);
        let again = petitions::sweep(&s.db, now).await.unwrap();
        assert_eq!(again.overdue, 0);
        let (n,): (i64,) = store::fetch_one!(&s.db, _, "SELECT COUNT(*) FROM outbox WHERE recipient = 'kim@example.kr'")
        .unwrap();
        assert_eq!(n, 1);
        assert!(
            petitions::timeline(&s.db, a.id)
                .await
                .unwrap()
                .iter()
                .any(|e| e.kind == "reminder")
        );

        // A holiday added on b's due day moves its cached due moment.
        let before = petitions::get(&s.db, b.id).await.unwrap().due_at.unwrap();
        let due_day = calendar::to_seoul(before).date_naive();
        store::office::holidays::add(&s.db, due_day, "임시공휴일", "temporary", false, now)
            .await
            .unwrap();
        petitions::refresh_due_cache(&s.db, now).await.unwrap();
        let after = petitions::get(&s.db, b.id).await.unwrap().due_at.unwrap();
        assert!(after > before, "{before} -> {after}");
        let (cal, _) = petitions::work_calendar(&s.db).await.unwrap();
        let p = petitions::get(&s.db, b.id).await.unwrap();
        assert_eq!(Some(after), p.derived.due(&cal, now).unwrap());
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn demo_petitions_cover_every_state(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let now = kst(24, 15, 0);
        let mut tx = db.begin().await.unwrap();
        for (code, parent) in [
            ("county", None),
            ("civil", Some("county")),
            ("civil-desk", Some("civil")),
            ("build", Some("county")),
            ("env", Some("county")),
            ("welfare", Some("county")),
        ] {
            crate::fixtures::department(&mut tx, code, code, parent, now).await;
        }
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        for (user, dept) in [
            ("official.desk", "civil-desk"),
            ("official.build", "build"),
            ("official.env", "env"),
            ("official.welfare", "welfare"),
        ] {
            let d = departments::get_by_code(&db, dept)
                .await
                .unwrap()
                .map(|d| d.id);
            let who = (user, "담당", "");
            crate::fixtures::account(&mut tx, who, Role::Official, d, now).await;
        }
        tx.commit().await.unwrap();
        let key = PiiKey::generate().unwrap();
        let r = petitions::demo::seed(&db, now, &key).await.unwrap();
        assert!(r.petitions >= 300, "{r:?}");
        assert_eq!(
            petitions::demo::seed(&db, now, &key)
                .await
                .unwrap()
                .petitions,
            0,
            "only once"
        );
        let states: Vec<(String, i64)> = store::fetch_all!(&db, _, "SELECT state, COUNT(*) FROM petitions GROUP BY state ORDER BY state")
        .unwrap();
        eprintln!("{states:?}");
        for s in [
            "arrived",
            "received",
            "in_progress",
            "supplement",
            "paused",
            "answered",
            "closed",
            "transferred_out",
            "returned",
            "withdrawn",
        ] {
            assert!(
                states.iter().any(|(k, n)| k == s && *n > 0),
                "no demo petition in state {s}: {states:?}"
            );
        }
        let page = petitions::queue(
            &db,
            &petitions::QueueFilter {
                limit: 500,
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
        assert!(
            page.counts.overdue > 0 && page.counts.due_today + page.counts.due_soon > 0,
            "{:?}",
            page.counts
        );
        assert!(page.counts.repeat_proposed > 0, "{:?}", page.counts);
        let (flagged,): (i64,) = store::fetch_one!(&db, _, "SELECT COUNT(*) FROM petitions WHERE flagged = TRUE")
        .unwrap();
        assert!(flagged > 0);
        // Approval (결재, issue 14): an answer and an extension wait for the supervisor, on a
        // type marked for approval.
        let waiting: Vec<&petitions::Petition> = page
            .items
            .iter()
            .map(|i| &i.petition)
            .filter(|p| p.derived.approval.is_some())
            .collect();
        let steps: Vec<&str> = waiting
            .iter()
            .map(|p| match p.derived.approval.as_ref().unwrap().step {
                domain::petitions::HeldStep::Answer { .. } => "answer",
                domain::petitions::HeldStep::Extension { .. } => "extension",
            })
            .collect();
        assert!(
            steps.contains(&"answer") && steps.contains(&"extension"),
            "{steps:?}"
        );
        for p in waiting {
            assert!(
                petitions::get_type(&db, p.type_id)
                    .await
                    .unwrap()
                    .needs_approval
            );
            assert!(p.derived.answers.is_empty() && p.derived.extensions.is_empty());
        }
        let ids: Vec<(i64,)> = store::fetch_all!(&db, _, "SELECT id FROM petitions ORDER BY id LIMIT 40")
        .unwrap();
        for (id,) in ids {
            assert!(petitions::verify(&db, id).await.unwrap());
        }
        // Receipt numbers follow receipt order.
        let rows: Vec<(String,)> = store::fetch_all!(&db, _, "SELECT receipt_no FROM petitions WHERE receipt_no IS NOT NULL ORDER BY received_at, id")
        .unwrap();
        // Issue 14: the numbers themselves, not only how many there are.
        let mut sorted = rows.clone();
        sorted.sort();
        assert!(rows.len() > 250, "{}", rows.len());
        if let Some(i) = (0..rows.len()).find(|&i| rows[i] != sorted[i]) {
            let dbg: Vec<(String, String, String, String)> = store::fetch_all!(&db, _, "SELECT receipt_no, received_at, channel, title FROM petitions WHERE receipt_no IS NOT NULL ORDER BY received_at, id")
            .unwrap();
            eprintln!("DBG {:#?}", &dbg[i.saturating_sub(3)..(i + 5).min(dbg.len())]);
        }
        assert_eq!(rows, sorted, "receipt numbers out of receipt order");
        // Awaiting receipt past the 8 working hours, late transfers inside the office and to
        // another agency: the demo shows each clock of issue 14.
        let derived: Vec<(String, String)> = store::fetch_all!(&db, _, "SELECT state, derived FROM petitions ORDER BY id")
        .unwrap();
        let d: Vec<(String, domain::petitions::Derived)> = derived
            .into_iter()
            .map(|(s, d)| (s, serde_json::from_str(&d).unwrap()))
            .collect();
        assert!(
            d.iter()
                .any(|(s, d)| s == "arrived" && d.receipt_due.is_some_and(|r| r < now))
        );
        assert!(
            d.iter()
                .any(|(_, d)| d.transfers.iter().any(|t| !t.on_time))
        );
        assert!(
            d.iter()
                .any(|(_, d)| d.agency_transfer.as_ref().is_some_and(|t| !t.on_time))
        );
        assert!(page.counts.overdue > 0);
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn generated_petitions_are_consistent(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let s = setup(db).await;
        let now = store::now();
        let n = petitions::generate::generate(&s.db, 1500, 7, now, |_| {})
            .await
            .unwrap();
        assert_eq!(n, 1500);
        assert_eq!(petitions::generate::count(&s.db).await.unwrap(), 1500);
        let ids: Vec<(i64,)> = store::fetch_all!(&s.db, _, "SELECT id FROM petitions ORDER BY id DESC LIMIT 20")
        .unwrap();
        for (id,) in ids {
            assert!(petitions::verify(&s.db, id).await.unwrap(), "petition {id}");
        }
        let index = SearchIndex::open(None).unwrap();
        assert_eq!(index.rebuild(&s.db).await.unwrap(), 1500);
        let hits = index
            .search(
                &s.db,
                &SearchQuery {
                    text: "파손".into(),
                    limit: 5,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(hits.total > 0);
        // Real intake after generation continues the change and receipt sequences.
        let p = file(
            &s,
            &new_petition(&s, Channel::Counter, "추가", "추가 민원"),
            now,
        )
        .await;
        assert!(p.change_seq > 1500);
    }
}

store::backend_tests! {
    /// A petition is never moved to a retired department (or one that does not exist); the
    /// refused step leaves the petition as it was.
    #[tokio::test]
    async fn no_transfer_to_a_retired_department(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let s = setup(db).await;
        let p = file(
            &s,
            &new_petition(
                &s,
                Channel::Counter,
                "가로등 고장",
                "마을 입구 가로등이 꺼졌습니다.",
            ),
            kst(23, 10, 0),
        )
        .await;
        let build = departments::get_by_code(&s.db, "build")
            .await
            .unwrap()
            .unwrap();
        let mut tx = s.db.begin().await.unwrap();
        departments::update(
            &mut tx,
            build.id,
            &departments::DepartmentChange {
                name: "build",
                name_en: "",
                parent_id: build.parent_id,
                active: false,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        for (to, code) in [
            (build.id, "department_retired"),
            (9999, "unknown_department"),
        ] {
            let e = act(
                &s,
                p.id,
                Event::Transferred {
                    to,
                    far_or_misassigned: false,
                    reason: "소관 부서".into(),
                    due: kst(23, 11, 0),
                },
                kst(23, 10, 20),
            )
            .await
            .unwrap_err();
            assert!(matches!(&e, StoreError::Rule(r) if r.code == code), "{e:?}");
        }
        let after = petitions::get(&s.db, p.id).await.unwrap();
        assert_eq!(after.department_id, p.department_id);
        assert_eq!(after.derived.events, p.derived.events);
    }
}

store::backend_tests! {
    /// Filings through group commit, some refused after they took a receipt number, a change number
    /// and an access-log entry: the refused ones give their numbers back (their savepoint and the
    /// counters roll back together), so receipt numbers, change numbers and the access log's chain
    /// stay gap-free and in order.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_refusals_leave_no_gaps_in_the_counters(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let s = setup(db).await;
        let (cal, _) = petitions::work_calendar(&s.db).await.unwrap();
        let group = store::kit::group_commit::GroupCommit::start(s.db.clone());
        let mut calls = vec![];
        for i in 0..40i64 {
            let (group, key, cal) = (group.clone(), s.key.clone(), cal.clone());
            let new = new_petition(
                &s,
                Channel::Counter,
                &format!("민원 {i}"),
                &format!("가로등 {i}번이 고장났습니다"),
            );
            let scr = petitions::screen(&new.title, &new.body);
            let checked = petitions::check(&s.db, new, &key, scr).await.unwrap();
            calls.push(tokio::spawn(async move {
                group
                    .run(move |tx| {
                        Box::pin(async move {
                            let now = store::now();
                            let f = petitions::file(tx, &checked, None, &cal, now).await?;
                            store::office::audit::append(
                                tx,
                                &domain::office::audit::AuditRecord {
                                    at: now,
                                    account_id: None,
                                    address: String::new(),
                                    subject: format!("petition:{}", f.petition.id),
                                    action: "petition.create".into(),
                                    reason: String::new(),
                                },
                            )
                            .await?;
                            if i % 4 == 1 {
                                return Err(StoreError::conflict(
                                    "나중에 거부",
                                    "refused after the fact",
                                ));
                            }
                            Ok(f.petition)
                        })
                    })
                    .await
            }));
        }
        let mut filed = vec![];
        for (i, call) in calls.into_iter().enumerate() {
            match call.await.unwrap() {
                Ok(p) => filed.push(p),
                Err(StoreError::Conflict(_)) => assert_eq!(i % 4, 1),
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(filed.len(), 30);
        let year = calendar::to_seoul(store::now()).format("%Y").to_string();
        let mut numbers: Vec<String> = filed
            .iter()
            .map(|p| p.receipt_no.clone().unwrap())
            .collect();
        numbers.sort();
        let want: Vec<String> = (1..=30).map(|n| format!("{year}-{n:07}")).collect();
        assert_eq!(numbers, want, "receipt numbers are gap-free");
        let (min, max, distinct): (i64, i64, i64) = store::fetch_one!(&s.db, _, "SELECT MIN(change_seq), MAX(change_seq), COUNT(DISTINCT change_seq) FROM petitions")
        .unwrap();
        assert_eq!(
            (max - min + 1, distinct),
            (30, 30),
            "change numbers are gap-free"
        );
        assert!(matches!(
            store::office::audit::verify(&s.db).await.unwrap(),
            store::office::audit::Verification::Intact { entries: 30 }
        ));
        // Next filings continue from the written-back counters.
        let next = file(
            &s,
            &new_petition(&s, Channel::Counter, "다음", "다음 민원"),
            store::now(),
        )
        .await;
        assert_eq!(next.receipt_no.unwrap(), format!("{year}-{:07}", 31));
        assert_eq!(next.change_seq, max + 1);
    }
}

fn queue_filter(f: petitions::QueueFilter) -> petitions::QueueFilter {
    petitions::QueueFilter { limit: 50, ..f }
}

async fn queue_ids(s: &Setup, f: petitions::QueueFilter, at: DateTime<Utc>) -> Vec<i64> {
    petitions::queue(&s.db, &queue_filter(f), at)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.petition.id)
        .collect()
}

fn answer(text: &str, additional: bool) -> Event {
    Event::Answered {
        text: text.into(),
        template: None,
        additional,
    }
}

store::backend_tests! {
    /// Issue 16 item 11: a petitioner's request for an additional answer (rating 1–2) puts an
    /// answered petition back in the queue, marked and counted, until the answer is given.
    #[tokio::test]
    async fn an_additional_answer_request_comes_back_to_the_queue(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let s = setup(t.db.clone()).await;
        let mut ids = Vec::new();
        for title in ["가로등 고장", "소음 민원", "주차 문의"] {
            let p = file(&s, &new_petition(&s, Channel::Counter, title, "내용"), kst(23, 10, 0)).await;
            ids.push(p.id);
        }
        let (a, b, c) = (ids[0], ids[1], ids[2]);
        act(&s, a, answer("고쳤습니다.", false), kst(23, 11, 0)).await.unwrap();
        act(&s, b, answer("안내드립니다.", false), kst(23, 11, 0)).await.unwrap();
        let noon = kst(23, 12, 0);
        let page = petitions::queue(&s.db, &queue_filter(Default::default()), noon).await.unwrap();
        assert_eq!((page.counts.total, page.counts.additional), (1, 0));
        assert_eq!(queue_ids(&s, Default::default(), noon).await, vec![c]);
        // A receipt number finds its petition answered or not.
        let answered_no = petitions::get(&s.db, b).await.unwrap().receipt_no.unwrap();
        let by_number = petitions::QueueFilter { receipt_nos: Some(vec![answered_no]), ..Default::default() };
        assert_eq!(queue_ids(&s, by_number, noon).await, vec![b]);

        // A request needs a low rating: refused with 4, nothing changes.
        let before = petitions::get(&s.db, b).await.unwrap();
        let e = act(
            &s,
            b,
            Event::Rated { score: 4, comment: String::new(), more_wanted: true },
            noon,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, StoreError::Rule(ref r) if r.code == "additional_needs_low_rating"), "{e:?}");
        assert_eq!(petitions::get(&s.db, b).await.unwrap(), before);

        // Rated 2 with the request: back in the queue with its marker and count.
        let p = act(
            &s,
            a,
            Event::Rated { score: 2, comment: "설명이 부족합니다".into(), more_wanted: true },
            noon,
        )
        .await
        .unwrap();
        assert!(p.additional_requested);
        assert_eq!(p.state, State::Answered);
        let page = petitions::queue(&s.db, &queue_filter(Default::default()), noon).await.unwrap();
        assert_eq!((page.counts.total, page.counts.additional), (2, 1));
        assert_eq!(queue_ids(&s, Default::default(), noon).await, vec![c, a], "after the clocked ones");
        let only = petitions::QueueFilter { additional: true, ..Default::default() };
        assert_eq!(queue_ids(&s, only.clone(), noon).await, vec![a]);
        let receipt_order = petitions::QueueFilter {
            order: petitions::QueueOrder::Receipt,
            descending: true,
            ..Default::default()
        };
        assert_eq!(queue_ids(&s, receipt_order, noon).await, vec![c, a]);
        // Outside the department's reach it is neither listed nor counted; filters that only
        // open petitions meet leave it out.
        let elsewhere = petitions::QueueFilter { departments: Some(vec![s.other]), ..Default::default() };
        let page = petitions::queue(&s.db, &queue_filter(elsewhere), noon).await.unwrap();
        assert_eq!((page.counts.total, page.counts.additional), (0, 0));
        let overdue = petitions::QueueFilter { overdue: true, ..Default::default() };
        assert!(queue_ids(&s, overdue, noon).await.is_empty());
        assert!(petitions::verify(&s.db, a).await.unwrap(), "the copy equals the replay");

        // The additional answer settles it.
        let p = act(&s, a, answer("다시 살펴 이렇게 조치했습니다.", true), kst(23, 15, 0)).await.unwrap();
        assert!(!p.additional_requested);
        let page = petitions::queue(&s.db, &queue_filter(Default::default()), kst(23, 16, 0)).await.unwrap();
        assert_eq!((page.counts.total, page.counts.additional), (1, 0));
        assert!(queue_ids(&s, only, kst(23, 16, 0)).await.is_empty());
        assert!(petitions::verify(&s.db, a).await.unwrap());
    }
}

store::backend_tests! {
    /// Issue 16 item 9: the queue finds petitions by receipt number and by the masked name the
    /// pages show (column filled at intake and, for older rows, by the migration's own SQL),
    /// filters by each count tile and sorts by due moment or receipt order, both directions.
    #[tokio::test]
    async fn the_queue_finds_numbers_and_masked_names_and_sorts(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let s = setup(t.db.clone()).await;
        let mut ids = Vec::new();
        for (name, hour) in [("홍길동", 10), ("김철수", 11), ("김영수", 12), ("남궁민수", 13)] {
            let mut new = new_petition(&s, Channel::Counter, "민원", "내용");
            new.petitioner.name = name.into();
            ids.push(file(&s, &new, kst(23, hour, 0)).await.id);
        }
        let at = kst(24, 9, 30);
        let year = calendar::to_seoul(kst(23, 10, 0)).format("%Y").to_string();
        let second = petitions::get(&s.db, ids[1]).await.unwrap();
        assert_eq!(second.receipt_no.as_deref(), Some(format!("{year}-0000002").as_str()));
        let by_number = petitions::QueueFilter {
            receipt_nos: Some(vec![format!("{year}-0000002"), "2019-0000002".into()]),
            ..Default::default()
        };
        assert_eq!(queue_ids(&s, by_number, at).await, vec![ids[1]]);
        let masked = |m: &str| petitions::QueueFilter {
            petitioner_masked: Some(m.into()),
            ..Default::default()
        };
        assert_eq!(queue_ids(&s, masked("김*수"), at).await, vec![ids[1], ids[2]]);
        assert_eq!(queue_ids(&s, masked("남**수"), at).await, vec![ids[3]]);
        assert!(queue_ids(&s, masked("김*"), at).await.is_empty());

        // The migration's backfill gives the same masks as intake.
        let migration = if backend == "postgres" {
            include_str!("../../migrations/postgres/0018_pages_queue.sql")
        } else {
            include_str!("../../migrations/sqlite/0018_pages_queue.sql")
        };
        let start = migration.find("UPDATE petitions SET petitioner_masked").unwrap();
        let end = start + migration[start..].find(';').unwrap();
        store::execute!(&s.db, "UPDATE petitions SET petitioner_masked = ''").unwrap();
        store::execute!(&s.db, sqlx::AssertSqlSafe(migration[start..end].to_string())).unwrap();
        assert_eq!(queue_ids(&s, masked("김*수"), at).await, vec![ids[1], ids[2]]);
        assert_eq!(queue_ids(&s, masked("남**수"), at).await, vec![ids[3]]);
        assert_eq!(queue_ids(&s, masked("홍*동"), at).await, vec![ids[0]]);

        // Orders: due (default) and receipt, each both ways.
        let sorted = |order, descending| petitions::QueueFilter { order, descending, ..Default::default() };
        use petitions::QueueOrder::{Due, Receipt};
        let mut rev = ids.clone();
        rev.reverse();
        assert_eq!(queue_ids(&s, sorted(Due, false), at).await, ids);
        assert_eq!(queue_ids(&s, sorted(Due, true), at).await, rev);
        assert_eq!(queue_ids(&s, sorted(Receipt, false), at).await, ids);
        assert_eq!(queue_ids(&s, sorted(Receipt, true), at).await, rev);
        let second_page = petitions::QueueFilter { order: Receipt, descending: true, limit: 2, offset: 2, ..Default::default() };
        let page = petitions::queue(&s.db, &second_page, at).await.unwrap();
        let got: Vec<i64> = page.items.iter().map(|i| i.petition.id).collect();
        assert_eq!(got, vec![ids[1], ids[0]]);

        // The tiles' filters: paused, due soon.
        act(
            &s,
            ids[3],
            Event::PauseStarted { kind: domain::petitions::PauseKind::Hearing, reason: "의견 청취".into() },
            at,
        )
        .await
        .unwrap();
        let paused = petitions::QueueFilter { paused: true, ..Default::default() };
        assert_eq!(queue_ids(&s, paused, at).await, vec![ids[3]]);
        let page = petitions::queue(&s.db, &queue_filter(Default::default()), at).await.unwrap();
        assert_eq!(page.counts.paused, 1);
        // The question type's period is short: everything open is due within one working day
        // or not, and the filter agrees with the count.
        let soon = petitions::QueueFilter { due_soon: true, ..Default::default() };
        assert_eq!(queue_ids(&s, soon, at).await.len() as i64, page.counts.due_soon);
        let repeated = petitions::QueueFilter { repeated: true, ..Default::default() };
        assert_eq!(queue_ids(&s, repeated, at).await.len() as i64, page.counts.repeat_proposed);
    }
}
