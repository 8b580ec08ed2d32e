//! Wellbeing storage stories, run on SQLite and (with MINWON_TEST_POSTGRES_URL) on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};
use domain::office::accounts::Role;
use domain::wellbeing::{
    InvitationReason, PlanInput, ReferralKind, ReferralStatus, SharePurpose, battery,
};
use store::testing::TestDb;
use store::wellbeing as sw;
use store::{Db, StoreError, kit::outbox};

struct People {
    dept: i64,
    kim: i64,
    lee: i64,
    counsel: i64,
    counsel2: i64,
}

async fn seed(db: &Db) -> People {
    let (dept, ids) = crate::fixtures::civil_staff(
        db,
        &[
            ("kim", Role::Official),
            ("lee", Role::Official),
            ("counsel", Role::Counsellor),
            ("counsel2", Role::Counsellor),
        ],
    )
    .await;
    People {
        dept,
        kim: ids[0],
        lee: ids[1],
        counsel: ids[2],
        counsel2: ids[3],
    }
}

fn all(id: &str, v: i64) -> Vec<Option<i64>> {
    vec![Some(v); battery().unwrap().get(id).unwrap().items.len()]
}

async fn count(db: &Db, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let (n,) = store::fetch_one!(db, (i64,), sqlx::AssertSqlSafe(sql)).unwrap();
    n
}

