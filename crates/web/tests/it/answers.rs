//! Issue 14 over real HTTP, on SQLite and (when configured) PostgreSQL: an answer goes out only
//! as the official meant it (similar answers beside the draft, never in it; draft markers and
//! unfilled placeholders refused; the preview is exactly what the petitioner gets, with their
//! real name); extensions within the Decree's cap in the period's own unit; approval (결재) of
//! answers and extensions, with the officials told.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Server, api, bilingual, browser, start};
use serde_json::{Value, json};

const TEMPLATE: &str = "{name}님, {answer}\n담당: {department} {official}";

/// A question type handled by 민원팀 with one template; `needs_approval` as given.
async fn make_type(s: &Server, code: &str, period: Option<&str>, needs_approval: bool) -> i64 {
    let admin = api(s, "admin").await;
    let mut body = json!({"code": code, "name": format!("{code} 종류"), "kind": "question_system",
        "department_code": "civil-team", "needs_approval": needs_approval,
        "templates": [{"name": "기본", "text": TEMPLATE}]});
    if let Some(p) = period {
        body["kind"] = json!("statutory");
        body["period"] = json!(p);
    }
    let (st, t) = admin.post("/api/v1/petition-types", body).await;
    assert_eq!(st, 201, "{t}");
    assert_eq!(t["needs_approval"], needs_approval);
    t["id"].as_i64().unwrap()
}

