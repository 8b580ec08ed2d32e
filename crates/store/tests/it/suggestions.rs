//! Routing suggestions at intake, corrections as training data and the drafting log, on SQLite
//! and (with MINWON_TEST_POSTGRES_URL) PostgreSQL. The office router is process-wide, so the
//! story's twins take `ROUTER` and never install and remove it in parallel.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use domain::petitions::{Channel, Event};
use store::petitions::suggestions::{self, CORRECTION_WEIGHT, DraftRequest};
use store::petitions::{self, NewPetition, Petitioner, PiiKey};
use store::testing::{TestDb, topic_history};

/// Held while a story installs, uses or removes the process-wide routing model.
static ROUTER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

store::backend_tests! {
    #[tokio::test]
    async fn suggestions_corrections_training_data_and_draft_log(backend) {
        let _router = ROUTER.lock().await;
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let h = topic_history(db, 12).await.unwrap();

        // Training data: every answered petition labelled with its department's code.
        suggestions::install_router(None);
        let exs = suggestions::training_examples(db).await.unwrap();
        assert_eq!(exs.len(), 24);
        assert_eq!(exs.iter().filter(|e| e.label == "roads").count(), 12);
        assert!(exs.iter().all(|e| e.weight == 1.0));
        let router =
            text::train_routing(&exs, &text::routing::RoutingTrainOptions::default()).unwrap();
        let version = router.version().to_string();

        // Without a model, intake suggests nothing.
        let key = PiiKey::generate().unwrap();
        let (cal, _) = petitions::work_calendar(db).await.unwrap();
        let file = |title: &str, body: &str| NewPetition {
            intake: store::testing::intake_for(Channel::Counter),
            type_id: h.type_id,
            channel: Channel::Counter,
            anonymous: false,
            petitioner_account_id: None,
            petitioner: Petitioner {
                name: "홍길동".into(),
                phone: "010-2222-3333".into(),
                ..Default::default()
            },
            title: title.into(),
            body: body.into(),
            location: String::new(),
            extra: Default::default(),
            idempotency_key: None,
            department_id: Some(h.papers.id),
        };
        let new = file(
            "포트홀",
            "석봉로 도로에 포트홀이 생겼습니다. 홍길동 010-2222-3333",
        );
        let screening = petitions::screen(&new.title, &new.body);
        let now = store::now();
        let checked = petitions::check(db, new.clone(), &key, screening)
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        let plain = petitions::file(&mut tx, &checked, None, &cal, now)
            .await
            .unwrap()
            .petition;
        tx.commit().await.unwrap();
        assert_eq!(suggestions::get(db, plain.id).await.unwrap(), None);

        // With the office model, the suggestion is made with the screening (outside the
        // transaction) and stored with its version in the filing transaction.
        suggestions::install_router(Some(router));
        let screening = petitions::screen(&new.title, &new.body);
        assert!(screening.routing.is_some());
        let checked = petitions::check(db, new.clone(), &key, screening.clone())
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        let p = petitions::file(&mut tx, &checked, None, &cal, now)
            .await
            .unwrap()
            .petition;
        tx.commit().await.unwrap();
        let s = suggestions::get(db, p.id)
            .await
            .unwrap()
            .expect("suggestion");
        assert_eq!(s.label, "roads");
        assert_eq!(s.department_id, Some(h.roads.id));
        assert_eq!(s.department_name.as_deref(), Some("도로과"));
        assert!(s.score > 0.5 && s.score <= 1.0, "{s:?}");
        assert_eq!(s.model_version, version);
        let page = suggestions::for_petitions(db, &[plain.id, p.id])
            .await
            .unwrap();
        assert_eq!(page.len(), 1);
        assert!(
            suggestions::for_petitions(db, &[])
                .await
                .unwrap()
                .is_empty()
        );
        // A filing whose transaction does not commit leaves no suggestion behind.
        let checked = petitions::check(db, file("제목", "내용"), &key, screening.clone())
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        let first = petitions::file(&mut tx, &checked, None, &cal, now)
            .await
            .unwrap()
            .petition;
        drop(tx);
        assert_eq!(suggestions::get(db, first.id).await.unwrap(), None);

        // Agreeing with the suggestion records nothing; moving it elsewhere records a masked
        // training example.
        let mut tx = db.begin().await.unwrap();
        assert!(
            !suggestions::record_correction(&mut tx, &p, h.roads.id, None, now)
                .await
                .unwrap()
        );
        assert!(
            suggestions::record_correction(&mut tx, &p, h.papers.id, None, now)
                .await
                .unwrap()
        );
        // No suggestion, nothing to correct.
        assert!(
            !suggestions::record_correction(&mut tx, &plain, h.roads.id, None, now)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        let c = suggestions::corrections(db, Some(p.id)).await.unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].suggested_label, "roads");
        assert_eq!(c[0].corrected_code, "papers");
        assert_eq!(c[0].model_version, version);
        assert!(c[0].text.contains("석봉로 도로에 포트홀"), "{}", c[0].text);
        assert!(!c[0].text.contains("홍길동"), "{}", c[0].text);
        assert!(!c[0].text.contains("2222-3333"), "{}", c[0].text);
        assert!(c[0].text.contains("010-****-3333"), "{}", c[0].text);
        let exs = suggestions::training_examples(db).await.unwrap();
        assert_eq!(exs.len(), 25);
        let last = exs.last().unwrap();
        assert_eq!(
            (last.label.as_str(), last.weight),
            ("papers", CORRECTION_WEIGHT)
        );

        // Similar answered petitions for drafts: same type, answered, best first.
        let like = suggestions::answered_like(db, &p, 3).await.unwrap();
        assert_eq!(like.len(), 3);
        assert!(like[0].0.contains("포트홀"), "{like:?}");
        assert!(like[0].1.contains("처리하였습니다"));
        assert!(like.windows(2).all(|w| w[0].2 >= w[1].2));

        // The drafting log.
        let mut tx = db.begin().await.unwrap();
        let d = DraftRequest {
            petition_id: p.id,
            actor_id: None,
            endpoint: "http://127.0.0.1:1/v1/chat/completions".into(),
            model: "m".into(),
            prompt: "{}".into(),
            output: String::new(),
            outcome: "fallback".into(),
            error: "timed out".into(),
            created_at: now,
        };
        suggestions::log_draft(&mut tx, &d).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(suggestions::drafts(db, p.id).await.unwrap(), vec![d]);

        // Answering the corrected petition makes it training data too.
        let mut tx = db.begin().await.unwrap();
        petitions::act(
            &mut tx,
            p.id,
            Event::Answered {
                text: "보수했습니다".into(),
                template: None,
                additional: false,
            },
            None,
            &cal,
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(suggestions::training_examples(db).await.unwrap().len(), 26);
        suggestions::install_router(None);
    }
}
