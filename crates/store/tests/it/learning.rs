//! Programs from attendance to recognised hours (issue 17, items 4–7 and 11): check-in by the
//! rotating code, walk-ins, the broadcast audience, closing and completion, certificates,
//! feedback, outside hours and the roll-up — on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::office::accounts::Role;
use domain::programs::feedback::{Question, Reply, Report};
use domain::programs::{AttendanceStatus, LearningCategory, QuestionKind, checkin};
use store::programs::attendance as att;
use store::programs::completion::{self as comp, Verification};
use store::programs::feedback as fb;
use store::programs::record::{self as rec, ExternalInput};
use store::testing::TestDb;
use store::{Db, StoreError, execute, fetch_one};

/// 12 May 2026, 09:00 in Seoul.
fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 12, 0, 0, 0).unwrap()
}

struct Office {
    dept: i64,
    officer: i64,
    people: Vec<i64>,
}

async fn office(db: &Db) -> Office {
    let (dept, ids) = crate::fixtures::civil_staff(
        db,
        &[
            ("officer", Role::TrainingOfficer),
            ("kim", Role::Official),
            ("lee", Role::Official),
            ("park", Role::Official),
            ("choi", Role::Official),
            ("jung", Role::Official),
            ("kang", Role::Official),
        ],
    )
    .await;
    execute!(db, "UPDATE accounts SET grade = 7").unwrap();
    Office {
        dept,
        officer: ids[0],
        people: ids[1..].to_vec(),
    }
}

/// A program worth `recognised` minutes with one session of `days` days from `first` (09:00–
/// 17:00 Seoul, 480 minutes a day), and `enrolled` enrolled on it. Answers the session, its day
/// ids and the enrolments.
#[allow(clippy::too_many_arguments)]
async fn session(
    db: &Db,
    delivery: &str,
    first: DateTime<Utc>,
    days: i64,
    min_percent: i64,
    feedback_required: bool,
    enrolled: &[i64],
    secret: &str,
) -> (i64, Vec<i64>, Vec<i64>) {
    let now = first - Duration::days(30);
    let (program,): (i64,) = fetch_one!(
        db,
        _,
        "INSERT INTO programs (kind, title, title_en, recognised_minutes, category, designated, \
         min_attended_percent, feedback_required, created_at, updated_at) \
         VALUES ('healing', '친절 응대 힐링', 'Healing for counter staff', 1080, 'course', $1, $2, $3, $4, $4) RETURNING id",
        true,
        min_percent,
        feedback_required,
        now
    )
    .unwrap();
    let (session,): (i64,) = fetch_one!(
        db,
        _,
        "INSERT INTO program_sessions (program_id, label, delivery, venue, capacity, checkin_secret, created_at, updated_at) \
         VALUES ($1, '1기', $2, '대회의실', 80, $3, $4, $4) RETURNING id",
        program,
        delivery,
        secret,
        now
    )
    .unwrap();
    let mut day_ids = Vec::new();
    for i in 0..days {
        let starts = first + Duration::days(i);
        let day = starts.with_timezone(&calendar::SEOUL).date_naive();
        let (id,): (i64,) = fetch_one!(
            db,
            _,
            "INSERT INTO program_session_days (session_id, day, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id",
            session,
            day,
            starts,
            starts + Duration::hours(8)
        )
        .unwrap();
        day_ids.push(id);
    }
    let mut enrolments = Vec::new();
    for (i, who) in enrolled.iter().enumerate() {
        let (id,): (i64,) = fetch_one!(
            db,
            _,
            "INSERT INTO program_enrolments (session_id, account_id, state, origin, arrival, requested_at, updated_at) \
             VALUES ($1, $2, 'enrolled', 'self', $3, $4, $4) RETURNING id",
            session,
            *who,
            i as i64 + 1,
            now
        )
        .unwrap();
        enrolments.push(id);
    }
    (session, day_ids, enrolments)
}

