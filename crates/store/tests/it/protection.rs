//! Protection storage stories, run on SQLite and (with MINWON_TEST_POSTGRES_URL) on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Duration;
use domain::office::accounts::Role;
use domain::protection::{
    Channel, CustodyAction, EquipmentKind, EvidenceKind, IncidentKind, MeasureInput, MeasureKind,
    WarningReason,
};
use store::protection as sp;
use store::testing::TestDb;
use store::{Db, StoreError, kit::outbox, wellbeing};

struct People {
    dept: i64,
    kim: i64,
    lee: i64,
    guard: i64,
}

async fn seed(db: &Db) -> People {
    let (dept, ids) = crate::fixtures::civil_staff(
        db,
        &[
            ("kim", Role::Official),
            ("lee", Role::Official),
            ("guard", Role::ProtectionOfficer),
        ],
    )
    .await;
    People {
        dept,
        kim: ids[0],
        lee: ids[1],
        guard: ids[2],
    }
}

/// A threat kim reports at `at`, with a recording (an MP3 of 300 bytes `byte`) kept in `blobs`
/// as its evidence.
async fn recorded_threat(
    db: &Db,
    p: &People,
    blobs: &store::kit::blobs::LocalBlobStore,
    (byte, name): (u8, &str),
    at: chrono::DateTime<chrono::Utc>,
) -> (sp::Evidence, store::kit::blobs::StoredBlob) {
    use store::kit::blobs::{BlobLimits, BlobStore};
    let limits = BlobLimits {
        max_bytes: 1 << 20,
        allowed: domain::protection::EVIDENCE_TYPES.to_vec(),
    };
    let recording = [b"ID3".to_vec(), vec![byte; 300]].concat();
    let blob = blobs
        .put(Box::pin(std::io::Cursor::new(recording)), &limits)
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    let r = sp::create_incident(
        &mut tx,
        &details(IncidentKind::Threat, at),
        p.kim,
        Some(p.dept),
        false,
        at,
    )
    .await
    .unwrap();
    let ev = sp::add_evidence(
        &mut tx,
        r.incident.id,
        EvidenceKind::Recording,
        &blob,
        name,
        p.kim,
        at,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (ev, blob)
}

fn details(kind: IncidentKind, at: chrono::DateTime<chrono::Utc>) -> sp::IncidentDetails {
    sp::IncidentDetails {
        kind,
        channel: Channel::Counter,
        occurred_at: at,
        place: "1층 민원창구".into(),
        petition_id: None,
        petitioner_name: "홍길동".into(),
        petitioner_phone: "010-1111-2222".into(),
        narrative: "고성과 욕설".into(),
        involved: vec![],
    }
}

async fn count(db: &Db, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let (n,): (i64,) = store::fetch_one!(db, _, sqlx::AssertSqlSafe(sql)).unwrap();
    n
}

store::backend_tests! {
    #[tokio::test]
    async fn incidents_measures_in_legal_order_and_repeated_exposure(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let p = seed(db).await;
        let now = store::now();

        let mut tx = db.begin().await.unwrap();
        let mut d = details(IncidentKind::VerbalAbuse, now - Duration::days(30));
        d.involved = vec![p.lee, p.lee, p.kim];
        let first = sp::create_incident(&mut tx, &d, p.kim, Some(p.dept), false, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // The reporter is not listed twice; duplicates fold.
        assert_eq!(first.incident.involved, vec![p.lee]);
        assert!(first.invited.is_empty());

        // Ending before a warning is refused, and nothing is written.
        let id = first.incident.id;
        let mut tx = db.begin().await.unwrap();
        let e = sp::add_measure(
            &mut tx,
            id,
            &MeasureInput {
                kind: Some(MeasureKind::Ended),
                ..MeasureInput::default()
            },
            p.kim,
            now,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&e, StoreError::Rule(r) if r.code == "warning_required"),
            "{e}"
        );
        drop(tx);
        assert_eq!(count(db, "protection_measures").await, 0);

        let mut tx = db.begin().await.unwrap();
        sp::add_measure(
            &mut tx,
            id,
            &MeasureInput {
                kind: Some(MeasureKind::Warning),
                warning_reason: Some(WarningReason::Insult),
                ..MeasureInput::default()
            },
            p.kim,
            now,
        )
        .await
        .unwrap();
        sp::add_measure(
            &mut tx,
            id,
            &MeasureInput {
                kind: Some(MeasureKind::Ended),
                ..MeasureInput::default()
            },
            p.kim,
            now,
        )
        .await
        .unwrap();
        let e = sp::add_measure(
            &mut tx,
            id,
            &MeasureInput {
                kind: Some(MeasureKind::AccessRestricted),
                restriction_start: Some(now + Duration::days(2)),
                restriction_end: Some(now + Duration::days(1)),
                reason: "폭행".into(),
                ..MeasureInput::default()
            },
            p.guard,
            now,
        )
        .await
        .unwrap_err();
        assert!(matches!(&e, StoreError::Rule(r) if r.code == "restriction_ends_before_start"));
        tx.commit().await.unwrap();
        let ms = sp::measures(db, id).await.unwrap();
        assert_eq!(
            sp::taken(&ms),
            vec![MeasureKind::Warning, MeasureKind::Ended]
        );

        // Measures are append-only in the database itself.
        let tamper = store::execute!(db, "UPDATE protection_measures SET kind = 'warning'");
        assert!(tamper.is_err(), "measures must be append-only");

        // A second incident within 90 days invites both officials concerned (once).
        let mut tx = db.begin().await.unwrap();
        let mut d2 = details(IncidentKind::Threat, now - Duration::days(1));
        d2.involved = vec![p.lee];
        let second = sp::create_incident(&mut tx, &d2, p.kim, Some(p.dept), false, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(second.invited, vec![p.kim, p.lee]);
        assert_eq!(wellbeing::invitations(db, p.kim).await.unwrap().len(), 1);
        assert_eq!(wellbeing::invitations(db, p.guard).await.unwrap().len(), 0);

        // The same petitioner (name + phone) has a history.
        let hist = sp::petitioner_history(db, &second.incident.petitioner_key)
            .await
            .unwrap();
        assert_eq!(hist.len(), 2);
        assert_eq!(
            sp::petitioner_key("홍길동", "01011112222"),
            second.incident.petitioner_key
        );

        // Bad incidents are refused.
        let mut tx = db.begin().await.unwrap();
        let e = sp::create_incident(
            &mut tx,
            &details(IncidentKind::Threat, now + Duration::hours(2)),
            p.kim,
            Some(p.dept),
            false,
            now,
        )
        .await
        .unwrap_err();
        assert!(matches!(&e, StoreError::Rule(r) if r.code == "occurred_in_future"));
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn evidence_custody_alerts_contacts_equipment_drills_indicators(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let p = seed(db).await;
        let now = store::now();

        // Panic alert: an alert and the start of an incident.
        let mut tx = db.begin().await.unwrap();
        let guard = sp::AlertAddressee {
            account_id: Some(p.guard),
            role: domain::protection::AlertRole::ProtectionOfficer,
            phone: "010-5550-0112".into(),
            email: String::new(),
        };
        let desk = sp::AlertAddressee {
            account_id: None,
            role: domain::protection::AlertRole::SecurityDesk,
            phone: String::new(),
            email: "desk@example.kr".into(),
        };
        let (alert, incident) = sp::raise_alert(
            &mut tx,
            p.kim,
            Some(p.dept),
            "2번 창구",
            Channel::Counter,
            &[guard.clone(), desk.clone()],
            &|id| ("[긴급]".into(), format!("/protection/incidents/{id}")),
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // One row per recipient and channel, each SMS and mail a real outbox row.
        let told = sp::alert_deliveries(db, alert.id).await.unwrap();
        let ways: Vec<(&str, &str, &str)> = told
            .iter()
            .map(|d| (d.role.as_str(), d.channel.as_str(), d.status.as_str()))
            .collect();
        assert_eq!(
            ways,
            vec![
                ("protection_officer", "screen", "waiting"),
                ("protection_officer", "sms", "pending"),
                ("security_desk", "email", "pending"),
            ]
        );
        assert_eq!(count(db, "outbox").await, 2);
        sp::mark_shown(db, alert.id, p.guard, now).await.unwrap();
        assert_eq!(
            sp::alert_deliveries(db, alert.id).await.unwrap()[0].status,
            "shown"
        );
        assert_eq!(
            sp::alert_recipient_ids(db, alert.id).await.unwrap(),
            vec![p.guard]
        );
        // Escalation claims the alert once, and not after an acknowledgement.
        let due = sp::alerts_to_escalate(db, now).await.unwrap();
        assert_eq!(due.len(), 1);
        let mut tx = db.begin().await.unwrap();
        assert!(
            sp::escalate_alert(
                &mut tx,
                alert.id,
                std::slice::from_ref(&guard),
                "s",
                "b",
                now
            )
            .await
            .unwrap()
        );
        assert!(
            !sp::escalate_alert(&mut tx, alert.id, &[guard], "s", "b", now)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        assert!(sp::alerts_to_escalate(db, now).await.unwrap().is_empty());
        let round1: Vec<_> = sp::alert_deliveries(db, alert.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|d| d.round == 1)
            .map(|d| d.channel)
            .collect();
        assert_eq!(round1, vec!["screen", "sms"]);
        assert_eq!(incident.kind, IncidentKind::Unclassified);
        assert!(incident.from_alert);
        assert_eq!(alert.incident_id, incident.id);
        let mut tx = db.begin().await.unwrap();
        let acked = sp::acknowledge_alert(&mut tx, alert.id, p.guard, now)
            .await
            .unwrap();
        assert_eq!(acked.acknowledged_by, Some(p.guard));
        assert!(matches!(
            sp::acknowledge_alert(&mut tx, alert.id, p.guard, now).await,
            Err(StoreError::NotFound)
        ));
        tx.commit().await.unwrap();
        assert_eq!(
            sp::alerts_since(db, now - Duration::hours(1))
                .await
                .unwrap()
                .len(),
            1
        );

        // Evidence: stored blob + custody log.
        let blob = store::kit::blobs::StoredBlob {
            sha256: "ab".repeat(32),
            size: 10,
            content_type: "audio/wav".into(),
        };
        let mut tx = db.begin().await.unwrap();
        let ev = sp::add_evidence(
            &mut tx,
            incident.id,
            EvidenceKind::Recording,
            &blob,
            "통화.wav",
            p.kim,
            now,
        )
        .await
        .unwrap();
        sp::log_custody(
            &mut tx,
            ev.id,
            CustodyAction::HandedOver,
            Some(p.guard),
            "예시경찰서 수사과",
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let dup = sp::add_evidence(
            &mut tx,
            incident.id,
            EvidenceKind::Recording,
            &blob,
            "again.wav",
            p.kim,
            now,
        )
        .await
        .unwrap_err();
        assert!(matches!(dup, StoreError::Conflict(_)));
        drop(tx);
        let log = sp::custody_log(db, ev.id).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|c| c.action.as_str()).collect();
        assert_eq!(actions, vec!["uploaded", "handed_over"]);
        let tamper = store::execute!(db, "DELETE FROM protection_custody");
        assert!(tamper.is_err(), "custody log must be append-only");

        // Timed contact: a warning creates the incident, ending needs it.
        let mut tx = db.begin().await.unwrap();
        let c = sp::start_contact(&mut tx, p.lee, Some(p.dept), Channel::Phone, true, now)
            .await
            .unwrap();
        let e = sp::finish_contact(&mut tx, &c, true, now)
            .await
            .unwrap_err();
        assert!(matches!(&e, StoreError::Rule(r) if r.code == "warning_required"));
        sp::warn_contact(&mut tx, &c, WarningReason::TimeExceeded, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let c = sp::get_contact(db, c.id).await.unwrap();
        assert!(c.warned_at.is_some() && c.incident_id.is_some());
        let mut tx = db.begin().await.unwrap();
        let done = sp::finish_contact(&mut tx, &c, true, now).await.unwrap();
        tx.commit().await.unwrap();
        assert!(done.ended_by_official);
        let ms = sp::measures(db, c.incident_id.unwrap()).await.unwrap();
        assert_eq!(
            sp::taken(&ms),
            vec![MeasureKind::Warning, MeasureKind::Ended]
        );
        assert!(ms[0].note.contains("15분"), "{}", ms[0].note);
        let mut tx = db.begin().await.unwrap();
        sp::start_contact(&mut tx, p.lee, Some(p.dept), Channel::Phone, false, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        // Equipment.
        let mut tx = db.begin().await.unwrap();
        let whistle = sp::add_equipment(
            &mut tx,
            EquipmentKind::Whistle,
            "W-01",
            "1층 창구",
            Some(p.dept),
            now,
        )
        .await
        .unwrap();
        sp::issue_equipment(&mut tx, whistle.id, Some(p.kim), now)
            .await
            .unwrap();
        let e = sp::check_equipment(&mut tx, whistle.id, false, " ", p.guard, now)
            .await
            .unwrap_err();
        assert!(matches!(&e, StoreError::Rule(r) if r.code == "fault_required"));
        sp::check_equipment(&mut tx, whistle.id, false, "소리 약함", p.guard, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let eq = sp::equipment(db).await.unwrap();
        assert_eq!(eq[0].holder_id, Some(p.kim));
        assert!(eq[0].faulty);
        assert_eq!(sp::equipment_checks(db, whistle.id).await.unwrap().len(), 1);

        // Drills: a reminder when the half-year has none, once.
        let n = sp::queue_drill_reminders(db, now).await.unwrap();
        assert_eq!(n, 1, "one protection officer reminded");
        assert_eq!(sp::queue_drill_reminders(db, now).await.unwrap(), 0);
        let due = outbox::claim_due(db, now, 10, Duration::minutes(5))
            .await
            .unwrap();
        assert!(
            due.iter()
                .any(|m| m.recipient == "guard@example.kr" && m.body.contains("모의훈련"))
        );
        let mut tx = db.begin().await.unwrap();
        let drill = sp::plan_drill(
            &mut tx,
            domain::protection::local_date(now),
            Some(p.dept),
            "흉기 난동 대응",
            "예시경찰서",
            p.guard,
            now,
        )
        .await
        .unwrap();
        let e = sp::record_drill(&mut tx, drill.id, now + Duration::days(1), "x", "", "", now)
            .await
            .unwrap_err();
        assert!(matches!(&e, StoreError::Rule(r) if r.code == "held_in_future"));
        let held = sp::record_drill(
            &mut tx,
            drill.id,
            now,
            "민원팀 5명, 경찰 2명",
            "비상벨 응답 3분",
            "비상벨 위치 표시",
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(held.held_at.is_some());
        let facts = sp::drill_facts(&sp::drills(db).await.unwrap());
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].planned_on, domain::protection::local_date(now));

        // Indicators count all of it.
        let (inc, contacts, drills) =
            sp::indicator_inputs(db, now - Duration::days(1), now + Duration::days(1))
                .await
                .unwrap();
        let r = domain::protection::indicators(&inc, &contacts, &drills);
        let office = &r[&(domain::protection::month_of(now), None)];
        assert_eq!(office.incidents, 2);
        assert_eq!(office.calls, 2);
        assert_eq!(office.calls_recorded, 1);
        assert_eq!(office.drills_held, 1);
        assert_eq!(office.measures["ended"], 1);
        assert_eq!(office.responded, 1);
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn a_changed_evidence_file_is_found_by_the_sweep(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let p = seed(db).await;
        let now = store::now();
        let dir = store::testing::TempDir::new("minwon-evidence").unwrap();
        let blobs = store::kit::blobs::LocalBlobStore::new(&dir.0).unwrap();
        let (ev, blob) = recorded_threat(db, &p, &blobs, (7, "a.mp3"), now).await;
        assert_eq!(blob.content_type, "audio/mpeg");
        let (n, broken) = sp::verify_all(db, &blobs, now).await.unwrap();
        assert_eq!((n, broken.len()), (1, 0));

        let path = blobs.path_of(&blob.sha256).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[100] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        let (_, broken) = sp::verify_all(db, &blobs, now).await.unwrap();
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].id, ev.id);
        let log = sp::custody_log(db, ev.id).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|c| c.action.as_str()).collect();
        assert_eq!(actions, vec!["uploaded", "verified", "mismatch"]);
    }
}

store::backend_tests! {
    /// Evidence past the retention setting is deleted by the purge: the file goes, the record and
    /// its custody log stay (with a `purged` entry), the sweep no longer checks it, and evidence
    /// still within the period is untouched.
    #[tokio::test]
    async fn evidence_is_deleted_after_its_retention_period(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let p = seed(db).await;
        let now = store::now();
        let dir = store::testing::TempDir::new("minwon-evidence").unwrap();
        let blobs = store::kit::blobs::LocalBlobStore::new(&dir.0).unwrap();
        let days = sp::evidence_retention_days(db).await.unwrap();
        let mut ids = Vec::new();
        let mut shas = Vec::new();
        // One uploaded just past the period, one a day within it.
        for (age, byte) in [(days + 1, 1u8), (days - 1, 2u8)] {
            let at = now - chrono::Duration::days(age);
            let (ev, blob) = recorded_threat(db, &p, &blobs, (byte, "call.mp3"), at).await;
            ids.push(ev.id);
            shas.push(blob.sha256);
        }
        assert_eq!(
            sp::purge_expired_evidence(db, &blobs, now).await.unwrap(),
            1
        );
        assert_eq!(
            sp::purge_expired_evidence(db, &blobs, now).await.unwrap(),
            0,
            "idempotent"
        );
        let old = sp::get_evidence(db, ids[0]).await.unwrap();
        assert_eq!(old.purged_at, Some(now));
        assert!(!blobs.path_of(&shas[0]).unwrap().exists(), "file deleted");
        assert!(
            blobs.path_of(&shas[1]).unwrap().exists(),
            "within the period: kept"
        );
        assert_eq!(sp::get_evidence(db, ids[1]).await.unwrap().purged_at, None);
        let actions: Vec<String> = sp::custody_log(db, ids[0])
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.action)
            .collect();
        assert_eq!(actions, vec!["uploaded", "purged"]);
        let (checked, broken) = sp::verify_all(db, &blobs, now).await.unwrap();
        assert_eq!(
            (checked, broken.len()),
            (1, 0),
            "purged files are not checked"
        );
    }
}
