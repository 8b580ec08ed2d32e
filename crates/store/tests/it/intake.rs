//! Issue 14 on both databases: counter intake records, the receipt clock of online petitions,
//! transfers on the clock, and the retention purge.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::petitions::intake::{IdentityCheck, IntakeRecord};
use domain::petitions::{Channel, Event, State};
use store::kit::blobs::{BlobLimits, BlobStore, LocalBlobStore};
use store::petitions::retention;
use store::petitions::search::{SearchIndex, SearchQuery};
use store::petitions::{self, NewPetition, Petitioner, PiiKey, TypeSpec};
use store::testing::{TempDir, TestDb, intake_for};
use store::{Db, StoreError, office::departments};

struct Setup {
    db: Db,
    desk: i64,
    build: i64,
    official: i64,
    general: i64,
    permit: i64,
    key: PiiKey,
}

/// 2026-11-d h:m in Seoul (November 2026: no holidays).
fn kst(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap() - Duration::hours(9)
}

async fn setup(db: Db) -> Setup {
    let now = store::now();
    let (mut tx, desk, build, official) = crate::fixtures::county(&db, "desk", now).await;
    let permit = petitions::create_type(
        &mut tx,
        &TypeSpec {
            code: "road-use".into(),
            name: "도로점용허가".into(),
            name_en: String::new(),
            kind: domain::petitions::Kind::Statutory,
            period: Some(calendar::Period::Days(5)),
            department_id: Some(build),
            description: String::new(),
            required_documents: vec!["점용 위치도".into(), "설계도".into()],
            fields: vec![],
            templates: vec![],
            requires_rrn: false,
            public: true,
            active: true,
            needs_approval: false,
            publishable: false,
        },
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let general = petitions::get_type_by_code(&db, "question-system")
        .await
        .unwrap();
    Setup {
        db,
        desk,
        build,
        official,
        general: general.id,
        permit: permit.id,
        key: PiiKey::generate().unwrap(),
    }
}

fn new_petition(type_id: i64, channel: Channel, title: &str) -> NewPetition {
    NewPetition {
        intake: intake_for(channel),
        type_id,
        channel,
        anonymous: false,
        petitioner_account_id: None,
        petitioner: Petitioner {
            name: "홍길동".into(),
            phone: "010-1234-5678".into(),
            ..Default::default()
        },
        title: title.into(),
        body: format!("{title} 내용"),
        location: String::new(),
        extra: Default::default(),
        idempotency_key: None,
        department_id: None,
    }
}

async fn file(
    s: &Setup,
    new: NewPetition,
    at: DateTime<Utc>,
) -> Result<petitions::Petition, StoreError> {
    crate::fixtures::file(&s.db, &s.key, new, at).await
}

async fn act(
    s: &Setup,
    id: i64,
    e: Event,
    at: DateTime<Utc>,
) -> Result<petitions::Petition, StoreError> {
    crate::fixtures::act(&s.db, s.official, id, e, at).await
}

fn code(e: StoreError) -> &'static str {
    match e {
        StoreError::Rule(r) => r.code,
        other => panic!("not a rule error: {other}"),
    }
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    let (n,): (i64,) = store::fetch_one!(db, _, sql).unwrap();
    n
}

