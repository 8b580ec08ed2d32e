//! `minwon admin wellbeing import-instrument FILE` on both databases: an office's licensed text
//! is checked and added as a new version; a file with an unattainable cut-off, a wrong item
//! count or the same version again is refused with a Korean and English message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{data_args, database, minwon};

const CBI: &str = include_str!("../../../domain/data/instruments/cbi_client.v1.json");

fn licensed(edit: impl Fn(String) -> String) -> String {
    edit(
        CBI.replace("\"version\": 1,", "\"version\": 2,")
            .replace("\"working_translation\"", "\"published\"")
            .replace(
                "\"Public domain.\"",
                "\"Public domain; 예시군 검토 2026-11\"",
            ),
    )
}

fn import(data: &[String], dir: &std::path::Path, name: &str, text: &str) -> (i32, String) {
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    let out = minwon()
        .arg("admin")
        .args(data)
        .args(["wellbeing", "import-instrument"])
        .arg(&file)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

store::backend_tests! {
    #[tokio::test]
    async fn an_office_imports_its_validated_text(backend) {
        let (dir, pg, t) = database("import", backend).await;
        std::fs::create_dir_all(&dir).unwrap();
        let data = data_args(&dir, pg.as_deref());
        let unreachable = licensed(|s| s.replace("\"from\": 50,", "\"from\": 51,"));
        let unpublished = licensed(|s| s.replace("\"published\"", "\"working_translation\""));
        let good = licensed(|s| s);
        // (file, its text, the exit code, what the output says), in this order.
        let steps: [(&str, &str, i32, &[&str]); 4] = [
            // A cut-off nobody can reach (a mean of six answers in steps of 25 is never 51).
            (
                "bad.json",
                &unreachable,
                2,
                &["나올 수 없는 점수", "a cut-off is a score nobody can get"],
            ),
            ("wrong.json", &unpublished, 2, &["published"]),
            ("cbi.v2.json", &good, 0, &["cbi_client version 2"]),
            // The same version twice.
            ("again.json", &good, 2, &["must be above the current 2"]),
        ];
        for (file, text, want, says) in steps {
            let (code, out) = import(&data, &dir, file, text);
            assert_eq!(code, want, "{file}: {out}");
            for words in says {
                assert!(out.contains(words), "{file}: {words} in {out}");
            }
        }
        if backend == "postgres" {
            let b = store::wellbeing::instruments::battery(&t.db).await.unwrap();
            assert_eq!(b.get("cbi_client").unwrap().version, 2);
            assert_eq!(b.get_version("cbi_client", 1).unwrap().version, 1);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