fn rule(e: &Result<impl std::fmt::Debug, StoreError>) -> &'static str {
    match e {
        Err(StoreError::Rule(r)) => r.code,
        Err(StoreError::Conflict(_)) => "conflict",
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    let (n,): (i64,) = fetch_one!(db, _, sqlx::AssertSqlSafe(sql.to_string())).unwrap();
    n
}

store::backend_tests! {
    #[tokio::test]
    async fn checking_in_by_the_rotating_code(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let o = office(&db).await;
        let start = morning();
        let (s, days, enrolments) =
            session(&db, "in_person", start, 2, 80, false, &o.people[..2], "secret-one").await;
        let (other, _, _) =
            session(&db, "in_person", start, 1, 80, false, &[], "secret-two").await;
        let now = start + Duration::minutes(5);

        // Before the window opens, no code is taken.
        let mut tx = db.begin().await.unwrap();
        let early = start - Duration::hours(2);
        let e = att::check_in(&mut tx, s, o.people[0], &checkin::code_at(b"secret-one", early), early).await;
        assert_eq!(rule(&e), "checkin_not_open");
        drop(tx);

        // A code of a minute ago is expired; another room's code is told apart; nothing written.
        let mut tx = db.begin().await.unwrap();
        let stale = checkin::code_at(b"secret-one", now - Duration::seconds(90));
        if stale != checkin::code_at(b"secret-one", now)
            && stale != checkin::code_at(b"secret-one", now - Duration::seconds(30))
        {
            let e = att::check_in(&mut tx, s, o.people[0], &stale, now).await;
            assert_eq!(rule(&e), "checkin_code_expired");
        }
        let e = att::check_in(&mut tx, s, o.people[0], &checkin::code_at(b"secret-two", now), now).await;
        assert_eq!(rule(&e), "checkin_code_other_session");
        let e = att::check_in(&mut tx, s, o.people[0], "12ab", now).await;
        assert_eq!(rule(&e), "checkin_code_malformed");
        drop(tx);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM program_attendance").await, 0);

        // The current code checks kim in, present for the whole day.
        let mut tx = db.begin().await.unwrap();
        let c = att::check_in(&mut tx, s, o.people[0], &checkin::code_at(b"secret-one", now), now).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((c.status, c.minutes, c.walk_in, c.already), (AttendanceStatus::Present, 480, false, false));

        // Checking in again (a reopened page) keeps the first record.
        let later = now + Duration::minutes(40);
        let mut tx = db.begin().await.unwrap();
        let again = att::check_in(&mut tx, s, o.people[0], &checkin::code_at(b"secret-one", later), later).await.unwrap();
        tx.commit().await.unwrap();
        assert!(again.already);
        assert_eq!(again.recorded_at, now);

        // lee comes 45 minutes late: late, the rest of the day.
        let mut tx = db.begin().await.unwrap();
        let late = att::check_in(&mut tx, s, o.people[1], &checkin::code_at(b"secret-one", later), later).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((late.status, late.minutes), (AttendanceStatus::Late, 435));

        // park is not enrolled: kept as a walk-in with his account, never lost.
        let mut tx = db.begin().await.unwrap();
        let w = att::check_in(&mut tx, s, o.people[2], &checkin::code_at(b"secret-one", now), now).await.unwrap();
        tx.commit().await.unwrap();
        assert!(w.walk_in);
        let walk_ins = att::walk_ins(&db, s).await.unwrap();
        assert_eq!(walk_ins.len(), 1);
        assert_eq!(walk_ins[0].account_id, Some(o.people[2]));
        assert!(walk_ins[0].matched_at.is_none());

        // The organiser matches him: he gets an enrolment and his attendance moves to it.
        let mut tx = db.begin().await.unwrap();
        let e = att::match_walk_in(&mut tx, walk_ins[0].id, o.people[2], o.officer, now).await.unwrap();
        tx.commit().await.unwrap();
        let marks = att::marks(&db, s).await.unwrap();
        assert!(marks.iter().any(|m| m.enrolment_id == Some(e) && m.session_day_id == days[0]));
        assert!(marks.iter().all(|m| m.walk_in_id.is_none()));
        assert_eq!(att::participants(&db, s).await.unwrap().len(), 3);
        let mut tx = db.begin().await.unwrap();
        let twice = att::match_walk_in(&mut tx, walk_ins[0].id, o.people[2], o.officer, now).await;
        assert_eq!(rule(&twice), "conflict");
        drop(tx);

        // The organiser's marks: partial needs its minutes; someone not enrolled is refused.
        let mut tx = db.begin().await.unwrap();
        let e1 = att::mark(&mut tx, days[1], enrolments[0], AttendanceStatus::Partial, None, o.officer, now).await;
        assert_eq!(rule(&e1), "partial_minutes_required");
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        let worth = att::mark(&mut tx, days[1], enrolments[0], AttendanceStatus::Partial, Some(120), o.officer, now).await.unwrap();
        assert_eq!(worth, 120);
        // Marking again replaces the mark.
        att::mark(&mut tx, days[1], enrolments[0], AttendanceStatus::Excused, None, o.officer, now).await.unwrap();
        tx.commit().await.unwrap();
        let day2: Vec<_> = att::marks(&db, s).await.unwrap().into_iter().filter(|m| m.session_day_id == days[1]).collect();
        assert_eq!(day2.len(), 1);
        assert_eq!((day2[0].status.as_str(), day2[0].minutes), ("excused", 0));

        // A walk-in the organiser types in by name.
        let mut tx = db.begin().await.unwrap();
        let e = att::add_walk_in(&mut tx, days[0], "  ", Some(o.dept), o.officer, now).await;
        assert_eq!(rule(&e), "walk_in_name_required");
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        att::add_walk_in(&mut tx, days[0], "홍길동", Some(o.dept), o.officer, now).await.unwrap();
        tx.commit().await.unwrap();
        let walk_ins = att::walk_ins(&db, s).await.unwrap();
        assert_eq!(walk_ins[1].name, "홍길동");
        assert_eq!(walk_ins[1].department_name, "민원과");
        let _ = other;
    }

    #[tokio::test]
    async fn a_department_records_its_broadcast_audience(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let o = office(&db).await;
        let start = morning();
        let (hybrid, days, _) = session(&db, "hybrid", start, 1, 80, false, &[], "s-h").await;
        let (_, plain_days, _) = session(&db, "in_person", start, 1, 80, false, &[], "s-p").await;
        let now = start + Duration::hours(1);

        let mut tx = db.begin().await.unwrap();
        let e = att::record_audience(&mut tx, plain_days[0], o.dept, 10, "", o.people[0], now).await;
        assert_eq!(rule(&e), "not_broadcast");
        let e = att::record_audience(&mut tx, days[0], o.dept, 1, "김철수\n이영희", o.people[0], now).await;
        assert_eq!(rule(&e), "names_exceed_headcount");
        let e = att::record_audience(&mut tx, days[0], o.dept, -1, "", o.people[0], now).await;
        assert_eq!(rule(&e), "headcount_out_of_range");
        drop(tx);

        let mut tx = db.begin().await.unwrap();
        att::record_audience(&mut tx, days[0], o.dept, 12, "김철수\n\n 이영희 ", o.people[0], now).await.unwrap();
        // A correction replaces the first count.
        att::record_audience(&mut tx, days[0], o.dept, 14, "김철수\n이영희", o.people[0], now).await.unwrap();
        tx.commit().await.unwrap();
        let a = att::audience(&db, hybrid).await.unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].headcount, a[0].names.as_str(), a[0].department.as_str()), (14, "김철수\n이영희", "민원과"));
    }

    #[tokio::test]
    async fn closing_credits_completed_participants_once_and_certificates_verify(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let o = office(&db).await;
        let start = morning();
        let (s, days, enrolments) =
            session(&db, "in_person", start, 3, 80, false, &o.people[..3], "s-c").await;
        let during = start + Duration::hours(1);
        let mut tx = db.begin().await.unwrap();
        for d in &days {
            att::mark(&mut tx, *d, enrolments[0], AttendanceStatus::Present, None, o.officer, during).await.unwrap();
        }
        // lee: two days of three, 66 %.
        for d in &days[..2] {
            att::mark(&mut tx, *d, enrolments[1], AttendanceStatus::Present, None, o.officer, during).await.unwrap();
        }
        tx.commit().await.unwrap();

        // Not before the last day is over.
        let mut tx = db.begin().await.unwrap();
        let e = comp::close(&mut tx, s, o.officer, start + Duration::days(2)).await;
        assert_eq!(rule(&e), "session_not_over");
        drop(tx);

        let after = start + Duration::days(3);
        let mut tx = db.begin().await.unwrap();
        let judged = comp::close(&mut tx, s, o.officer, after).await.unwrap();
        tx.commit().await.unwrap();
        let outcome: Vec<_> = judged.iter().map(|j| (j.outcome.as_str(), j.credited_minutes)).collect();
        assert_eq!(outcome, vec![("completed", 1080), ("share_short", 0), ("no_show", 0)]);

        // Closing again credits nothing more.
        let mut tx = db.begin().await.unwrap();
        comp::close(&mut tx, s, o.officer, after + Duration::hours(1)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(count(&db, "SELECT COUNT(*) FROM learning_credits").await, 1);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM program_certificates").await, 1);
        let credits = rec::credits(&db, o.people[0], 2026).await.unwrap();
        assert_eq!((credits[0].minutes, credits[0].designated, credits[0].category.as_str()), (1080, true, "course"));

        // Attendance cannot change after closing.
        let mut tx = db.begin().await.unwrap();
        let e = att::mark(&mut tx, days[2], enrolments[1], AttendanceStatus::Present, None, o.officer, after).await;
        assert_eq!(rule(&e), "attendance_closed");
        drop(tx);

        // The certificate verifies publicly, showing only the masked name, program, dates, hours.
        let cert = comp::certificates_of(&db, o.people[0]).await.unwrap().remove(0);
        assert_eq!(cert.first_day, NaiveDate::from_ymd_opt(2026, 5, 12).unwrap());
        assert_eq!(cert.last_day, NaiveDate::from_ymd_opt(2026, 5, 14).unwrap());
        let typed = cert.code.to_lowercase().replace('-', " ");
        match comp::verify(&db, &typed, "10.0.0.1", after).await.unwrap() {
            Verification::Found(v) => {
                assert_eq!(v.name, "k*m");
                assert_eq!((v.program.as_str(), v.minutes), ("친절 응대 힐링", 1080));
            }
            other => panic!("{other:?}"),
        }
        // Unknown codes are not found, and too many of them lock the address (only it).
        for _ in 0..comp::MAX_LOOKUP_FAILURES {
            let v = comp::verify(&db, "AAAA-BBBB-CCCC-DDDD", "10.0.0.2", after).await.unwrap();
            assert_eq!(v, Verification::NotFound);
        }
        let v = comp::verify(&db, &cert.code, "10.0.0.2", after).await.unwrap();
        assert!(matches!(v, Verification::Locked { until } if until == after + Duration::minutes(15)));
        let v = comp::verify(&db, &cert.code, "10.0.0.3", after).await.unwrap();
        assert!(matches!(v, Verification::Found(_)));
    }

    #[tokio::test]
    async fn feedback_once_per_participant_in_aggregate_only(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let o = office(&db).await;
        let start = morning();
        // Feedback is required to complete.
        let (s, days, enrolments) =
            session(&db, "in_person", start, 1, 100, true, &o.people, "s-f").await;
        let during = start + Duration::hours(1);
        let mut tx = db.begin().await.unwrap();
        for e in &enrolments[..5] {
            att::mark(&mut tx, days[0], *e, AttendanceStatus::Present, None, o.officer, during).await.unwrap();
        }
        tx.commit().await.unwrap();
        let reply = |n: i64| vec![Reply::Scale(n), Reply::Scale(4), Reply::Scale(5), Reply::Text(format!("소감 {n}"))];

        // Someone who never attended cannot answer.
        let mut tx = db.begin().await.unwrap();
        let e = fb::answer(&mut tx, s, o.people[5], &reply(5), during).await;
        assert_eq!(rule(&e), "feedback_not_participant");
        let e = fb::answer(&mut tx, s, o.people[0], &reply(9), during).await;
        assert_eq!(rule(&e), "feedback_scale_required");
        drop(tx);

        // Closing first: kim attended fully but has not answered.
        let after = start + Duration::hours(9);
        let mut tx = db.begin().await.unwrap();
        let judged = comp::close(&mut tx, s, o.officer, after).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(judged[0].outcome.as_str(), "feedback_missing");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM learning_credits").await, 0);

        for (i, who) in o.people[..4].iter().enumerate() {
            let mut tx = db.begin().await.unwrap();
            fb::answer(&mut tx, s, *who, &reply(i as i64 + 2), after).await.unwrap();
            tx.commit().await.unwrap();
        }
        // Answering completed them (the session was closed).
        assert_eq!(count(&db, "SELECT COUNT(*) FROM learning_credits").await, 4);

        // Twice: a clear answer, nothing written.
        let mut tx = db.begin().await.unwrap();
        let e = fb::answer(&mut tx, s, o.people[0], &reply(1), after).await;
        assert_eq!(rule(&e), "conflict");
        drop(tx);

        // Four answers: withheld.
        let program = att::session_facts(&db, s).await.unwrap().program_id;
        let r = fb::report(&db, program, 5, after).await.unwrap();
        assert_eq!(r, Report::Withheld { answers: 4, needed: 5 });
        let mut tx = db.begin().await.unwrap();
        fb::answer(&mut tx, s, o.people[4], &reply(5), after).await.unwrap();
        tx.commit().await.unwrap();
        let Report::Shown { answers, questions } = fb::report(&db, program, 5, after).await.unwrap() else {
            panic!("five answers are shown");
        };
        assert_eq!(answers, 5);
        // 2, 3, 4, 5, 5
        assert_eq!(questions[0].average, Some(3.8));
        assert_eq!(questions[3].texts.len(), 5);
        assert!(fb::answered(&db, program, enrolments[0]).await.unwrap());
    }

    #[tokio::test]
    async fn an_organiser_writes_the_survey_until_someone_answers(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let o = office(&db).await;
        let start = morning();
        let (s, days, enrolments) =
            session(&db, "in_person", start, 1, 100, false, &o.people, "s-q").await;
        let program = att::session_facts(&db, s).await.unwrap().program_id;
        let q = |kind, ko: &str, en: &str| Question { kind, ko: ko.into(), en: en.into() };
        let own = vec![
            q(QuestionKind::Scale, " 숲길 걷기가 도움이 되었습니까? ", "Did the forest walk help?"),
            q(QuestionKind::Text, "다음 기수에 바라는 점", ""),
        ];

        // A bad question: a clear answer, the old questions untouched.
        let mut tx = db.begin().await.unwrap();
        let e = fb::replace_questions(&mut tx, program, &[q(QuestionKind::Scale, " ", "x")], start).await;
        assert_eq!(rule(&e), "survey_prompt_required");
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        assert_eq!(fb::survey(&mut tx, program, start).await.unwrap().questions.len(), 4);
        tx.commit().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        let survey = fb::replace_questions(&mut tx, program, &own, start).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(survey.questions.len(), 2);
        assert_eq!(survey.questions[0].ko, "숲길 걷기가 도움이 되었습니까?");

        // Participants answer the organiser's questions, not the defaults.
        let during = start + Duration::hours(1);
        let mut tx = db.begin().await.unwrap();
        att::mark(&mut tx, days[0], enrolments[0], AttendanceStatus::Present, None, o.officer, during).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let e = fb::answer(&mut tx, s, o.people[0], &[Reply::Scale(4), Reply::Scale(4), Reply::Scale(4), Reply::Text(String::new())], during).await;
        assert_eq!(rule(&e), "feedback_incomplete");
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        fb::answer(&mut tx, s, o.people[0], &[Reply::Scale(5), Reply::Text("또 하고 싶어요".into())], during).await.unwrap();
        tx.commit().await.unwrap();

        // Once answered, the questions stay.
        let mut tx = db.begin().await.unwrap();
        let e = fb::replace_questions(&mut tx, program, &own[..1], during).await;
        assert_eq!(rule(&e), "conflict");
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        assert_eq!(fb::survey(&mut tx, program, during).await.unwrap().questions.len(), 2);
    }

    #[tokio::test]
    async fn outside_hours_with_evidence_and_the_roll_up(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let o = office(&db).await;
        let now = morning();
        let input = ExternalInput {
            title: "행정안전부 적극행정 세미나".into(),
            category: LearningCategory::Seminar,
            designated: false,
            minutes: 180,
            happened_on: NaiveDate::from_ymd_opt(2026, 5, 2).unwrap(),
        };

        // Bad input: nothing written.
        let mut tx = db.begin().await.unwrap();
        let future = ExternalInput { happened_on: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(), ..input.clone() };
        assert_eq!(rule(&rec::submit_external(&mut tx, o.people[0], &future, "h1", "a.pdf", now).await), "external_date_out_of_range");
        let zero = ExternalInput { minutes: 0, ..input.clone() };
        assert_eq!(rule(&rec::submit_external(&mut tx, o.people[0], &zero, "h1", "a.pdf", now).await), "external_minutes_out_of_range");
        drop(tx);

        let mut tx = db.begin().await.unwrap();
        let entry = rec::submit_external(&mut tx, o.people[0], &input, "h1", "수료증.pdf", now).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(entry.state, "requested");
        // The same evidence twice: refused, clearly.
        let mut tx = db.begin().await.unwrap();
        let e = rec::submit_external(&mut tx, o.people[0], &input, "h1", "again.pdf", now).await;
        match e {
            Err(StoreError::Conflict(m)) => assert!(m.en.contains("same evidence")),
            other => panic!("{other:?}"),
        }
        drop(tx);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM learning_external_entries").await, 1);

        // Rejecting needs a reason; approving credits the hours once.
        let mut tx = db.begin().await.unwrap();
        assert_eq!(rule(&rec::decide_external(&mut tx, entry.id, false, " ", o.officer, now).await), "reason_required");
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        rec::decide_external(&mut tx, entry.id, true, "", o.officer, now).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        assert_eq!(rule(&rec::decide_external(&mut tx, entry.id, true, "", o.officer, now).await), "conflict");
        drop(tx);
        assert_eq!(rec::credited_total(&db, o.people[0], 2026).await.unwrap(), 180);
        assert!(rec::external_requested(&db).await.unwrap().is_empty());

        // The roll-up: every official of the office with their year's minutes.
        let roll = rec::rollup(&db, 2026).await.unwrap();
        assert_eq!(roll.len(), 7);
        let kim = roll.iter().find(|p| p.account_id == o.people[0]).unwrap();
        assert_eq!((kim.total_minutes, kim.designated_minutes, kim.grade), (180, 0, Some(7)));
        assert_eq!(kim.department, "민원과");

        // Booked sessions ahead count toward the pace.
        let (_, _, _) = session(&db, "in_person", now + Duration::days(30), 1, 80, false, &o.people[..1], "s-b").await;
        let booked = rec::booked_minutes(&db, 2026, now).await.unwrap();
        assert_eq!(booked.get(&o.people[0]), Some(&1080));

        // The year's export rows: the session (not closed yet) and the outside entry.
        let rows = rec::year_hours(&db, 2026).await.unwrap();
        assert_eq!(rows.len(), 2);
        let outside = rows.iter().find(|r| r.starts_at.is_none()).unwrap();
        assert_eq!(outside.credited_minutes, Some(180));
        let course = rows.iter().find(|r| r.starts_at.is_some()).unwrap();
        assert_eq!((course.scheduled_minutes, course.closed, course.credited_minutes), (480, false, None));
    }
}