store::backend_tests! {
    #[tokio::test]
    async fn counter_intake_records_identity_and_documents_or_refuses(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let s = setup(t.db.clone()).await;
        let at = kst(16, 10, 0);
        let before = count(&s.db, "SELECT COUNT(*) FROM petitions").await;
        // Missing identity check, wrong check for the channel, a document not seen: refused,
        // nothing written.
        let mut new = new_petition(s.permit, Channel::Counter, "도로 점용");
        new.intake = IntakeRecord::default();
        assert_eq!(
            code(file(&s, new.clone(), at).await.unwrap_err()),
            "missing_identity_check"
        );
        new.intake.identity_check = Some(IdentityCheck::PhoneCallback);
        assert_eq!(
            code(file(&s, new.clone(), at).await.unwrap_err()),
            "identity_check_not_for_channel"
        );
        new.intake.identity_check = Some(IdentityCheck::DriverLicense);
        new.intake.documents_checked = vec!["설계도".into()];
        assert_eq!(
            code(file(&s, new.clone(), at).await.unwrap_err()),
            "missing_document"
        );
        assert_eq!(count(&s.db, "SELECT COUNT(*) FROM petitions").await, before);
        // Complete: received at once, the record kept as checked (in the type's order).
        new.intake.documents_checked = vec!["설계도".into(), "점용 위치도".into()];
        let p = file(&s, new, at).await.unwrap();
        assert_eq!(p.state, State::Received);
        assert_eq!(p.channel, "counter");
        assert_eq!(p.intake.identity_check, Some(IdentityCheck::DriverLicense));
        assert_eq!(p.intake.documents_checked, vec!["점용 위치도", "설계도"]);
        let back = petitions::get(&s.db, p.id).await.unwrap();
        assert_eq!(back.intake, p.intake);
        // A visit needs an ID document too; by phone the documents come later.
        let mut visit = new_petition(s.permit, Channel::Visit, "방문 접수");
        visit.intake.documents_checked = vec!["점용 위치도".into(), "설계도".into()];
        assert_eq!(file(&s, visit, at).await.unwrap().channel, "visit");
        let phone = new_petition(s.permit, Channel::Phone, "전화 접수");
        assert!(
            file(&s, phone, at)
                .await
                .unwrap()
                .intake
                .documents_checked
                .is_empty()
        );
        // Online petitions carry no intake record.
        let mut web = new_petition(s.general, Channel::Web, "온라인");
        web.intake.identity_check = Some(IdentityCheck::IdCard);
        assert_eq!(
            code(file(&s, web, at).await.unwrap_err()),
            "intake_not_online"
        );
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn an_online_petition_is_on_the_receipt_clock_until_received(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let s = setup(t.db.clone()).await;
        let (cal, _) = petitions::work_calendar(&s.db).await.unwrap();
        // Arrives Monday 10:00: 8 working hours (lunch excluded) → Tuesday 10:00.
        let arrived = kst(16, 10, 0);
        let p = file(&s, new_petition(s.general, Channel::Web, "가로등"), arrived)
            .await
            .unwrap();
        assert_eq!(p.state, State::Arrived);
        assert_eq!(
            p.due_at, p.derived.receipt_due,
            "the due cache is the receipt limit"
        );
        assert_eq!(p.due_at, Some(kst(17, 10, 0)));
        // A counter petition due in 7 days sorts after it.
        let counter = file(
            &s,
            new_petition(s.general, Channel::Counter, "민원"),
            arrived,
        )
        .await
        .unwrap();
        // The expected answer: as if received at the latest legal moment (Tuesday 10:00).
        let expected = p.derived.expected_answer(&cal, arrived).unwrap().unwrap();
        let as_if = calendar::deadline(
            &cal,
            &calendar::DeadlineInput::new(kst(17, 10, 0), p.derived.period.unwrap()),
            arrived,
        )
        .unwrap();
        assert_eq!(expected, as_if);
        assert!(expected > counter.due_at.unwrap());

        // Wednesday: it is late in the queue, counted, first, and reminded once.
        let wed = kst(18, 11, 0);
        let page = petitions::queue(
            &s.db,
            &petitions::QueueFilter {
                limit: 10,
                ..Default::default()
            },
            wed,
        )
        .await
        .unwrap();
        assert_eq!(page.items[0].petition.id, p.id);
        assert_eq!(page.items[0].due, Some(kst(17, 10, 0)));
        assert!(page.items[0].working_minutes_left.unwrap() < 0);
        assert_eq!(page.counts.overdue, 1);
        let late = petitions::queue(
            &s.db,
            &petitions::QueueFilter {
                overdue: true,
                limit: 10,
                ..Default::default()
            },
            wed,
        )
        .await
        .unwrap();
        assert_eq!(late.items.len(), 1);
        let r = petitions::sweep(&s.db, wed).await.unwrap();
        assert_eq!(r.overdue, 1);
        assert_eq!(
            petitions::sweep(&s.db, wed).await.unwrap().overdue,
            0,
            "once"
        );
        let mails: Vec<(String, String)> = store::fetch_all!(&s.db, _, "SELECT recipient, subject FROM outbox ORDER BY id")
        .unwrap();
        assert!(
            mails
                .iter()
                .any(|(to, subj)| to == "kim@example.kr" && subj.contains("접수기한")),
            "{mails:?}"
        );
        // Received: the statutory clock replaces the receipt limit.
        let received = act(
            &s,
            p.id,
            Event::Received {
                receipt_no: String::new(),
            },
            wed,
        )
        .await
        .unwrap();
        assert_eq!(received.due_at, received.derived.due(&cal, wed).unwrap());
        assert_ne!(received.due_at, Some(kst(17, 10, 0)));
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn transfers_have_their_limits_and_late_ones_show(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let s = setup(t.db.clone()).await;
        let at = kst(16, 10, 0);
        // In the office: 1 working hour; done after two, it is late.
        let p = file(&s, new_petition(s.general, Channel::Counter, "이송 1"), at)
            .await
            .unwrap();
        let moved = act(
            &s,
            p.id,
            Event::Transferred {
                to: s.build,
                far_or_misassigned: false,
                reason: "소관".into(),
                due: at,
            },
            kst(16, 12, 0),
        )
        .await
        .unwrap();
        let tr = &moved.derived.transfers[0];
        assert_eq!(
            (tr.limit_hours, tr.due, tr.on_time),
            (1, kst(16, 11, 0), false)
        );
        assert_eq!(moved.derived.late_transfers(), 1);
        // A department away from the main office: 3 working hours, so two is on time.
        let mut tx = s.db.begin().await.unwrap();
        petitions::set_department_remote(&mut tx, s.build, true)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(petitions::department_remote(&s.db, s.build).await.unwrap());
        let q = file(&s, new_petition(s.general, Channel::Counter, "이송 2"), at)
            .await
            .unwrap();
        let far = act(
            &s,
            q.id,
            Event::Transferred {
                to: s.build,
                far_or_misassigned: false,
                reason: "읍사무소 소관".into(),
                due: at,
            },
            kst(16, 12, 0),
        )
        .await
        .unwrap();
        let tr = &far.derived.transfers[0];
        assert_eq!(
            (tr.limit_hours, tr.due, tr.on_time),
            (3, kst(16, 14, 0), true)
        );
        // To another agency: 8 working hours from receipt, the petitioner told.
        let r = file(&s, new_petition(s.general, Channel::Counter, "이송 3"), at)
            .await
            .unwrap();
        let out = act(
            &s,
            r.id,
            Event::TransferredOut {
                agency: "경기도청".into(),
                reason: "도 소관".into(),
                due: None,
            },
            kst(17, 11, 0),
        )
        .await
        .unwrap();
        let a = out.derived.agency_transfer.clone().unwrap();
        assert_eq!(
            (a.limit_hours, a.due, a.on_time),
            (8, kst(17, 10, 0), false)
        );
        assert_eq!(out.state, State::TransferredOut);
        assert!(
            petitions::verify(&s.db, r.id).await.unwrap(),
            "replay agrees"
        );
        let told: i64 = store::fetch_one!(&s.db, (i64,), "SELECT COUNT(*) FROM outbox WHERE body LIKE '%경기도청%'")
        .unwrap()
        .0;
        assert!(told > 0, "the petitioner is told");
        // A retired department takes no transfer.
        let mut tx = s.db.begin().await.unwrap();
        departments::update(
            &mut tx,
            s.desk,
            &departments::DepartmentChange {
                name: "desk",
                name_en: "",
                parent_id: None,
                active: false,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let back = act(
            &s,
            far.id,
            Event::Transferred {
                to: s.desk,
                far_or_misassigned: false,
                reason: "되돌림".into(),
                due: at,
            },
            kst(16, 15, 0),
        )
        .await
        .unwrap_err();
        assert_eq!(code(back), "department_retired");
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn retention_deletes_files_keeps_statistics_and_logs_each_deletion(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let s = setup(t.db.clone()).await;
        let dir = TempDir::new("minwon-retention").unwrap();
        let blobs = LocalBlobStore::new(&dir.0).unwrap();
        let (cal, _) = petitions::work_calendar(&s.db).await.unwrap();
        // Answered and closed in November 2026: kept until 1 January 2037.
        let at = kst(16, 10, 0);
        let old = file(
            &s,
            new_petition(s.general, Channel::Counter, "오래된 민원"),
            at,
        )
        .await
        .unwrap();
        let blob = blobs
            .put(
                Box::pin(std::io::Cursor::new(b"%PDF-1.4 scan".to_vec())),
                &BlobLimits::default(),
            )
            .await
            .unwrap();
        let mut tx = s.db.begin().await.unwrap();
        petitions::add_attachment(&mut tx, old.id, &blob, "scan.pdf", None, &cal, at)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        for e in [
            Event::Answered {
                text: "답변".into(),
                template: None,
                additional: false,
            },
            Event::Closed {
                reason: "완료".into(),
            },
        ] {
            act(&s, old.id, e, kst(16, 11, 0)).await.unwrap();
        }
        // Still open: never deleted, however old.
        let open = file(
            &s,
            new_petition(s.general, Channel::Counter, "열린 민원"),
            at,
        )
        .await
        .unwrap();
        let index = SearchIndex::open(None).unwrap();
        index.rebuild(&s.db).await.unwrap();
        let found = |text: &'static str| {
            let (index, db) = (&index, &s.db);
            async move {
                index
                    .search(
                        db,
                        &SearchQuery {
                            text: text.into(),
                            limit: 5,
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap()
                    .total
            }
        };
        assert_eq!(found("오래된").await, 1);

        // On 31 December 2036 nothing is due; on 1 January 2037 (Seoul) it is.
        let eve = Utc.with_ymd_and_hms(2036, 12, 31, 14, 0, 0).unwrap();
        assert!(
            retention::expired(&s.db, eve, 100)
                .await
                .unwrap()
                .is_empty()
        );
        let day = Utc.with_ymd_and_hms(2036, 12, 31, 15, 0, 0).unwrap();
        let dry = retention::purge(&s.db, Some(&blobs), day, true, None, "test")
            .await
            .unwrap();
        assert_eq!(dry.petitions.len(), 1);
        assert_eq!(dry.petitions[0].id, old.id);
        assert!(
            petitions::get(&s.db, old.id).await.is_ok(),
            "a dry run deletes nothing"
        );

        let r = retention::purge(
            &s.db,
            Some(&blobs),
            day,
            false,
            Some(s.official),
            "10.0.0.1",
        )
        .await
        .unwrap();
        assert_eq!((r.petitions.len(), r.attachments_deleted), (1, 1));
        assert!(matches!(
            petitions::get(&s.db, old.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(blobs.open(&blob.sha256).await.is_err(), "the scan is gone");
        for sql in [
            "SELECT COUNT(*) FROM petition_events WHERE petition_id NOT IN (SELECT id FROM petitions)",
            "SELECT COUNT(*) FROM petition_attachments WHERE petition_id NOT IN (SELECT id FROM petitions)",
        ] {
            assert_eq!(count(&s.db, sql).await, 0, "{sql}");
        }
        assert!(petitions::get(&s.db, open.id).await.is_ok());
        assert_eq!(found("오래된").await, 0, "out of the search index");
        let stats = retention::statistics(&s.db).await.unwrap();
        assert_eq!(stats.len(), 1);
        assert_eq!(
            (
                stats[0].month.as_str(),
                stats[0].type_id,
                stats[0].department_id,
                stats[0].petitions,
                stats[0].on_time
            ),
            ("2026-11", s.general, s.desk, 1, 1)
        );
        let log = store::office::audit::list(
            &s.db,
            &store::office::audit::AuditQuery {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let purges: Vec<_> = log
            .iter()
            .filter(|e| e.action == "petition.purge")
            .collect();
        assert_eq!(purges.len(), 1);
        assert_eq!(purges[0].account_id, Some(s.official));
        assert_eq!(
            store::office::audit::verify(&s.db).await.unwrap(),
            store::office::audit::Verification::Intact {
                entries: u64::try_from(log.len()).unwrap()
            }
        );
        // Twice is harmless, and says what happened before.
        let again = retention::purge(&s.db, Some(&blobs), day, false, None, "test")
            .await
            .unwrap();
        assert!(again.petitions.is_empty());
        assert_eq!(again.purged_before, 1);
        // The timeline of a kept petition stays append-only.
        let refused: Result<u64, _> = store::execute!(&s.db, "DELETE FROM petition_events WHERE petition_id = $1", open.id);
        assert!(refused.is_err());
        // A type may keep its files longer.
        let mut tx = s.db.begin().await.unwrap();
        retention::set_type_years(&mut tx, s.general, Some(30))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(retention::set_office_years(&s.db, 0, day).await.is_err());
    }
}
