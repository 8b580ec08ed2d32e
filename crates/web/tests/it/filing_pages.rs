//! The resident's filing form (issue 16): English names, labels, choices and periods; every
//! mistake reported at once beside its field with everything typed, ticked and attached kept;
//! phone, e-mail and number rules; the same file attached once; the receipt's track link.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Server, client, cookie_value, set_cookie};
use serde_json::{Value, json};

async fn get(s: &Server, path: &str) -> (u16, String) {
    let res = client().get(s.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// A multipart body of text parts and files, as a browser sends the filing form.
fn multipart(texts: &[(&str, &str)], files: &[(&str, &str)]) -> (String, String) {
    let boundary = "minwon-filing-boundary";
    let mut body = String::new();
    for (k, v) in texts {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    for (name, content) in files {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (body, format!("multipart/form-data; boundary={boundary}"))
}

/// The value of the first `name="…" value="…"` hidden input.
fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in {html}"));
    html[at..]
        .split("value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

store::backend_tests! {
    #[tokio::test]
    async fn the_filing_form_reports_everything_and_keeps_everything(backend) {
        let s = common::start_unlimited(backend).await;
        let admin = s.token("admin").await;
        let res = client()
            .post(s.url("/api/v1/petition-types"))
            .bearer_auth(&admin)
            .json(&json!({
                "code": "road-use", "name": "도로점용허가", "name_en": "Road occupancy permit",
                "kind": "statutory", "period": "5d", "department_code": "civil-team",
                "fields": [
                    {"key": "area", "label": "점용 면적(㎡)", "label_en": "Area (㎡)",
                     "datatype": "number", "required": true, "max": 1000},
                    {"key": "purpose", "label": "점용 목적", "datatype": "choice", "required": true,
                     "choices": ["공사", "행사"], "choices_en": ["Construction"]}
                ]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let t: Value = res.json().await.unwrap();
        assert_eq!(t["name_en"], "Road occupancy permit");
        let form = format!("/petitions/new/{}", t["id"]);

        // English: the type's name, its period in English words, the labels and the choices
        // (a choice without English words keeps its Korean ones; the value sent stays Korean).
        let (_, html) = get(&s, &format!("{form}?lang=en")).await;
        assert!(html.contains("Road occupancy permit"), "{html}");
        assert!(html.contains("<strong>5 days</strong>"), "{html}");
        assert!(html.contains("Statutory petition"));
        assert!(html.contains("Area (㎡)"));
        assert!(html.contains("<option value=\"공사\">Construction</option>"), "{html}");
        assert!(html.contains("<option value=\"행사\">행사</option>"));
        assert!(html.contains("min=\"0\" max=\"1000\""), "the range on the input: {html}");
        let (_, html) = get(&s, "/petitions/new?lang=en").await;
        assert!(html.contains("Road occupancy permit"));
        assert!(html.contains("Question about a law") || !html.contains("질의민원(법령)"));
        let (_, html) = get(&s, &form).await;
        assert!(html.contains("도로점용허가") && html.contains("<strong>5일</strong>"));

        let csrf = {
            let res = client().get(s.url(&form)).send().await.unwrap();
            cookie_value(&set_cookie(&res, "minwon_csrf").unwrap())
        };
        let post = |texts: Vec<(&str, String)>, files: Vec<(&str, &str)>, lang: &str| {
            // The form token opens the body, as the form's first (hidden) field.
            let texts: Vec<(&str, &str)> = [("csrf_token", csrf.as_str())]
                .into_iter()
                .chain(texts.iter().map(|(k, v)| (*k, v.as_str())))
                .collect();
            let (body, content_type) = multipart(&texts, &files);
            let lang = lang.replacen('&', "?", 1);
            client()
                .post(s.url(&format!("{form}{lang}")))
                .header("cookie", format!("minwon_csrf={csrf}"))
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let before = common::petition_count(&s).await;

        // Every mistake at once, each beside its field, listed at the top in the form's order;
        // what was typed, chosen and ticked comes back; the file is kept (once, though sent twice).
        let res = post(
            vec![
                ("title", "가게 앞 점용".into()),
                ("body", "".into()),
                ("x_area", "-5".into()),
                ("x_purpose", "행사".into()),
                ("name", "홍길동".into()),
                ("phone", "12".into()),
                ("email", "hong@".into()),
                ("consent", "yes".into()),
            ],
            vec![("plan.txt", "위치도"), ("plan-copy.txt", "위치도")],
            "",
        )
        .await
        .unwrap();
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        for id in ["body-error", "x_area-error", "phone-error", "email-error"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}: {html}");
        }
        assert!(html.contains("aria-describedby=\"phone-error phone-hint\""));
        assert!(html.contains("0 이상의 숫자") || html.contains("0에서 1000 사이의 숫자"), "{html}");
        let summary = html.split("id=\"form-error\"").nth(1).unwrap();
        let order: Vec<usize> = ["#body", "#x_area", "#phone", "#email"]
            .iter()
            .map(|a| summary.find(&format!("href=\"{a}\"")).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "form order");
        assert!(html.contains("value=\"가게 앞 점용\""));
        assert!(html.contains("<option value=\"행사\" selected>"));
        assert!(html.contains("id=\"consent\" name=\"consent\" value=\"yes\" required checked"));
        assert!(html.contains("value=\"hong@\""));
        assert!(html.contains("plan.txt (9 B)"), "{html}");
        assert!(!html.contains("plan-copy.txt"), "the same content is kept once");
        assert!(html.contains("id=\"copies-note\""));
        let token = hidden(&html, "kept_0");
        assert_eq!(common::petition_count(&s).await, before, "nothing half-written");

        // In English, the messages are English and use the English label.
        let res = post(
            vec![("x_area", "1001".into()), ("x_purpose", "공사".into())],
            vec![],
            "&lang=en",
        )
        .await
        .unwrap();
        let html = res.text().await.unwrap();
        assert!(html.contains("&#39;Area (㎡)&#39; takes a number from 0 to 1000"), "{html}");
        assert!(html.contains("please give a title"));
        assert!(html.contains("please agree to the use of your personal data"));

        // A forged file token is ignored; the kept one and the same file sent again file once.
        let res = post(
            vec![
                ("title", "가게 앞 점용".into()),
                ("body", "사흘 동안 자재를 둡니다.".into()),
                ("x_area", "12.5".into()),
                ("x_purpose", "행사".into()),
                ("name", "홍길동".into()),
                ("phone", "+82 10-1234-5678".into()),
                ("email", "hong@example.kr".into()),
                ("consent", "yes".into()),
                ("kept_0", token),
                ("kept_1", "forged-token".into()),
            ],
            vec![("plan-again.txt", "위치도")],
            "",
        )
        .await
        .unwrap();
        assert_eq!(res.status(), 201);
        let receipt = res.text().await.unwrap();
        let number: String = receipt
            .split("id=\"receipt-number\">")
            .nth(1)
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let id: i64 = number.parse().unwrap();
        let files = store::petitions::attachments(&s.state.db, id).await.unwrap();
        assert_eq!(files.len(), 1, "one copy");
        assert_eq!(files[0].filename, "plan.txt");
        // The receipt offers print and the tracking page with the number filled in.
        assert!(receipt.contains("id=\"print-receipt\" data-print"));
        assert!(receipt.contains(&format!("href=\"/track?number={number}\"")));
        let (_, track) = get(&s, &format!("/track?number={number}")).await;
        assert!(track.contains(&format!("value=\"{number}\"")));
        assert!(track.contains("autofocus"));
        let (_, track) = get(&s, "/track?number=%3Cb%3E12").await;
        assert!(track.contains("value=\"12\""), "only digits and hyphens are taken");

        // Turning a file away: ✕ leaves a kept file out.
        let res = post(
            vec![("title", "x".into())],
            vec![("a.txt", "A"), ("b.txt", "B")],
            "",
        )
        .await
        .unwrap();
        let html = res.text().await.unwrap();
        let (a, b) = (hidden(&html, "kept_0"), hidden(&html, "kept_1"));
        let res = post(
            vec![("kept_0", a), ("kept_1", b), ("drop_0", "yes".into())],
            vec![],
            "",
        )
        .await
        .unwrap();
        let html = res.text().await.unwrap();
        assert!(html.contains("b.txt (1 B)") && !html.contains("a.txt"), "{html}");

        // Office hours refused: each half in its own language.
        let hours = calendar::OfficeHours {
            start: chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            end: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            lunch: None,
        };
        let e = web::kit::error::ApiError::from(
            store::office::settings::set_office_hours(&s.state.db, &hours, store::now())
                .await
                .unwrap_err(),
        );
        assert!(e.en.starts_with("the office hours do not work"), "{}", e.en);
        assert!(!e.en.chars().any(|c| ('가'..='힣').contains(&c)), "{}", e.en);
        assert!(e.ko.starts_with("근무시간이 맞지 않습니다"));
        s.shutdown().await;
    }
}
