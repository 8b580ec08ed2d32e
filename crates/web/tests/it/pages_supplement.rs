//! Answering a supplement request with files on the tracking page, over real HTTP on both
//! databases: a refused file or a refused step records nothing, an accepted answer records the
//! files with the step, and the official sees them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Server, api_ok, client, get_page, multipart, session, session_csrf, start_unlimited};
use serde_json::json;

/// The supplement form as a browser sends it: text parts, then files `(name, bytes)`.
async fn answer(
    s: &Server,
    cookie: &str,
    texts: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> (u16, String) {
    let token = session_csrf(s, cookie).await;
    let fields: Vec<(&str, &str)> = [("csrf_token", token.as_str())]
        .into_iter()
        .chain(texts.iter().copied())
        .collect();
    let (body, content_type) = multipart(&fields, files, "application/octet-stream");
    let res = client()
        .post(s.url("/track/supplement"))
        .header("cookie", cookie)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

store::backend_tests! {
    #[tokio::test]
    async fn supplement_answers_carry_files_or_nothing(backend) {
        let s = start_unlimited(backend).await;
        let db = s.state.db.clone();
        let t = api_ok(
            &s,
            &s.token("admin").await,
            "/api/v1/petition-types",
            json!({"code": "proposal", "name": "건의민원", "kind": "proposal", "department_code": "civil-team"}),
        )
        .await;
        let filed = api_ok(
            &s,
            &s.token("resident").await,
            "/api/v1/petitions",
            json!({"type_id": t["id"], "title": "버스 정류장 의자", "body": "정류장에 의자를 놓아 주세요."}),
        )
        .await;
        let id = filed["id"].as_i64().unwrap();
        let number = id.to_string();
        let kim = s.token("kim").await;
        let act = format!("/api/v1/petitions/{id}/actions");
        api_ok(
&s, &kim, &act, json!({"action": "receive"})).await;
        let answer_by = (store::now() + chrono::Duration::days(7)).to_rfc3339();
        api_ok(
            &s,
            &kim,
            &act,
            json!({"action": "request_supplement", "items": "정류장 위치 사진", "answer_by": answer_by}),
        )
        .await;
        let resident = session(&s, "resident").await;
        let texts = [
            ("number", number.as_str()),
            ("pin", ""),
            ("note", "사진을 보냅니다."),
        ];
        let attached = || store::petitions::attachments(&db, id);

        // A program file is refused by type: nothing recorded, the request still open.
        let (st, body) = answer(
            &s,
            &resident,
            &texts,
            &[("run.exe", b"MZ\x90\x00\x03\x00\x00\x00")],
        )
        .await;
        assert_eq!(st, 422);
        assert!(body.contains("허용되지 않는 파일 형식"), "{body}");
        assert!(attached().await.unwrap().is_empty());
        let p = store::petitions::get(&db, id).await.unwrap();
        assert_eq!(p.state.as_str(), "supplement");
        // Without a note: explained, nothing recorded.
        let (st, body) = answer(
            &s,
            &resident,
            &[("number", number.as_str()), ("pin", ""), ("note", " ")],
            &[("stop.txt", "정류장 사진 설명".as_bytes())],
        )
        .await;
        assert_eq!(st, 422);
        assert!(body.contains("보완할 내용을 적어 주세요"));
        assert!(attached().await.unwrap().is_empty());
        // A stranger with wrong digits finds nothing and attaches nothing.
        let stranger = session(&s, "lee").await;
        let (st, _) = answer(
            &s,
            &stranger,
            &[
                ("number", number.as_str()),
                ("pin", "0000"),
                ("note", "끼어들기"),
            ],
            &[("x.txt", b"x")],
        )
        .await;
        assert_eq!(st, 404);
        assert!(attached().await.unwrap().is_empty());
        // … and its file never reached the blob store.
        let unverified = b"written by someone unverified";
        let (st, _) = answer(
            &s,
            &stranger,
            &[("number", number.as_str()), ("pin", "0000"), ("note", "x")],
            &[("y.txt", unverified)],
        )
        .await;
        assert_eq!(st, 404);
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(unverified))
        };
        assert!(
            s.state.petitions.blobs.open(&sha).await.is_err(),
            "an unverified upload is not stored"
        );

        // The answer with a text file: recorded with the step.
        let (st, body) = answer(
            &s,
            &resident,
            &texts,
            &[("stop-photo.txt", "정류장 북쪽 20m".as_bytes())],
        )
        .await;
        assert_eq!(st, 200, "{body}");
        assert!(body.contains("반영되었습니다") && body.contains("stop-photo.txt"));
        let files = attached().await.unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].filename, "stop-photo.txt");
        assert!(s.state.petitions.blobs.open(&files[0].sha256).await.is_ok());
        assert_ne!(
            store::petitions::get(&db, id).await.unwrap().state.as_str(),
            "supplement"
        );
        // Once answered, no more files through this form.
        let (st, body) = answer(&s, &resident, &texts, &[("late.txt", b"late")]).await;
        assert_eq!(st, 422);
        assert!(body.contains("지금은 보완 요청이 없습니다"));
        assert_eq!(attached().await.unwrap().len(), 1);

        // The official sees the file on the petition page.
        let (_, kim_page) = get_page(&s, &format!("/desk/petitions/{id}"), &session(&s, "kim").await).await;
        assert!(kim_page.contains("stop-photo.txt"));
        assert!(kim_page.contains(&format!(
            "/desk/petitions/{id}/attachments/{}/download",
            files[0].sha256
        )));
        s.shutdown().await;
    }
}
