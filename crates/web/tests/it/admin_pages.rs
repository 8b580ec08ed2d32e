//! The administrator's editing pages over real HTTP, on both databases: every other role is
//! refused on every route, refused input comes back explained with what was typed and changes
//! nothing, and each change leaves its access-log entry.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{
    PASSWORD, Server, client, get_page, page_answer, session, session_csrf, start_unlimited,
};
use domain::office::accounts::Role;
use serde_json::{Value, json};

/// Post a form as the signed-in user; the status, the `Location` and the body.
async fn post(
    s: &Server,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let token = session_csrf(s, cookie).await;
    let res = client()
        .post(s.url(path))
        .header("cookie", cookie)
        .header("x-csrf-token", token)
        .form(form)
        .send()
        .await
        .unwrap();
    let (status, body, location) = page_answer(res).await;
    (status, location.unwrap_or_default(), body)
}

async fn audit_actions(s: &Server, subject: &str) -> Vec<String> {
    store::office::audit::list(
        &s.state.db,
        &store::office::audit::AuditQuery {
            subject: Some(subject.into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|e| e.action)
    .collect()
}

async fn server(backend: &str) -> Server {
    let s = start_unlimited(backend).await;
    // The roles the shared server does not seed, so that every role is tried.
    let hash = store::kit::secrets::hash_password(PASSWORD).unwrap();
    let mut tx = s.state.db.begin().await.unwrap();
    for (username, role) in [
        ("trainer", Role::TrainingOfficer),
        ("committee", Role::CommitteeMember),
        ("protector", Role::ProtectionOfficer),
    ] {
        store::office::accounts::create(
            &mut tx,
            &store::office::accounts::NewAccount {
                username,
                display_name: username,
                email: "",
                phone: "",
                role,
                department_id: Some(s.ids.office),
                password_hash: &hash,
            },
            store::now(),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    s
}

store::backend_tests! {
    #[tokio::test]
    async fn only_administrators_reach_the_editing_pages(backend) {
        let s = server(backend).await;
        let d = s.ids.build;
        let kim = store::office::accounts::find_by_username(&s.state.db, "kim")
            .await
            .unwrap()
            .id;
        let type_id = {
            let admin = session(&s, "admin").await;
            let (st, location, _) = post(
                &s,
                &admin,
                "/admin/types",
                &[
                    ("name", "옥외광고물 허가"),
                    ("code", "ad-permit"),
                    ("period", "7d"),
                ],
            )
            .await;
            assert_eq!(st, 303);
            location
                .trim_start_matches("/admin/types/")
                .trim_end_matches("?saved=1")
                .parse::<i64>()
                .unwrap()
        };
        let gets = [
            "/admin/departments/new".to_string(),
            format!("/admin/departments/{d}"),
            "/admin/accounts/new".to_string(),
            format!("/admin/accounts/{kim}"),
            "/admin/types/new".to_string(),
            format!("/admin/types/{type_id}"),
        ];
        let posts = [
            (
                "/admin/departments".to_string(),
                vec![("code", "x-dept"), ("name", "가짜과")],
            ),
            (
                format!("/admin/departments/{d}"),
                vec![("name", "바뀐 이름")],
            ),
            (
                "/admin/accounts".to_string(),
                vec![
                    ("username", "intruder"),
                    ("display_name", "침입자"),
                    ("role", "administrator"),
                    ("password", "Intruder-2026!"),
                ],
            ),
            (
                format!("/admin/accounts/{kim}"),
                vec![("role", "administrator"), ("active", "yes")],
            ),
            (
                format!("/admin/accounts/{kim}/password"),
                vec![("new_password", "Taken-over-2026"), ("confirm", "yes")],
            ),
            (
                "/admin/types".to_string(),
                vec![("name", "가짜 민원"), ("code", "fake"), ("period", "1d")],
            ),
            (
                format!("/admin/types/{type_id}"),
                vec![
                    ("name", "바뀐 민원"),
                    ("code", "ad-permit"),
                    ("period", "1d"),
                ],
            ),
            (
                "/admin/office-hours".to_string(),
                vec![("start", "07:00"), ("end", "22:00")],
            ),
        ];
        for username in [
            "sup",
            "kim",
            "lee",
            "counsel",
            "resident",
            "trainer",
            "committee",
            "protector",
        ] {
            let cookie = session(&s, username).await;
            for path in &gets {
                let (st, _) = get_page(&s, path, &cookie).await;
                assert_eq!(st, 403, "{username} GET {path}");
            }
            for (path, form) in &posts {
                let (st, _, _) = post(&s, &cookie, path, form).await;
                assert_eq!(st, 403, "{username} POST {path}");
            }
        }
        // Without a session: to the sign-in page.
        let (st, _) = get_page(&s, "/admin/accounts/new", "").await;
        assert_eq!(st, 303);
        // Nothing was changed by any of them.
        let db = &s.state.db;
        assert!(
            store::office::departments::get_by_code(db, "x-dept")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store::office::departments::get(db, d).await.unwrap().name,
            "건설과"
        );
        assert!(
            store::office::accounts::find_by_username(db, "intruder")
                .await
                .is_err()
        );
        let k = store::office::accounts::get(db, kim).await.unwrap();
        assert_eq!(k.role, Role::Official);
        assert!(
            store::petitions::get_type_by_code(db, "fake")
                .await
                .is_err()
        );
        let t = store::petitions::get_type(db, type_id).await.unwrap();
        assert_eq!(t.name, "옥외광고물 허가");
        assert_eq!(
            store::office::settings::office_hours(db).await.unwrap(),
            calendar::OfficeHours::default()
        );
        // kim's password still works.
        session(&s, "kim").await;
        s.shutdown().await;
    }

    #[tokio::test]
    async fn departments_and_accounts_are_edited_with_explanations_and_log_entries(backend) {
        let s = server(backend).await;
        let admin = session(&s, "admin").await;
        let db = s.state.db.clone();

        // A bad code comes back explained, with what was typed.
        let office = s.ids.office.to_string();
        let (st, _, body) = post(
            &s,
            &admin,
            "/admin/departments",
            &[
                ("code", "Bad Code"),
                ("name", "도시재생과"),
                ("name_en", "Urban Renewal"),
                ("parent_id", &office),
            ],
        )
        .await;
        assert_eq!(st, 422);
        assert!(body.contains("부서 코드는 영문 소문자"), "{body}");
        assert!(body.contains("value=\"도시재생과\"") && body.contains("value=\"Bad Code\""));
        let (st, location, _) = post(
            &s,
            &admin,
            "/admin/departments",
            &[
                ("code", "urban"),
                ("name", "도시재생과"),
                ("name_en", "Urban Renewal"),
                ("parent_id", &office),
            ],
        )
        .await;
        assert_eq!(st, 303);
        let urban = store::office::departments::get_by_code(&db, "urban")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(location, format!("/admin/departments/{}?saved=1", urban.id));
        assert_eq!(urban.parent_id, Some(s.ids.office));
        assert_eq!(
            audit_actions(&s, &format!("department:{}", urban.id)).await,
            ["department.create"]
        );

        // Moving 민원과 under its own 민원팀 would make a cycle: refused, nothing changed.
        let team = s.ids.team.to_string();
        let (st, _, body) = post(
            &s,
            &admin,
            &format!("/admin/departments/{}", s.ids.civil),
            &[("name", "민원과"), ("parent_id", &team), ("active", "yes")],
        )
        .await;
        assert_eq!(st, 422);
        assert!(body.contains("하위 부서 아래로 옮길 수 없습니다"));
        assert_eq!(
            store::office::departments::get(&db, s.ids.civil)
                .await
                .unwrap()
                .parent_id,
            Some(s.ids.office)
        );
        // Rename and move 도시재생과 under 건설과; English page, English message on refusal.
        let build = s.ids.build.to_string();
        let path = format!("/admin/departments/{}", urban.id);
        let (st, _, _) = post(
            &s,
            &admin,
            &path,
            &[
                ("name", "도시재생팀"),
                ("name_en", "Urban Renewal Team"),
                ("parent_id", &build),
                ("active", "yes"),
            ],
        )
        .await;
        assert_eq!(st, 303);
        let moved = store::office::departments::get(&db, urban.id)
            .await
            .unwrap();
        assert_eq!(
            (moved.name.as_str(), moved.parent_id),
            ("도시재생팀", Some(s.ids.build))
        );
        // Retiring needs the confirmation.
        let (st, _, body) = post(
            &s,
            &admin,
            &path,
            &[("name", "도시재생팀"), ("parent_id", &build)],
        )
        .await;
        assert_eq!(st, 422);
        assert!(body.contains("확인란"));
        assert!(
            store::office::departments::get(&db, urban.id)
                .await
                .unwrap()
                .active
        );
        let (st, _, _) = post(
            &s,
            &admin,
            &path,
            &[
                ("name", "도시재생팀"),
                ("parent_id", &build),
                ("confirm", "yes"),
            ],
        )
        .await;
        assert_eq!(st, 303);
        assert!(
            !store::office::departments::get(&db, urban.id)
                .await
                .unwrap()
                .active
        );

        // Accounts: a weak password is explained, the typed name kept, nothing created.
        let team_id = s.ids.team.to_string();
        let (st, _, body) = post(
            &s,
            &admin,
            "/admin/accounts?lang=en",
            &[
                ("username", "park"),
                ("display_name", "박새내"),
                ("role", "official"),
                ("department_id", &team_id),
                ("password", "short"),
            ],
        )
        .await;
        assert_eq!(st, 422);
        assert!(body.contains("a password needs 10 to 200 characters"));
        assert!(
            !body.contains("이름은 1~100자"),
            "English only on the English page"
        );
        assert!(body.contains("value=\"박새내\""));
        assert!(
            store::office::accounts::find_by_username(&db, "park")
                .await
                .is_err()
        );
        // A retired department takes no new accounts.
        let urban_id = urban.id.to_string();
        let (st, _, body) = post(
            &s,
            &admin,
            "/admin/accounts",
            &[
                ("username", "park"),
                ("display_name", "박새내"),
                ("role", "official"),
                ("department_id", &urban_id),
                ("password", "Minwon-new-2026"),
            ],
        )
        .await;
        assert_eq!(st, 422);
        assert!(body.contains("폐지된 부서"));
        let (st, _, body) = post(
            &s,
            &admin,
            "/admin/types",
            &[
                ("name", "도시재생 상담"),
                ("code", "renewal"),
                ("period", "7d"),
                ("department_id", &urban_id),
            ],
        )
        .await;
        assert_eq!(st, 422);
        assert!(body.contains("폐지된 부서"));
        assert!(
            store::petitions::get_type_by_code(&db, "renewal")
                .await
                .is_err()
        );
        let (st, _, _) = post(
            &s,
            &admin,
            "/admin/accounts",
            &[
                ("username", "park"),
                ("display_name", "박새내"),
                ("role", "official"),
                ("department_id", &team_id),
                ("password", "Minwon-new-2026"),
            ],
        )
        .await;
        assert_eq!(st, 303);
        let park = store::office::accounts::find_by_username(&db, "park")
            .await
            .unwrap();
        assert_eq!(
            (park.role, park.department_id),
            (Role::Official, Some(s.ids.team))
        );
        // park signs in; making them a supervisor of 민원과, then locking, ends the session.
        let res = client()
            .post(s.url("/api/v1/tokens"))
            .json(&json!({"username": "park", "password": "Minwon-new-2026"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let token: Value = res.json().await.unwrap();
        let token = token["token"].as_str().unwrap().to_string();
        let civil = s.ids.civil.to_string();
        let path = format!("/admin/accounts/{}", park.id);
        let (st, _, _) = post(
            &s,
            &admin,
            &path,
            &[
                ("role", "supervisor"),
                ("department_id", &civil),
                ("active", "yes"),
            ],
        )
        .await;
        assert_eq!(st, 303);
        let me = client()
            .get(s.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);
        let (st, _, _) = post(
            &s,
            &admin,
            &path,
            &[("role", "supervisor"), ("department_id", &civil)],
        )
        .await;
        assert_eq!(st, 303);
        let me = client()
            .get(s.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 401, "a locked account's token is dead");
        // A staff role without a department is refused, the choice kept.
        let (st, _, body) = post(
            &s,
            &admin,
            &path,
            &[
                ("role", "official"),
                ("department_id", ""),
                ("active", "yes"),
            ],
        )
        .await;
        assert_eq!(st, 422);
        assert!(body.contains("부서가 필요합니다"));
        // An administrator cannot lock themselves out.
        let me_id = store::office::accounts::find_by_username(&db, "admin")
            .await
            .unwrap()
            .id;
        let office = s.ids.office.to_string();
        let (st, _, _) = post(
            &s,
            &admin,
            &format!("/admin/accounts/{me_id}"),
            &[("role", "administrator"), ("department_id", &office)],
        )
        .await;
        assert_eq!(st, 422);
        assert!(
            store::office::accounts::get(&db, me_id)
                .await
                .unwrap()
                .active
        );
        // Password reset: unconfirmed refused; confirmed, the new one works.
        let pw = format!("{path}/password");
        let (st, _, _) = post(&s, &admin, &pw, &[("new_password", "Another-pass-2026")]).await;
        assert_eq!(st, 422);
        let (st, _, _) = post(
            &s,
            &admin,
            &path,
            &[
                ("role", "supervisor"),
                ("department_id", &civil),
                ("active", "yes"),
            ],
        )
        .await;
        assert_eq!(st, 303);
        let (st, _, _) = post(
            &s,
            &admin,
            &pw,
            &[("new_password", "Another-pass-2026"), ("confirm", "yes")],
        )
        .await;
        assert_eq!(st, 303);
        let res = client()
            .post(s.url("/api/v1/tokens"))
            .json(&json!({"username": "park", "password": "Another-pass-2026"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        assert_eq!(
            audit_actions(&s, &format!("account:{}", park.id)).await,
            [
                "account.password_reset",
                "account.unlock",
                "account.lock",
                "account.update",
                "account.create"
            ]
        );
        s.shutdown().await;
    }

    #[tokio::test]
    async fn petition_types_and_office_hours_are_edited_and_followed(backend) {
        let s = server(backend).await;
        let admin = session(&s, "admin").await;
        let db = s.state.db.clone();
        let build = s.ids.build.to_string();
        let mut form = vec![
            ("name", "옥외광고물 표시 허가"),
            ("code", "ad-permit"),
            ("period", "7 days"),
            ("department_id", build.as_str()),
            ("documents", "설치 위치도\r\n광고물 도안"),
            ("public", "yes"),
            ("active", "yes"),
            ("f0_key", "sign_area"),
            ("f0_label", "광고물 면적(㎡)"),
            ("f0_datatype", "number"),
            ("f0_required", "yes"),
            ("f1_key", "kind"),
            ("f1_label", "광고물 종류"),
            ("f1_datatype", "choice"),
            ("f1_choices", "가로형, 돌출형"),
            // The blank row a browser sends: its select always has a value.
            ("f2_key", ""),
            ("f2_label", ""),
            ("f2_datatype", "text"),
            ("f2_choices", ""),
            ("t0_name", "허가 안내"),
            (
                "t0_text",
                "{name}님, {receipt_no} 신청을 허가합니다.\r\n{answer}\r\n{department}",
            ),
        ];
        // A period the calendar cannot read: explained, everything typed kept.
        let (st, _, body) = post(&s, &admin, "/admin/types", &form).await;
        assert_eq!(st, 422);
        assert!(body.contains("7d(7일)"), "{body}");
        assert!(body.contains("value=\"sign_area\"") && body.contains("value=\"가로형, 돌출형\""));
        assert!(body.contains("설치 위치도"));
        form[2].1 = "7d";
        // A misspelt placeholder is named.
        form.push(("t1_name", "오타"));
        form.push(("t1_text", "{nmae}님"));
        let (st, _, body) = post(&s, &admin, "/admin/types", &form).await;
        assert_eq!(st, 422);
        assert!(body.contains("{nmae}"));
        form.truncate(form.len() - 2);
        let (st, _, _) = post(&s, &admin, "/admin/types", &form).await;
        assert_eq!(st, 303);
        let t = store::petitions::get_type_by_code(&db, "ad-permit")
            .await
            .unwrap();
        assert_eq!(t.period, calendar::Period::Days(7));
        assert_eq!(t.department_id, Some(s.ids.build));
        assert_eq!(t.required_documents, ["설치 위치도", "광고물 도안"]);
        assert_eq!(t.fields.len(), 2);
        assert_eq!(t.fields[1].choices, ["가로형", "돌출형"]);
        assert!(t.fields[0].required);
        assert_eq!(
            t.templates[0].text,
            "{name}님, {receipt_no} 신청을 허가합니다.\n{answer}\n{department}"
        );
        assert_eq!(
            audit_actions(&s, &format!("petition_type:{}", t.id)).await,
            ["petition_type.create"]
        );
        // The resident's form shows the new field; Open311 lists it as an attribute.
        let (st, body) = get_page(&s, &format!("/petitions/new/{}", t.id), "").await;
        assert_eq!(st, 200);
        assert!(body.contains("광고물 면적(㎡)") && body.contains("name=\"x_sign_area\""));
        let res = client()
            .get(s.url(&format!("/open311/v2/services/{}.json", t.code)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("sign_area"));

        // A general type changes department only; its kind and period stay.
        let token = s.token("admin").await;
        let res = client()
            .post(s.url("/api/v1/petition-types"))
            .bearer_auth(&token)
            .json(&json!({"code": "proposal", "name": "건의민원", "kind": "proposal"}))
            .send()
            .await
            .unwrap();
        let general: Value = res.json().await.unwrap();
        let gid = general["id"].as_i64().unwrap();
        let before = store::petitions::get_type(&db, gid).await.unwrap();
        let (st, _, _) = post(
            &s,
            &admin,
            &format!("/admin/types/{gid}"),
            &[
                ("department_id", &build),
                ("period", "1h"),
                ("name", "다른 이름"),
                ("t0_name", "건의 답변"),
                ("t0_text", "{answer}"),
            ],
        )
        .await;
        assert_eq!(st, 303);
        let after = store::petitions::get_type(&db, gid).await.unwrap();
        assert_eq!(after.department_id, Some(s.ids.build));
        assert_eq!(
            (after.period, after.name.as_str(), after.kind),
            (before.period, "건의민원", before.kind)
        );
        assert_eq!(after.templates.len(), 1);

        // Office hours: refused when lunch is outside the day; saved, every due moment follows.
        let res = client()
            .post(s.url("/api/v1/petitions"))
            .bearer_auth(s.token("resident").await)
            .json(&json!({"type_id": t.id, "title": "간판 허가", "body": "가게 간판", "extra": {"sign_area": 2}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let filed: Value = res.json().await.unwrap();
        let pid = filed["id"].as_i64().unwrap();
        let res = client()
            .post(s.url(&format!("/api/v1/petitions/{pid}/actions")))
            .bearer_auth(s.token("lee").await)
            .json(&json!({"action": "receive"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let due_before = store::petitions::get(&db, pid)
            .await
            .unwrap()
            .due_at
            .unwrap();
        let (st, _, body) = post(
            &s,
            &admin,
            "/admin/office-hours",
            &[
                ("start", "09:00"),
                ("end", "18:00"),
                ("lunch_start", "19:00"),
                ("lunch_end", "20:00"),
            ],
        )
        .await;
        assert_eq!(st, 422);
        assert!(body.contains("근무시간이 맞지 않습니다") && body.contains("value=\"19:00\""));
        let (st, _, body) = post(
            &s,
            &admin,
            "/admin/office-hours",
            &[("start", "9:00"), ("end", "nine")],
        )
        .await;
        assert_eq!(st, 422);
        assert!(body.contains("09:00처럼"));
        assert_eq!(
            store::office::settings::office_hours(&db).await.unwrap(),
            calendar::OfficeHours::default()
        );
        let (st, _, body) = post(
            &s,
            &admin,
            "/admin/office-hours",
            &[
                ("start", "10:00"),
                ("end", "19:00"),
                ("lunch_start", "12:00"),
                ("lunch_end", "13:00"),
            ],
        )
        .await;
        assert_eq!(st, 200);
        assert!(body.contains("근무시간을 저장했습니다"));
        let hours = store::office::settings::office_hours(&db).await.unwrap();
        assert_eq!(
            hours.end,
            chrono::NaiveTime::from_hms_opt(19, 0, 0).unwrap()
        );
        let (cal, _) = store::petitions::work_calendar(&db).await.unwrap();
        assert_eq!(cal.office_hours(), &hours);
        let due_after = store::petitions::get(&db, pid)
            .await
            .unwrap()
            .due_at
            .unwrap();
        assert_ne!(
            due_before, due_after,
            "the cached due moment follows the hours"
        );
        let seoul = calendar::to_seoul(due_after).time();
        assert!(seoul <= hours.end && seoul >= hours.start, "{seoul}");
        assert_eq!(audit_actions(&s, "settings").await, ["settings.update"]);
        s.shutdown().await;
    }

    /// The frontline-protection settings from the administrator's page: saved when valid (same
    /// checks as the API), explained and unchanged when not, refused to an official.
    #[tokio::test]
    async fn protection_settings_from_the_admin_page(backend) {
        let s = server(backend).await;
        let admin = session(&s, "admin").await;
        let (st, body) = get_page(&s, "/admin", &admin).await;
        assert_eq!(st, 200);
        assert!(body.contains("id=\"protection-settings\""), "{body}");
        let form = |retention: &'static str| {
            [
                ("counter_minutes", "15"),
                ("phone_minutes", "12"),
                ("visit_minutes", "40"),
                ("evidence_retention_days", retention),
                ("security_desk", "guard@example.kr"),
            ]
        };
        let (st, _, body) = post(&s, &admin, "/admin/protection-settings", &form("100")).await;
        assert!(body.contains("365"), "{st} {body}");
        let retention =
            || store::office::settings::get(&s.state.db, "protection.evidence_retention_days");
        assert_eq!(retention().await.unwrap(), None, "nothing saved");
        let (st, _, body) = post(&s, &admin, "/admin/protection-settings", &form("730")).await;
        assert_eq!(st, 200, "{body}");
        assert_eq!(retention().await.unwrap().as_deref(), Some("730"));
        assert_eq!(
            store::protection::contact_minutes(&s.state.db, domain::protection::Channel::Phone)
                .await
                .unwrap(),
            12
        );
        let kim = session(&s, "kim").await;
        let (st, _, _) = post(&s, &kim, "/admin/protection-settings", &form("900")).await;
        assert_eq!(st, 403);
        assert_eq!(retention().await.unwrap().as_deref(), Some("730"));
    }
}