/// The resident files; the desk receives. Returns the petition id.
async fn filed_and_received(s: &Server, type_id: i64, title: &str, body: &str) -> i64 {
    let resident = api(s, "resident").await;
    let kim = api(s, "kim").await;
    let (st, p) = resident
        .post(
            "/api/v1/petitions",
            json!({"type_id": type_id, "title": title, "body": body,
                   "petitioner": {"name": "홍길동", "phone": "010-2222-3333"}}),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    let (st, r) = kim
        .post(
            &format!("/api/v1/petitions/{id}/actions"),
            json!({"action": "receive"}),
        )
        .await;
    assert_eq!(st, 200, "{r}");
    id
}

fn step(action: &str, extra: Value) -> Value {
    let mut v = extra;
    v["action"] = json!(action);
    v
}

async fn timeline_kinds(s: &Server, user: &str, id: i64) -> Vec<String> {
    let (st, t) = api(s, user)
        .await
        .get(&format!("/api/v1/petitions/{id}/timeline"))
        .await;
    assert_eq!(st, 200, "{t}");
    t.as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

store::backend_tests! {
    #[tokio::test]
    async fn an_answer_goes_out_only_as_meant(backend) {
        let s = start(backend).await;
        let type_id = make_type(&s, "question", None, false).await;
        let kim = api(&s, "kim").await;
        let resident = api(&s, "resident").await;
        // An earlier, answered petition like this one: another petitioner's answer.
        let earlier = filed_and_received(
            &s,
            type_id,
            "석봉로 포트홀 신고",
            "석봉로 도로에 포트홀이 생겨 위험합니다.",
        )
        .await;
        let other_answer = "박이웃님, 석봉로 포트홀은 11월 20일에 보수를 마쳤습니다.";
        let (st, r) = kim
            .post(
                &format!("/api/v1/petitions/{earlier}/actions"),
                step("answer", json!({"text": other_answer})),
            )
            .await;
        assert_eq!(st, 200, "{r}");
        let id = filed_and_received(
            &s,
            type_id,
            "석봉로 포트홀 또 생김",
            "석봉로 도로에 포트홀이 다시 생겼습니다. 보수해 주세요.",
        )
        .await;

        // The draft: the template with the petitioner's own name, the draft marker and
        // {answer} still to write; similar answers beside it, never in it.
        let (st, d) = kim
            .post(&format!("/api/v1/petitions/{id}/draft"), json!({}))
            .await;
        assert_eq!(st, 200, "{d}");
        let draft = d["text"].as_str().unwrap().to_string();
        assert!(draft.contains("홍길동님"), "{draft}");
        assert!(!draft.contains("홍*동"), "{draft}");
        assert!(draft.contains("[초안 · DRAFT]") && draft.contains("{answer}"));
        assert!(!draft.contains("보수를 마쳤습니다"), "{draft}");
        let similar = d["similar"].as_array().unwrap();
        assert_eq!(similar.len(), 1, "{d}");
        assert!(
            similar[0]["answer"]
                .as_str()
                .unwrap()
                .contains("보수를 마쳤습니다")
        );

        // Sent as drafted: refused, nothing written.
        let before = timeline_kinds(&s, "kim", id).await;
        let (st, e) = kim
            .post(
                &format!("/api/v1/petitions/{id}/actions"),
                step("answer", json!({"text": draft})),
            )
            .await;
        assert_eq!(st, 400, "{e}");
        assert_eq!(e["code"], "answer_is_draft");
        bilingual(&e);
        // Marker removed but {answer} unfilled: refused too, in the preview as in sending.
        let unfilled = draft.replace("[초안 · DRAFT] 담당자가 검토·수정한 뒤 발송하십시오.", "");
        for path in ["answer-preview", "actions"] {
            let body = if path == "actions" {
                step("answer", json!({"text": unfilled}))
            } else {
                json!({"text": unfilled})
            };
            let (st, e) = kim
                .post(&format!("/api/v1/petitions/{id}/{path}"), body)
                .await;
            assert_eq!(st, 400, "{path}: {e}");
            assert_eq!(e["code"], "answer_unfilled");
            bilingual(&e);
        }
        assert_eq!(timeline_kinds(&s, "kim", id).await, before);

        // The preview is the final text; sending it as is gives the petitioner exactly that.
        let (st, pv) = kim
            .post(
                &format!("/api/v1/petitions/{id}/answer-preview"),
                json!({"text": "석봉로 포트홀은 이번 주 안에 보수하겠습니다.", "template": "기본"}),
            )
            .await;
        assert_eq!(st, 200, "{pv}");
        let final_text = pv["text"].as_str().unwrap().to_string();
        assert_eq!(
            final_text,
            "홍길동님, 석봉로 포트홀은 이번 주 안에 보수하겠습니다.\n담당: 민원팀 kim 이름"
        );
        assert_eq!(pv["needs_approval"], false);
        // Residents cannot preview.
        let (st, _) = resident
            .post(
                &format!("/api/v1/petitions/{id}/answer-preview"),
                json!({"text": "x"}),
            )
            .await;
        assert_eq!(st, 403);
        let (st, r) = kim
            .post(
                &format!("/api/v1/petitions/{id}/actions"),
                step("answer", json!({"text": final_text})),
            )
            .await;
        assert_eq!(st, 200, "{r}");
        let (st, mine) = resident.get(&format!("/api/v1/petitions/{id}")).await;
        assert_eq!(st, 200);
        assert_eq!(mine["handling"]["answers"][0]["text"], final_text.as_str());
        s.shutdown().await;
    }

    #[tokio::test]
    async fn the_answer_pages_show_similar_beside_refuse_drafts_and_preview(backend) {
        let s = start(backend).await;
        let type_id = make_type(&s, "question", None, false).await;
        let kim = api(&s, "kim").await;
        let earlier = filed_and_received(
            &s,
            type_id,
            "가평읍 가로등 고장",
            "가평읍 가로등이 꺼졌습니다.",
        )
        .await;
        let (st, _) = kim
            .post(
                &format!("/api/v1/petitions/{earlier}/actions"),
                step(
                    "answer",
                    json!({"text": "가평읍 가로등은 교체를 마쳤습니다 (이웃 답변)."}),
                ),
            )
            .await;
        assert_eq!(st, 200);
        let id = filed_and_received(
            &s,
            type_id,
            "가평읍 가로등 또 고장",
            "가평읍 가로등이 다시 꺼졌습니다.",
        )
        .await;
        let b = browser(&s, "kim").await;
        let (st, html, _) = b
            .post(
                &format!("/desk/petitions/{id}/draft"),
                &[("template", "기본")],
            )
            .await;
        assert_eq!(st, 200, "{html}");
        // Beside the editor, not inside it.
        let aside = html
            .find("id=\"similar-answers\"")
            .expect("similar answers");
        let editor = html.find("id=\"ans-text\"").expect("the editor");
        assert!(html[aside..editor].contains("교체를 마쳤습니다"));
        let textarea = &html[editor..editor + html[editor..].find("</textarea>").unwrap()];
        assert!(!textarea.contains("교체를 마쳤습니다"), "{textarea}");
        assert!(textarea.contains("홍길동님") && textarea.contains("[초안 · DRAFT]"));

        // Previewing the draft as is: refused next to the field, the text kept.
        let typed = "[초안 · DRAFT] 담당자가 검토·수정한 뒤 발송하십시오.\n\n홍길동님, {answer}";
        let (st, html, _) = b
            .post(
                &format!("/desk/petitions/{id}/act"),
                &[("action", "preview_answer"), ("text", typed)],
            )
            .await;
        assert_eq!(st, 422);
        assert!(html.contains("id=\"ans-error\""), "{html}");
        // A Korean page shows the Korean half of the message (issue 15, item 5).
        assert!(html.contains("초안 표시"), "{html}");
        assert!(html.contains("홍길동님, {answer}"));
        // The similar answers stay beside the editor while the official corrects it.
        let aside = html
            .find("id=\"similar-answers\"")
            .expect("similar answers after a refused preview");
        let editor = html.find("id=\"ans-text\"").expect("the editor");
        assert!(aside < editor);
        assert!(html[aside..editor].contains("교체를 마쳤습니다"), "{html}");
        let textarea = &html[editor..editor + html[editor..].find("</textarea>").unwrap()];
        assert!(!textarea.contains("교체를 마쳤습니다"), "{textarea}");
        // A good preview, then sending exactly that.
        let (st, html, _) = b
            .post(
                &format!("/desk/petitions/{id}/act"),
                &[
                    ("action", "preview_answer"),
                    ("template", "기본"),
                    ("text", "가로등을 오늘 교체하겠습니다."),
                ],
            )
            .await;
        assert_eq!(st, 200, "{html}");
        let want = "홍길동님, 가로등을 오늘 교체하겠습니다.\n담당: 민원팀 kim 이름";
        assert!(
            html.contains(&format!("id=\"answer-preview\">{want}</div>")),
            "{html}"
        );
        let (st, _, to) = b
            .post(
                &format!("/desk/petitions/{id}/act"),
                &[("action", "send_answer"), ("text", want)],
            )
            .await;
        assert_eq!(st, 303);
        assert_eq!(to.unwrap(), format!("/desk/petitions/{id}?done=1"));
        let resident = browser(&s, "resident").await;
        let (st, html, _) = resident.get(&format!("/my/{id}")).await;
        assert_eq!(st, 200);
        assert!(
            html.contains(&format!("<div class=\"mw-answer-text\">{want}</div>")),
            "{html}"
        );
        s.shutdown().await;
    }

    #[tokio::test]
    async fn extensions_stay_within_the_cap_in_the_periods_unit(backend) {
        let s = start(backend).await;
        let kim = api(&s, "kim").await;
        for (code, period, over, at_cap) in [
            ("immediate", "immediate", "4h", "3h"),
            ("immediate-day", "immediate", "1d", "immediate"),
            ("five", "5d", "41h", "40h"),
            ("six", "6d", "49h", "6d"),
        ] {
            let t = make_type(&s, code, Some(period), false).await;
            let id = filed_and_received(&s, t, "연장 경계", "연장 경계를 시험합니다.").await;
            let ext = |p: &str| {
                step(
                    "extend",
                    json!({"period": p, "ground": "cooperation", "reason": "관계기관 협의"}),
                )
            };
            let (st, e) = kim
                .post(&format!("/api/v1/petitions/{id}/actions"), ext(over))
                .await;
            assert_eq!(st, 400, "{period} + {over}: {e}");
            assert_eq!(e["code"], "extension_too_long");
            bilingual(&e);
            let (_, p) = kim.get(&format!("/api/v1/petitions/{id}")).await;
            assert_eq!(p["handling"]["extensions"], json!([]));
            let (st, p) = kim
                .post(&format!("/api/v1/petitions/{id}/actions"), ext(at_cap))
                .await;
            assert_eq!(st, 200, "{period} + {at_cap}: {p}");
            assert_eq!(p["handling"]["extensions"].as_array().unwrap().len(), 1);
        }
        // Through the page: refused next to the field, what was typed kept.
        let t = make_type(&s, "immediate-page", Some("immediate"), false).await;
        let id = filed_and_received(&s, t, "즉시 민원", "즉시 처리 민원입니다.").await;
        let b = browser(&s, "kim").await;
        let (st, html, _) = b
            .post(
                &format!("/desk/petitions/{id}/act"),
                &[
                    ("action", "extend"),
                    ("amount", "4"),
                    ("ground", "cooperation"),
                    ("reason", "관계기관 협의"),
                ],
            )
            .await;
        assert_eq!(st, 422);
        assert!(html.contains("id=\"ext-error\""), "{html}");
        assert!(html.contains("근무시간"), "{html}");
        assert!(html.contains("value=\"4\""));
        // Its notice is not even previewed.
        let (st, html, _) = b
            .post(
                &format!("/desk/petitions/{id}/act"),
                &[
                    ("action", "extend"),
                    ("preview", "1"),
                    ("amount", "4"),
                    ("ground", "cooperation"),
                    ("reason", "관계기관 협의"),
                ],
            )
            .await;
        assert_eq!(st, 422);
        assert!(html.contains("id=\"ext-error\""), "{html}");
        assert!(!html.contains("id=\"extension-preview\""));
        s.shutdown().await;
    }
}

async fn outbox_to(s: &Server, to: &str) -> Vec<String> {
    let rows: Vec<(String, String)> = match &s.state.db.pool {
        store::Pool::Sqlite(p) => {
            sqlx::query_as("SELECT subject, body FROM outbox WHERE recipient = $1 ORDER BY id")
                .bind(to)
                .fetch_all(p)
                .await
                .unwrap()
        }
        store::Pool::Postgres(p) => {
            sqlx::query_as("SELECT subject, body FROM outbox WHERE recipient = $1 ORDER BY id")
                .bind(to)
                .fetch_all(p)
                .await
                .unwrap()
        }
    };
    rows.into_iter()
        .map(|(subject, body)| format!("{subject}\n{body}"))
        .collect()
}

store::backend_tests! {
    #[tokio::test]
    async fn approval_holds_answers_and_extensions_until_the_supervisor_decides(backend) {
        let s = start(backend).await;
        let type_id = make_type(&s, "approved-type", Some("7d"), true).await;
        let kim = api(&s, "kim").await;
        let sup = api(&s, "sup").await;
        let lee = api(&s, "lee").await;
        let admin = api(&s, "admin").await;
        let resident = api(&s, "resident").await;
        let id = filed_and_received(&s, type_id, "결재 민원", "결재가 필요한 민원입니다.").await;

        // Assigned by the supervisor: kim is told, on screen and by mail.
        let (st, r) = sup
            .post(
                &format!("/api/v1/petitions/{id}/actions"),
                step(
                    "assign",
                    json!({"department_code": "civil-team", "assignee": "kim"}),
                ),
            )
            .await;
        assert_eq!(st, 200, "{r}");
        let (st, n) = kim.get("/api/v1/notices").await;
        assert_eq!(st, 200);
        assert_eq!(n[0]["kind"], "assigned");
        assert_eq!(n[0]["petition_id"], id);
        assert_eq!(n[0]["read"], false);
        // Two halves: Korean in one, English in the other.
        let (ko, en) = (
            n[0]["body_ko"].as_str().unwrap(),
            n[0]["body_en"].as_str().unwrap(),
        );
        assert!(
            ko.contains("배정되었습니다") && !ko.contains("Assigned"),
            "{ko}"
        );
        assert!(
            en.contains("Assigned to you") && !en.contains("배정"),
            "{en}"
        );
        assert!(n[0].get("body").is_none(), "{n}");
        let mails = outbox_to(&s, "kim@example.kr").await;
        assert!(mails.iter().any(|m| m.contains("결재 민원")), "{mails:?}");

        // The answer goes to the supervisor; nothing reaches the petitioner; the clock runs on.
        let (_, before) = kim.get(&format!("/api/v1/petitions/{id}")).await;
        let (st, pv) = kim
            .post(
                &format!("/api/v1/petitions/{id}/answer-preview"),
                json!({"text": "처리하였습니다.", "template": "기본"}),
            )
            .await;
        assert_eq!(st, 200, "{pv}");
        assert_eq!(pv["needs_approval"], true);
        let final_text = pv["text"].as_str().unwrap().to_string();
        let (st, p) = kim
            .post(
                &format!("/api/v1/petitions/{id}/actions"),
                step("answer", json!({"text": final_text})),
            )
            .await;
        assert_eq!(st, 200, "{p}");
        assert_eq!(p["state"], "in_progress");
        assert_eq!(p["handling"]["answers"], json!([]));
        // The supervisor who may approve is told, on screen and by mail; nobody else is.
        let (st, n) = sup.get("/api/v1/notices").await;
        assert_eq!(st, 200);
        assert_eq!(n[0]["kind"], "approval_requested", "{n}");
        assert_eq!(n[0]["petition_id"], id);
        assert!(
            n[0]["body_ko"].as_str().unwrap().contains("답변 결재 요청"),
            "{n}"
        );
        assert!(
            n[0]["body_en"]
                .as_str()
                .unwrap()
                .contains("Answer submitted for your approval"),
            "{n}"
        );
        let mails = outbox_to(&s, "sup@example.kr").await;
        assert!(
            mails
                .iter()
                .any(|m| m.contains("결재 요청") && m.contains("결재 민원")),
            "{mails:?}"
        );
        for who in [&kim, &lee, &admin] {
            let (_, n) = who.get("/api/v1/notices").await;
            assert!(
                !n.as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["kind"] == "approval_requested"),
                "{n}"
            );
        }
        assert_eq!(p["due"], before["due"]);
        assert!(p["handling"].get("approval").is_none(), "{p}");
        let (st, a) = kim.get(&format!("/api/v1/petitions/{id}/approval")).await;
        assert_eq!(st, 200);
        assert_eq!(a["pending"]["step"], "answer");
        assert_eq!(a["pending"]["text"], final_text.as_str());
        let (st, _) = resident
            .get(&format!("/api/v1/petitions/{id}/approval"))
            .await;
        assert_eq!(st, 403);
        assert!(
            !timeline_kinds(&s, "resident", id)
                .await
                .iter()
                .any(|k| k.starts_with("approval"))
        );
        // A second submission waits for the first.
        let (st, e) = kim
            .post(
                &format!("/api/v1/petitions/{id}/actions"),
                step("answer", json!({"text": final_text})),
            )
            .await;
        assert_eq!(st, 400, "{e}");
        assert_eq!(e["code"], "approval_pending");

        // Only a supervisor of the division decides: not the official, not another
        // department's official, not the administrator.
        for who in [&kim, &lee, &admin] {
            let (st, e) = who
                .post(
                    &format!("/api/v1/petitions/{id}/approval"),
                    json!({"decision": "approve"}),
                )
                .await;
            assert_eq!(st, 403, "{e}");
            bilingual(&e);
        }
        // Returning needs a comment; nothing changes without one.
        let (st, e) = sup
            .post(
                &format!("/api/v1/petitions/{id}/approval"),
                json!({"decision": "return", "comment": " "}),
            )
            .await;
        assert_eq!(st, 400, "{e}");
        assert_eq!(e["code"], "missing_field");
        let (_, a) = kim.get(&format!("/api/v1/petitions/{id}/approval")).await;
        assert!(a["pending"].is_object());
        let (st, p) = sup
            .post(
                &format!("/api/v1/petitions/{id}/approval"),
                json!({"decision": "return", "comment": "근거 조항을 적어 주세요"}),
            )
            .await;
        assert_eq!(st, 200, "{p}");
        assert_eq!(p["handling"]["answers"], json!([]));
        // Deciding again: conflict.
        let (st, e) = sup
            .post(
                &format!("/api/v1/petitions/{id}/approval"),
                json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(st, 409, "{e}");
        assert_eq!(e["code"], "no_pending_approval");
        bilingual(&e);
        // kim is told, with the comment.
        let (_, n) = kim.get("/api/v1/notices").await;
        assert_eq!(n[0]["kind"], "approval_returned");
        let (ko, en) = (
            n[0]["body_ko"].as_str().unwrap(),
            n[0]["body_en"].as_str().unwrap(),
        );
        assert!(ko.contains("반려되었습니다") && ko.contains("근거 조항을 적어 주세요"));
        assert!(
            en.contains("Answer returned") && !en.contains("반려"),
            "{en}"
        );
        let mails = outbox_to(&s, "kim@example.kr").await;
        assert!(mails.iter().any(|m| m.contains("근거 조항을 적어 주세요")));
        let (_, a) = kim.get(&format!("/api/v1/petitions/{id}/approval")).await;
        assert_eq!(a["returned"]["comment"], "근거 조항을 적어 주세요");

        // Resubmitted, approved: the answer takes effect as submitted.
        let revised = format!("{final_text}\n근거: 민원처리법 제27조");
        let (st, _) = kim
            .post(
                &format!("/api/v1/petitions/{id}/actions"),
                step("answer", json!({"text": revised})),
            )
            .await;
        assert_eq!(st, 200);
        let (st, p) = sup
            .post(
                &format!("/api/v1/petitions/{id}/approval"),
                json!({"decision": "approve", "comment": "좋습니다"}),
            )
            .await;
        assert_eq!(st, 200, "{p}");
        assert_eq!(p["state"], "answered");
        let (_, mine) = resident.get(&format!("/api/v1/petitions/{id}")).await;
        assert_eq!(mine["handling"]["answers"][0]["text"], revised.as_str());
        let kinds = timeline_kinds(&s, "sup", id).await;
        let tail: Vec<&str> = kinds
            .iter()
            .rev()
            .take(5)
            .rev()
            .map(String::as_str)
            .collect();
        assert_eq!(
            tail,
            [
                "approval_requested",
                "approval_returned",
                "approval_requested",
                "approved",
                "answered"
            ]
        );

        // An extension waits too; and nobody approves their own submission.
        let id2 = filed_and_received(&s, type_id, "연장 결재", "연장이 필요한 민원입니다.").await;
        let (_, before) = sup.get(&format!("/api/v1/petitions/{id2}")).await;
        let (st, p) = sup
            .post(
                &format!("/api/v1/petitions/{id2}/actions"),
                step(
                    "extend",
                    json!({"period": "7d", "ground": "fact_check", "reason": "사실 확인"}),
                ),
            )
            .await;
        assert_eq!(st, 200, "{p}");
        assert_eq!(p["handling"]["extensions"], json!([]));
        assert_eq!(p["due"], before["due"]);
        let (st, e) = sup
            .post(
                &format!("/api/v1/petitions/{id2}/approval"),
                json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(st, 400, "{e}");
        assert_eq!(e["code"], "own_submission");
        bilingual(&e);
        // Nor is anyone told to approve their own submission.
        let (_, n) = sup.get("/api/v1/notices").await;
        assert!(
            !n.as_array()
                .unwrap()
                .iter()
                .any(|x| x["kind"] == "approval_requested" && x["petition_id"] == id2),
            "{n}"
        );
        // Over the cap cannot even be submitted.
        let id3 = filed_and_received(&s, type_id, "연장 초과", "연장 초과 민원입니다.").await;
        let (st, e) = kim
            .post(
                &format!("/api/v1/petitions/{id3}/actions"),
                step(
                    "extend",
                    json!({"period": "8d", "ground": "fact_check", "reason": "사실 확인"}),
                ),
            )
            .await;
        assert_eq!(st, 400, "{e}");
        assert_eq!(e["code"], "extension_too_long");
        let (st, p) = kim
            .post(
                &format!("/api/v1/petitions/{id3}/actions"),
                step(
                    "extend",
                    json!({"period": "7d", "ground": "fact_check", "reason": "사실 확인"}),
                ),
            )
            .await;
        assert_eq!(st, 200, "{p}");
        let (st, p) = sup
            .post(
                &format!("/api/v1/petitions/{id3}/approval"),
                json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(st, 200, "{p}");
        assert_eq!(p["handling"]["extensions"].as_array().unwrap().len(), 1);
        assert_ne!(p["due"], before["due"]);
        s.shutdown().await;
    }

    #[tokio::test]
    async fn approval_through_the_pages(backend) {
        let s = start(backend).await;
        let type_id = make_type(&s, "approved-type", Some("7d"), true).await;
        let id = filed_and_received(&s, type_id, "결재 화면", "결재 화면 민원입니다.").await;
        let kim = browser(&s, "kim").await;
        let sup = browser(&s, "sup").await;
        let (st, html, _) = kim
            .post(
                &format!("/desk/petitions/{id}/act"),
                &[
                    ("action", "preview_answer"),
                    ("template", "기본"),
                    ("text", "처리하였습니다."),
                ],
            )
            .await;
        assert_eq!(st, 200);
        assert!(html.contains("이대로 결재 올리기"), "{html}");
        let want = "홍길동님, 처리하였습니다.\n담당: 민원팀 kim 이름";
        let (st, _, _) = kim
            .post(
                &format!("/desk/petitions/{id}/act"),
                &[("action", "send_answer"), ("text", want)],
            )
            .await;
        assert_eq!(st, 303);
        // While it waits, the official sees it held and cannot send another answer.
        let (_, html, _) = kim.get(&format!("/desk/petitions/{id}")).await;
        assert!(html.contains(&format!("id=\"approval-held\">{want}</div>")));
        assert!(html.contains("id=\"answer-waits\""));
        assert!(!html.contains("value=\"preview_answer\""));
        // The supervisor sees it waiting, in the queue and on the petition.
        let (_, html, _) = sup.get("/desk").await;
        assert!(html.contains("id=\"awaiting-approval\""), "{html}");
        assert!(html.contains("결재 화면"));
        // … and on the dashboard, with the notice of the submission in the page's language.
        let (st, html, _) = sup.get("/desk/dashboard").await;
        assert_eq!(st, 200);
        let awaiting = html
            .find("id=\"awaiting-approval\"")
            .expect("awaiting on the dashboard");
        assert!(
            html[awaiting..].contains(&format!("/desk/petitions/{id}#approval")),
            "{html}"
        );
        assert!(html.contains("답변 결재 요청") && !html.contains("submitted for your approval"));
        let (_, html, _) = sup.get("/desk/dashboard?lang=en").await;
        assert!(html.contains("Awaiting your approval"), "{html}");
        assert!(
            html.contains("Answer submitted for your approval") && !html.contains("답변 결재 요청")
        );
        let (_, _, _) = sup.get("/desk?lang=ko").await;
        let (_, html, _) = sup.get(&format!("/desk/petitions/{id}")).await;
        assert!(html.contains(&format!("id=\"approval-held\">{want}</div>")));
        // Returning without a comment: refused next to the comment.
        let (st, html, _) = sup
            .post(
                &format!("/desk/petitions/{id}/approval"),
                &[("decision", "return"), ("comment", "")],
            )
            .await;
        assert_eq!(st, 422);
        assert!(html.contains("id=\"approval-error\""), "{html}");
        let (st, _, _) = sup
            .post(
                &format!("/desk/petitions/{id}/approval"),
                &[("decision", "return"), ("comment", "날짜를 넣어 주세요")],
            )
            .await;
        assert_eq!(st, 303);
        // Deciding again from a stale page: conflict, said next to the form.
        let (st, html, _) = sup
            .post(
                &format!("/desk/petitions/{id}/approval"),
                &[("decision", "approve"), ("comment", "")],
            )
            .await;
        assert_eq!(st, 409);
        assert!(html.contains("이미"), "{html}");
        // kim is told on the queue; opening the petition reads the notice.
        let (_, html, _) = kim.get("/desk").await;
        assert!(html.contains("id=\"my-notices\""), "{html}");
        assert!(html.contains("날짜를 넣어 주세요"));
        assert!(html.contains("mw-unread"));
        let (_, html, _) = kim.get(&format!("/desk/petitions/{id}")).await;
        assert!(html.contains("id=\"approval-returned\""));
        let (_, html, _) = kim.get("/desk").await;
        assert!(!html.contains("mw-unread"), "read once opened");
        // The English page shows the English half only.
        let (_, html, _) = kim.get("/desk?lang=en").await;
        assert!(html.contains("Answer returned"), "{html}");
        assert!(!html.contains("결재가 반려되었습니다"), "{html}");
        let (_, _, _) = kim.get("/desk?lang=ko").await;
        // kim may not decide (no form), and posting anyway is refused.
        let (st, _, _) = kim
            .post(
                &format!("/desk/petitions/{id}/approval"),
                &[("decision", "approve"), ("comment", "")],
            )
            .await;
        assert_eq!(st, 403);
        s.shutdown().await;
    }
}