/// Consent, then answer the whole battery (`phq9` with the given answers).
async fn complete_check(db: &Db, who: i64, dept: i64, phq: &[Option<i64>]) -> i64 {
    let b = battery().unwrap();
    let now = store::now();
    let mut tx = db.begin().await.unwrap();
    sw::give_consent(&mut tx, who, now).await.unwrap();
    let (id, _) = sw::start_check(&mut tx, who, Some(dept), now)
        .await
        .unwrap();
    sw::submit(&mut tx, id, b, "phq9", phq, now).await.unwrap();
    for i in ["gad7", "pss10", "cbi_client"] {
        let v = if i == "cbi_client" { 50 } else { 1 };
        sw::submit(&mut tx, id, b, i, &all(i, v), now)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    id
}

store::backend_tests! {
    #[tokio::test]
    async fn a_check_from_consent_to_results(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let p = seed(&db).await;
        let b = battery().unwrap();
        let now = store::now();

        // No consent, no check.
        let mut tx = db.begin().await.unwrap();
        let e = sw::start_check(&mut tx, p.kim, Some(p.dept), now).await;
        assert!(
            matches!(&e, Err(StoreError::Rule(r)) if r.code == "consent_required"),
            "{e:?}"
        );
        drop(tx);

        let mut tx = db.begin().await.unwrap();
        sw::give_consent(&mut tx, p.kim, now).await.unwrap();
        let (id, created) = sw::start_check(&mut tx, p.kim, Some(p.dept), now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(created);
        assert!(sw::consent(&db, p.kim).await.unwrap().unwrap().is_active());

        // Bad answers: nothing is written.
        for (inst, answers, code) in [
            ("phq9", vec![Some(0); 8], "missing_answers"),
            ("phq9", vec![Some(4); 9], "answer_out_of_range"),
            ("nope", vec![Some(0); 9], "unknown_instrument"),
        ] {
            let mut tx = db.begin().await.unwrap();
            let e = sw::submit(&mut tx, id, b, inst, &answers, now).await;
            assert!(
                matches!(&e, Err(StoreError::Rule(r)) if r.code == code),
                "{e:?}"
            );
        }
        assert_eq!(count(&db, "wellbeing_responses").await, 0);

        // PHQ-9 with item 9 = 1: the crisis gate opens whatever the total.
        let mut phq = all("phq9", 0);
        phq[8] = Some(1);
        let mut tx = db.begin().await.unwrap();
        let done = sw::submit(&mut tx, id, b, "phq9", &phq, now).await.unwrap();
        tx.commit().await.unwrap();
        assert!(done.crisis && !done.completed);
        assert_eq!(done.result.band.key, "minimal");

        // A second answer to the same instrument is refused, and the first stays.
        let mut tx = db.begin().await.unwrap();
        let e = sw::submit(&mut tx, id, b, "phq9", &all("phq9", 3), now).await;
        assert!(matches!(e, Err(StoreError::Conflict(_))), "{e:?}");
        drop(tx);

        // Pause: starting again resumes the same check at the next instrument.
        let mut tx = db.begin().await.unwrap();
        let (again, created) = sw::start_check(&mut tx, p.kim, Some(p.dept), now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!((again, created), (id, false));
        let check = sw::get_check(&db, id).await.unwrap();
        assert_eq!(check.next_instrument(b).unwrap().id, "gad7");
        assert!(check.crisis);

        let mut tx = db.begin().await.unwrap();
        sw::submit(&mut tx, id, b, "gad7", &all("gad7", 1), now)
            .await
            .unwrap();
        sw::submit(&mut tx, id, b, "pss10", &all("pss10", 0), now)
            .await
            .unwrap();
        let last = sw::submit(&mut tx, id, b, "cbi_client", &all("cbi_client", 75), now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(last.completed);
        let check = sw::get_check(&db, id).await.unwrap();
        assert_eq!(check.completed_at, Some(now));
        let results = check.results(b);
        let scores: Vec<(String, String)> = results
            .iter()
            .map(|r| (r.instrument.clone(), r.score_display.clone()))
            .collect();
        assert_eq!(
            scores,
            [
                ("phq9".to_string(), "1".to_string()),
                ("gad7".into(), "7".into()),
                ("pss10".into(), "16".into()),
                ("cbi_client".into(), "75.0".into())
            ]
        );
        // A finished check takes no more answers.
        let mut tx = db.begin().await.unwrap();
        let e = sw::submit(&mut tx, id, b, "gad7", &all("gad7", 1), now).await;
        assert!(matches!(e, Err(StoreError::Conflict(_))));
        drop(tx);

        // The next start is a new check; the list is newest first.
        let later = now + Duration::days(90);
        let mut tx = db.begin().await.unwrap();
        let (second, created) = sw::start_check(&mut tx, p.kim, Some(p.dept), later)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(created && second != id);
        let list = sw::list_checks(&db, p.kim).await.unwrap();
        assert_eq!(list.iter().map(|c| c.id).collect::<Vec<_>>(), [second, id]);

        // Withdrawn consent stops new checks.
        let mut tx = db.begin().await.unwrap();
        sw::withdraw_consent(&mut tx, p.lee, now).await.unwrap_err();
        sw::withdraw_consent(&mut tx, p.kim, now).await.unwrap();
        tx.commit().await.unwrap();
        assert!(!sw::consent(&db, p.kim).await.unwrap().unwrap().is_active());
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn shares_are_per_counsellor_and_purpose_and_revocable(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let p = seed(&db).await;
        let b = battery().unwrap();
        let now = store::now();
        // Not before the result has been seen (check unfinished).
        let mut tx = db.begin().await.unwrap();
        sw::give_consent(&mut tx, p.kim, now).await.unwrap();
        let (open, _) = sw::start_check(&mut tx, p.kim, Some(p.dept), now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let unfinished = sw::get_check(&db, open).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let e = sw::share(
            &mut tx,
            &unfinished,
            p.counsel,
            SharePurpose::Counselling,
            now,
        )
        .await;
        assert!(matches!(e, Err(StoreError::Conflict(_))), "{e:?}");
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        for i in &b.instruments {
            let v = i.option_sets.values().next().unwrap()[0].value;
            sw::submit(&mut tx, open, b, &i.id, &vec![Some(v); i.items.len()], now)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let check = sw::get_check(&db, open).await.unwrap();

        // Only with a counsellor.
        let mut tx = db.begin().await.unwrap();
        let e = sw::share(&mut tx, &check, p.lee, SharePurpose::Counselling, now).await;
        assert!(matches!(&e, Err(StoreError::Rule(r)) if r.code == "not_a_counsellor"));
        drop(tx);

        let mut tx = db.begin().await.unwrap();
        let s1 = sw::share(&mut tx, &check, p.counsel, SharePurpose::Counselling, now)
            .await
            .unwrap();
        sw::share(
            &mut tx,
            &check,
            p.counsel,
            SharePurpose::HealingProgram,
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let dup = sw::share(&mut tx, &check, p.counsel, SharePurpose::Counselling, now).await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))));
        drop(tx);
        assert_eq!(
            sw::readers_of_check(&db, open).await.unwrap(),
            [p.counsel, p.counsel]
        );
        assert_eq!(sw::shares_to(&db, p.counsel).await.unwrap().len(), 2);
        assert!(sw::shares_to(&db, p.counsel2).await.unwrap().is_empty());

        // Only the owner revokes, once.
        let mut tx = db.begin().await.unwrap();
        let e = sw::revoke_share(&mut tx, s1, p.lee, now).await;
        assert!(matches!(e, Err(StoreError::NotFound)));
        sw::revoke_share(&mut tx, s1, p.kim, now).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        assert!(matches!(
            sw::revoke_share(&mut tx, s1, p.kim, now).await,
            Err(StoreError::NotFound)
        ));
        drop(tx);
        let shares = sw::shares_of_check(&db, open).await.unwrap();
        assert_eq!(shares.len(), 2);
        assert_eq!(shares[0].revoked_at, Some(now));
        assert_eq!(shares[0].counsellor_name, "counsel");
        // Revoked for one purpose, still shared for the other; a new share is allowed again.
        assert_eq!(sw::readers_of_check(&db, open).await.unwrap(), [p.counsel]);
        let mut tx = db.begin().await.unwrap();
        sw::share(&mut tx, &check, p.counsel, SharePurpose::Counselling, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        // Deleting the check takes its answers and shares with it.
        let mut tx = db.begin().await.unwrap();
        sw::delete_check(&mut tx, open).await.unwrap();
        tx.commit().await.unwrap();
        assert!(matches!(
            sw::get_check(&db, open).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(count(&db, "wellbeing_shares").await, 0);
        assert_eq!(count(&db, "wellbeing_responses").await, 0);
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn referrals_plans_reminders_and_invitations(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let p = seed(&db).await;
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap(); // Tue 10:00 KST

        // Referrals: to one counsellor, or to all of them.
        let mut tx = db.begin().await.unwrap();
        let named = sw::create_referral(
            &mut tx,
            p.kim,
            ReferralKind::Counselling,
            Some(p.counsel),
            "",
            now,
        )
        .await
        .unwrap();
        let any = sw::create_referral(
            &mut tx,
            p.lee,
            ReferralKind::HealingProgram,
            None,
            " 주말 선호 ",
            now,
        )
        .await
        .unwrap();
        let e = sw::create_referral(
            &mut tx,
            p.kim,
            ReferralKind::Counselling,
            Some(p.lee),
            "",
            now,
        )
        .await;
        assert!(matches!(&e, Err(StoreError::Rule(r)) if r.code == "not_a_counsellor"));
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let e = sw::create_referral(
            &mut tx,
            p.kim,
            ReferralKind::Counselling,
            None,
            &"가".repeat(1001),
            now,
        )
        .await;
        assert!(matches!(&e, Err(StoreError::Rule(r)) if r.code == "note_too_long"));
        drop(tx);
        let to_counsel: Vec<i64> = sw::referrals_for(&db, p.counsel)
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        let to_counsel2: Vec<i64> = sw::referrals_for(&db, p.counsel2)
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(to_counsel.len(), 2);
        assert_eq!(to_counsel2, [any]);
        let r = sw::get_referral(&db, any).await.unwrap();
        assert_eq!(r.message, "주말 선호");
        let mut readers = sw::readers_of_referral(&db, &r).await.unwrap();
        readers.sort();
        assert_eq!(readers, [p.counsel, p.counsel2]);
        let mut tx = db.begin().await.unwrap();
        sw::set_referral_status(&mut tx, named, ReferralStatus::Acknowledged, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            sw::get_referral(&db, named).await.unwrap().status,
            "acknowledged"
        );

        // The plan: check-in needs a plan; the reminder goes out weekly through the outbox.
        let mut tx = db.begin().await.unwrap();
        let e = sw::add_checkin(&mut tx, p.kim, 0, 3, "", now).await;
        assert!(matches!(e, Err(StoreError::Conflict(_))));
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        sw::save_plan(
            &mut tx,
            p.kim,
            &PlanInput {
                goals: vec!["잠 7시간".into()],
                actions: vec!["점심 산책".into(), "퇴근 후 스트레칭".into()],
                reminder_weekday: Some(0),
                reminder_hour: Some(9),
            },
            now,
        )
        .await
        .unwrap();
        sw::add_checkin(&mut tx, p.kim, 2, 4, "좋았음", now)
            .await
            .unwrap();
        let e = sw::add_checkin(&mut tx, p.kim, 3, 4, "", now).await;
        assert!(matches!(&e, Err(StoreError::Rule(r)) if r.code == "checkin_actions"));
        tx.commit().await.unwrap();
        let plan = sw::plan(&db, p.kim).await.unwrap().unwrap();
        assert_eq!(plan.actions.len(), 2);
        assert_eq!(plan.checkins.len(), 1);
        let monday = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        assert_eq!(plan.next_reminder_at, Some(monday));
        assert!(sw::plan(&db, p.lee).await.unwrap().is_none());

        assert_eq!(sw::queue_due_reminders(&db, now).await.unwrap(), 0);
        assert_eq!(sw::queue_due_reminders(&db, monday).await.unwrap(), 1);
        assert_eq!(
            sw::queue_due_reminders(&db, monday).await.unwrap(),
            0,
            "sent once"
        );
        let plan = sw::plan(&db, p.kim).await.unwrap().unwrap();
        assert_eq!(plan.next_reminder_at, Some(monday + Duration::days(7)));
        let claimed = outbox::claim_due(&db, monday, 10, Duration::minutes(5))
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].recipient, "kim@example.kr");
        // The reminder says nothing about results.
        assert!(!claimed[0].body.contains("PHQ") && !claimed[0].body.contains("점수"));

        // Invitations: one open per reason; dismissed ones disappear.
        let mut tx = db.begin().await.unwrap();
        let i1 = sw::invite(&mut tx, p.kim, InvitationReason::RepeatedIncidents, now)
            .await
            .unwrap();
        let i2 = sw::invite(&mut tx, p.kim, InvitationReason::RepeatedIncidents, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(i1, i2);
        assert_eq!(sw::invitations(&db, p.kim).await.unwrap().len(), 1);
        assert!(sw::invitations(&db, p.lee).await.unwrap().is_empty());
        let mut tx = db.begin().await.unwrap();
        assert!(matches!(
            sw::dismiss_invitation(&mut tx, i1, p.lee, now).await,
            Err(StoreError::NotFound)
        ));
        sw::dismiss_invitation(&mut tx, i1, p.kim, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(sw::invitations(&db, p.kim).await.unwrap().is_empty());

        // Deletion on request takes everything of the official, nothing of others.
        let mut tx = db.begin().await.unwrap();
        let n = sw::delete_all(&mut tx, p.kim).await.unwrap();
        tx.commit().await.unwrap();
        assert!(n >= 4, "{n}");
        assert!(sw::plan(&db, p.kim).await.unwrap().is_none());
        assert!(sw::referrals_of(&db, p.kim).await.unwrap().is_empty());
        assert_eq!(sw::referrals_of(&db, p.lee).await.unwrap().len(), 1);
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn purge_after_five_years_and_report_inputs(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let p = seed(&db).await;
        let old = complete_check(&db, p.kim, p.dept, &all("phq9", 1)).await;
        let recent = complete_check(&db, p.lee, p.dept, &all("phq9", 3)).await;
        // Age kim's check, consent and a share by moving their dates back six years.
        let six_years_ago = store::now() - Duration::days(6 * 366);
        let check = sw::get_check(&db, old).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        sw::share(&mut tx, &check, p.counsel, SharePurpose::Counselling, six_years_ago)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        for sql in [
            "UPDATE wellbeing_checks SET started_at = $1, completed_at = $1 WHERE id = $2",
            "UPDATE wellbeing_consents SET given_at = $1 WHERE account_id = (SELECT account_id FROM wellbeing_checks WHERE id = $2)",
        ] {
            store::execute!(&db, sql, six_years_ago, old).unwrap();
        }
        let year = sw::current_year(store::now());
        let (depts, respondents) = sw::report_inputs(&db, year).await.unwrap();
        assert_eq!(depts.len(), 1);
        assert_eq!(depts[0].headcount, 4);
        assert_eq!(respondents.len(), 1, "only lee's check is this year");
        assert_eq!(respondents[0].bands["phq9"], "severe");
        assert_eq!(respondents[0].department, Some(p.dept));

        let purged = sw::purge(&db, store::now()).await.unwrap();
        // One share, four answers, one check, one consent.
        assert!(purged >= 7, "{purged}");
        assert!(matches!(sw::get_check(&db, old).await, Err(StoreError::NotFound)));
        assert!(sw::consent(&db, p.kim).await.unwrap().is_none());
        assert!(sw::get_check(&db, recent).await.is_ok());
        assert!(sw::consent(&db, p.lee).await.unwrap().is_some());
        assert_eq!(count(&db, "wellbeing_shares").await, 0);
        // Nothing left to purge.
        let (again, _) = sw::maintenance(&db, store::now()).await.unwrap();
        assert_eq!(again, 0);
    }
}
