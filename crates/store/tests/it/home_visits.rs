//! Home visits (issue 18) on SQLite and PostgreSQL: a request stored eligible, put in a round
//! with a team, planned with the left-out visits and why, published, and an outcome recorded
//! with the resident's message in the same transaction; a stop of another round is refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{NaiveDate, NaiveTime};
use domain::office::accounts::Role;
use domain::service_access::home_visits::{
    self as hv, Basis, Caller, EligibilityRules, IdentityMethod, Kit, Outcome, RequestChannel,
    RequestDraft, RoundState, Service, TeamDraft,
};
use store::service_access::home_visits as sh;
use store::testing::TestDb;
use store::{Db, StoreError, fetch_one};

fn t(h: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h, 0, 0)
}

fn draft(name: &str, services: Vec<Service>, i: f64) -> RequestDraft {
    RequestDraft {
        name: name.into(),
        age: Some(81),
        phone: "010-2222-3333".into(),
        address: "예시군 예시읍 1".into(),
        lat: hv::DEFAULT_POINT.0 + 0.01 * i,
        lon: hv::DEFAULT_POINT.1,
        caller: Some(Caller::Family),
        channel: Some(RequestChannel::Phone),
        reason: "거동 불편".into(),
        basis: Basis {
            living_alone: true,
            ..Basis::default()
        },
        consent: true,
        services,
        ..RequestDraft::default()
    }
}

async fn request(db: &Db, dept: i64, owner: i64, d: &RequestDraft) -> i64 {
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let by = hv::check_request(d, &EligibilityRules::default(), today).unwrap();
    let mut tx = db.begin().await.unwrap();
    let r = sh::create_request(&mut tx, dept, Some(owner), d, &by, store::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    r.id
}

store::backend_tests! {
    #[tokio::test]
    async fn a_round_from_requests_to_outcomes(backend) {
        let t_db = TestDb::new(backend).await.unwrap();
        let db = t_db.db.clone();
        let (dept, ids) = crate::fixtures::civil_staff(
            &db,
            &[("desk", Role::Official), ("visitor", Role::Official), ("sup", Role::Supervisor)],
        )
        .await;
        let now = store::now();
        let a = request(&db, dept, ids[0], &draft("가", vec![Service::PassportDelivery], 1.0)).await;
        let b = request(&db, dept, ids[0], &draft("나", vec![Service::IdCardApplication], 2.0)).await;
        let stored = sh::request(&db, a).await.unwrap();
        assert_eq!(stored.state, "eligible");
        assert_eq!(stored.eligible_by, "age,living_alone");
        assert!(stored.living_alone && !stored.severe_disability);

        let mut tx = db.begin().await.unwrap();
        let round = sh::create_round(&mut tx, dept, NaiveDate::from_ymd_opt(2026, 12, 9).unwrap(), "예시읍", ids[2], now)
            .await
            .unwrap();
        let team = TeamDraft {
            name: "1팀".into(),
            members: vec![ids[1]],
            starts: t(9),
            ends: t(17),
            break_start: t(12),
            break_minutes: 60,
            max_visits: 8,
            skills: vec![Kit::SignatureTablet, Kit::Forms],
            start_label: "예시군청".into(),
            start_lat: hv::DEFAULT_POINT.0,
            start_lon: hv::DEFAULT_POINT.1,
        };
        hv::check_team(&team).unwrap();
        sh::add_team(&mut tx, round.id, &team).await.unwrap();
        sh::add_requests(&mut tx, round.id, &[a, b], now).await.unwrap();
        tx.commit().await.unwrap();
        // Shared with the round's staff once it is in the round.
        assert_eq!(sh::request_staff(&db, a).await.unwrap(), vec![ids[1]]);
        assert_eq!(sh::round_staff(&db, round.id).await.unwrap(), vec![ids[1]]);
        // The same, for every request and round at once (the lists).
        let by_request = sh::staff_by_request(&db).await.unwrap();
        assert_eq!(by_request.get(&a), Some(&vec![ids[1]]));
        assert_eq!(by_request.get(&b), Some(&vec![ids[1]]));
        assert_eq!(sh::staff_by_round(&db).await.unwrap().get(&round.id), Some(&vec![ids[1]]));

        // A request already scheduled cannot join another round; nothing is half-written.
        let mut tx = db.begin().await.unwrap();
        let other = sh::create_round(&mut tx, dept, NaiveDate::from_ymd_opt(2026, 12, 16).unwrap(), "예시읍", ids[2], now)
            .await
            .unwrap();
        let refused = sh::add_requests(&mut tx, other.id, &[a], now).await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))));
        drop(tx);

        let teams = sh::teams(&db, round.id).await.unwrap();
        let stops = sh::stops(&db, round.id).await.unwrap();
        let inputs: Vec<_> = teams.iter().map(|t| t.input()).collect();
        let visits: Vec<_> = stops.iter().map(|s| s.input()).collect();
        let (placed, left) = hv::plan_round(&inputs, &visits).unwrap();
        let mut tx = db.begin().await.unwrap();
        sh::save_plan(&mut tx, round.id, &placed, &left, RoundState::Planned, now).await.unwrap();
        tx.commit().await.unwrap();
        let stops = sh::stops(&db, round.id).await.unwrap();
        let placed_stop = stops.iter().find(|s| s.request_id == a).unwrap();
        assert_eq!(placed_stop.position, Some(1));
        assert!(placed_stop.arrival.is_some());
        let left_stop = stops.iter().find(|s| s.request_id == b).unwrap();
        assert!(left_stop.team_id.is_none());
        assert!(left_stop.left_out_en.contains("fingerprint scanner"), "{}", left_stop.left_out_en);

        // Publishing sends the left-out request back to wait.
        let mut tx = db.begin().await.unwrap();
        assert_eq!(sh::publish(&mut tx, round.id, now).await.unwrap(), 1);
        tx.commit().await.unwrap();
        assert_eq!(sh::request(&db, b).await.unwrap().state, "eligible");

        // A stop of another round is refused, and nothing is written.
        let mut tx = db.begin().await.unwrap();
        let wrong = sh::record_outcome(&mut tx, other.id, placed_stop.id, Outcome::Done, Some(IdentityMethod::IdCard), "", None, ids[1], now).await;
        assert!(matches!(wrong, Err(StoreError::Conflict(_))));
        drop(tx);

        let mut tx = db.begin().await.unwrap();
        let rec = sh::record_outcome(&mut tx, round.id, placed_stop.id, Outcome::RevisitNeeded, Some(IdentityMethod::IdCard), "서류 부족", None, ids[1], now)
            .await
            .unwrap();
        assert!(sh::complete_if_done(&mut tx, round.id, now).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(sh::request(&db, a).await.unwrap().state, "eligible");
        let (body,): (String,) = fetch_one!(&db, _, "SELECT body FROM outbox WHERE id = $1", rec.message_id).unwrap();
        assert!(body.contains("한 번 더 방문"));
        assert_eq!(sh::round(&db, round.id).await.unwrap().state, "completed");
        // Twice is refused.
        let mut tx = db.begin().await.unwrap();
        let again = sh::record_outcome(&mut tx, round.id, placed_stop.id, Outcome::Done, Some(IdentityMethod::IdCard), "", None, ids[1], now).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))));
    }
}
