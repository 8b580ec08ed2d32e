//! Storage stories, run on SQLite and (with MINWON_TEST_POSTGRES_URL) on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};
use domain::office::accounts::Role;
use domain::office::audit::{AuditRecord, ChainBreak};
use store::office::audit::Verification;
use store::testing::TestDb;
use store::{
    StoreError, kit::outbox, kit::secrets, office::accounts, office::audit, office::departments,
};

fn record(subject: &str, n: i64) -> AuditRecord {
    AuditRecord {
        at: Utc.with_ymd_and_hms(2026, 11, 24, 1, 2, 3).unwrap() + Duration::microseconds(n),
        account_id: Some(n),
        address: "127.0.0.1".into(),
        subject: subject.into(),
        action: "account.read".into(),
        reason: "민원 처리".into(),
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn org_chart_and_accounts(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let now = store::now();
        let mut tx = db.begin().await.unwrap();
        let office = departments::create(
            &mut tx,
            &departments::NewDepartment {
                code: "county",
                name: "예시군청",
                name_en: "County office",
                parent_code: None,
            },
            now,
        )
        .await
        .unwrap();
        let civil = departments::create(
            &mut tx,
            &departments::NewDepartment {
                code: "civil",
                name: "민원과",
                name_en: "Civil affairs",
                parent_code: Some("county"),
            },
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(civil.parent_id, Some(office.id));
        let chart = departments::org_chart(&db).await.unwrap();
        assert!(chart.is_within(civil.id, office.id));

        // Duplicate code and unknown parent are clear conflicts.
        let mut tx = db.begin().await.unwrap();
        let dup = departments::create(
            &mut tx,
            &departments::NewDepartment {
                code: "civil",
                name: "x",
                name_en: "",
                parent_code: None,
            },
            now,
        )
        .await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        let orphan = departments::create(
            &mut tx,
            &departments::NewDepartment {
                code: "lost",
                name: "x",
                name_en: "",
                parent_code: Some("nowhere"),
            },
            now,
        )
        .await;
        assert!(matches!(orphan, Err(StoreError::Conflict(_))));
        drop(tx);

        let hash = secrets::hash_password("demo-pass-1234").unwrap();
        let mut tx = db.begin().await.unwrap();
        let kim = accounts::create(
            &mut tx,
            &accounts::NewAccount {
                username: "kim",
                display_name: "김민원",
                email: "kim@example.kr",
                phone: "010-1234-5678",
                role: Role::Official,
                department_id: Some(civil.id),
                password_hash: &hash,
            },
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(accounts::get(&db, kim.id).await.unwrap(), kim);
        let (found, stored) = accounts::find_for_login(&db, "kim").await.unwrap().unwrap();
        assert_eq!(found.id, kim.id);
        assert!(secrets::verify_password("demo-pass-1234", &stored));
        assert_eq!(
            accounts::list(&db, Some(&[office.id])).await.unwrap().len(),
            0
        );
        assert_eq!(
            accounts::list(&db, Some(&[civil.id])).await.unwrap().len(),
            1
        );

        // Sessions expire, and a password reset ends them.
        let token = accounts::create_session(&db, kim.id, "127.0.0.1", Duration::hours(8), now)
            .await
            .unwrap();
        assert!(
            accounts::find_session(&db, &token, now)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            accounts::find_session(&db, &token, now + Duration::hours(9))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            accounts::find_session(&db, "forged", now)
                .await
                .unwrap()
                .is_none()
        );
        let mut tx = db.begin().await.unwrap();
        let (_, api) =
            accounts::create_api_token(&mut tx, kim.id, "script", Duration::days(30), now)
                .await
                .unwrap();
        accounts::set_password(
            &mut tx,
            kim.id,
            &secrets::hash_password("new-pass-5678").unwrap(),
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(
            accounts::find_session(&db, &token, now)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            accounts::find_api_token(&db, &api, now)
                .await
                .unwrap()
                .is_none()
        );
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn login_throttling_counts_failures_since_last_success(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let t0 = store::now();
        for i in 0..accounts::MAX_FAILURES_PER_USERNAME {
            assert!(
                accounts::login_allowed(&db, "lee", "10.0.0.1", t0)
                    .await
                    .unwrap()
            );
            accounts::record_login_attempt(
                &db,
                "lee",
                "10.0.0.1",
                false,
                t0 + Duration::seconds(i),
            )
            .await
            .unwrap();
        }
        let later = t0 + Duration::seconds(30);
        assert!(
            !accounts::login_allowed(&db, "lee", "10.0.0.1", later)
                .await
                .unwrap()
        );
        // Other usernames from elsewhere are unaffected; the lock lifts after the window.
        assert!(
            accounts::login_allowed(&db, "park", "10.0.0.2", later)
                .await
                .unwrap()
        );
        let after = t0 + Duration::minutes(accounts::THROTTLE_WINDOW_MINUTES + 1);
        assert!(
            accounts::login_allowed(&db, "lee", "10.0.0.1", after)
                .await
                .unwrap()
        );
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn audit_chain_detects_deletion_and_forbids_update(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        for n in 1..=20 {
            audit::record(&db, &record(&format!("account:{n}"), n))
                .await
                .unwrap();
        }
        assert_eq!(
            audit::verify(&db).await.unwrap(),
            Verification::Intact { entries: 20 }
        );
        let newest = audit::list(
            &db,
            &audit::AuditQuery {
                limit: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(newest.len(), 5);
        assert_eq!(newest[0].seq, 20);
        let one = audit::list(
            &db,
            &audit::AuditQuery {
                subject: Some("account:7".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].reason, "민원 처리");

        // The database itself refuses edits.
        let edit = store::execute!(&db, "UPDATE audit_log SET reason = 'x' WHERE seq = 3");
        assert!(edit.is_err());

        // Deleting a row (as someone with direct database access might) is found.
        store::execute!(&db, "DELETE FROM audit_log WHERE seq = 9")
        .unwrap();
        assert_eq!(
            audit::verify(&db).await.unwrap(),
            Verification::Broken(ChainBreak::Gap {
                expected: 9,
                found: 10
            })
        );
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn audit_chain_detects_truncation_and_survives_pruning(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        for n in 1..=10 {
            audit::record(&db, &record("account:1", n * 1_000_000))
                .await
                .unwrap();
        }
        // Prune the first 4 (older than second 5): the chain restarts from the checkpoint.
        let cutoff = Utc.with_ymd_and_hms(2026, 11, 24, 1, 2, 3).unwrap() + Duration::seconds(5);
        assert_eq!(audit::prune(&db, cutoff).await.unwrap(), 4);
        assert_eq!(
            audit::verify(&db).await.unwrap(),
            Verification::Intact { entries: 6 }
        );
        store::execute!(&db, "DELETE FROM audit_log WHERE seq = 10")
        .unwrap();
        assert_eq!(
            audit::verify(&db).await.unwrap(),
            Verification::Broken(ChainBreak::Truncated {
                last_seq: 9,
                head_seq: 10
            })
        );
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn audit_appends_from_many_tasks_form_one_chain(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let mut tasks = Vec::new();
        for n in 0..40 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                audit::record(&db, &record("account:9", n)).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(
            audit::verify(&db).await.unwrap(),
            Verification::Intact { entries: 40 }
        );
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn outbox_claims_retries_and_gives_up(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let now = store::now();
        let mut tx = db.begin().await.unwrap();
        let id = outbox::enqueue(
            &mut tx,
            outbox::Channel::Email,
            "a@example.kr",
            "제목",
            "본문",
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // An uncommitted enqueue leaves nothing behind.
        let mut tx = db.begin().await.unwrap();
        outbox::enqueue(&mut tx, outbox::Channel::Sms, "010", "x", "y", now)
            .await
            .unwrap();
        drop(tx);

        let claimed = outbox::claim_due(&db, now, 10, Duration::minutes(5))
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].id, id);
        // Leased: a second worker gets nothing until the lease ends.
        assert!(
            outbox::claim_due(&db, now, 10, Duration::minutes(5))
                .await
                .unwrap()
                .is_empty()
        );
        let mut msg = claimed[0].clone();
        for attempt in 0..outbox::MAX_ATTEMPTS {
            outbox::mark_failed(&db, &msg, "connection refused", now)
                .await
                .unwrap();
            msg = outbox::get(&db, id).await.unwrap();
            assert_eq!(msg.attempts, attempt + 1);
        }
        assert_eq!(msg.status, "failed");
        assert!(
            outbox::claim_due(&db, now + Duration::days(1), 10, Duration::minutes(5))
                .await
                .unwrap()
                .is_empty()
        );
    }
}

store::backend_tests! {
    /// Group commit: many callers at once share transactions; each caller's refused work rolls
    /// back alone (its savepoint), everything else commits, and every caller hears its own result.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_keeps_each_callers_work_apart(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let group = store::kit::group_commit::GroupCommit::start(db.clone());
        // Alone in its batch, a refused caller rolls back the whole (its own) transaction.
        let lone = group
            .run(|tx| {
                Box::pin(async move {
                    store::execute!(tx, "INSERT INTO settings (key, value, updated_at) VALUES ('gc.lone', 'x', '2026-11-25')")?;
                    Err::<(), _>(StoreError::conflict("거부", "refused"))
                })
            })
            .await;
        assert!(matches!(lone, Err(StoreError::Conflict(_))));
        let mut calls = Vec::new();
        for i in 0..60i64 {
            let group = group.clone();
            calls.push(tokio::spawn(async move {
                group
                    .run(move |tx| {
                        Box::pin(async move {
                            let key = format!("gc.{i}");
                            store::execute!(tx, "INSERT INTO settings (key, value, updated_at) VALUES ($1, 'x', '2026-11-25')", &key)?;
                            // Every third caller then breaks a rule: its insert must vanish.
                            if i % 3 == 0 {
                                store::execute!(tx, "INSERT INTO settings (key, value, updated_at) VALUES ($1, 'y', '2026-11-25')", &key)?;
                            }
                            Ok(i)
                        })
                    })
                    .await
            }));
        }
        for (i, call) in calls.into_iter().enumerate() {
            let result = call.await.unwrap();
            if i % 3 == 0 {
                assert!(matches!(result, Err(StoreError::Database(_))), "{result:?}");
            } else {
                assert_eq!(result.unwrap(), i as i64);
            }
        }
        let (n,): (i64,) = store::fetch_one!(&db, _, "SELECT COUNT(*) FROM settings WHERE key LIKE 'gc.%'")
        .unwrap();
        assert_eq!(n, 40, "the 20 refused callers left nothing behind");
    }
}
