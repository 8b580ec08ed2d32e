//! Draft answers (답변 초안): the type's response template with its `{{placeholders}}` filled,
//! and, apart from it, the answers of the most similar answered petitions for reference. Those
//! are other petitioners' answers: they are returned beside the draft, never inside its text, so
//! they cannot reach this petitioner. Always marked as a draft: the official edits and sends it,
//! the machine never does.
//!
//! An optional OpenAI-compatible endpoint for drafting is I/O and belongs to the web crate; this
//! function is the deterministic fallback that needs nothing.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// A similar answered petition used as a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftSource {
    pub title: String,
    pub score: f32,
    /// Its answer, for the official to read beside the editor.
    pub answer: String,
}

/// The assembled draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub text: String,
    /// Always true: a draft must be edited by an official before it is sent.
    pub marked_as_draft: bool,
    /// The similar answered petitions, best first (shown beside the draft, not in it).
    pub sources: Vec<DraftSource>,
    /// Placeholder names in the template that had no value; they stay visible as `{{name}}`.
    pub unfilled: Vec<String>,
}

/// How many similar answers are quoted at most.
const MAX_SOURCES: usize = 3;

/// Header line that starts every draft, so it can never be mistaken for a final answer.
pub const DRAFT_BANNER: &str = "[초안 · DRAFT] 담당자가 검토·수정한 뒤 발송하십시오.";

/// Fills `template` and picks the reference answers from `similar` (title, answer, score).
///
/// Placeholders are `{{name}}` with optional spaces inside the braces (`{{ name }}`). Unknown
/// names are left as written and listed in [`Draft::unfilled`]; an unclosed `{{` is kept as
/// text. Values are inserted as given (no recursive expansion, so a value containing `{{x}}`
/// cannot inject another placeholder).
pub fn draft_answer(
    template: &str,
    placeholders: &HashMap<String, String>,
    similar: &[(String, String, f32)],
) -> Draft {
    let mut body = String::with_capacity(template.len() + 64);
    let mut unfilled: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        body.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            body.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let raw = &after[..close];
        let name = raw.trim();
        match placeholders.get(name) {
            Some(v) if !name.is_empty() => body.push_str(v),
            _ => {
                body.push_str(&rest[open..open + 2 + close + 2]);
                if !name.is_empty() && !unfilled.iter().any(|u| u == name) {
                    unfilled.push(name.to_string());
                }
            }
        }
        rest = &after[close + 2..];
    }
    body.push_str(rest);

    let mut text = format!("{DRAFT_BANNER}\n\n{}", body.trim_end());
    if !unfilled.is_empty() {
        text.push_str(&format!(
            "\n\n[채울 항목 · to fill] {}",
            unfilled.join(", ")
        ));
    }
    Draft {
        text,
        marked_as_draft: true,
        sources: reference_answers(similar),
        unfilled,
    }
}

/// The similar answered petitions worth reading beside an answer (title, answer, score): those
/// with an answer, best first, at most [`MAX_SOURCES`]. The same pick beside a draft and beside
/// an answer being previewed.
pub fn reference_answers(similar: &[(String, String, f32)]) -> Vec<DraftSource> {
    let mut ranked: Vec<&(String, String, f32)> = similar
        .iter()
        .filter(|(_, answer, score)| !answer.trim().is_empty() && score.is_finite())
        .collect();
    ranked.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    ranked.truncate(MAX_SOURCES);
    ranked
        .iter()
        .map(|(title, answer, score)| DraftSource {
            title: title.clone(),
            score: *score,
            answer: answer.trim().to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fills_known_and_reports_unknown() {
        let d = draft_answer(
            "{{ 민원인 }}님, {{부서}}입니다. {{처리기한}}까지 처리하겠습니다. {{",
            &map(&[("민원인", "홍길동"), ("부서", "도로과"), ("x", "{{부서}}")]),
            &[],
        );
        assert!(d.marked_as_draft);
        assert!(d.text.starts_with(DRAFT_BANNER));
        assert!(d.text.contains("홍길동님, 도로과입니다."));
        assert!(d.text.contains("{{처리기한}}까지"));
        assert!(d.text.contains("{{"));
        assert_eq!(d.unfilled, vec!["처리기한".to_string()]);
    }

    #[test]
    fn quotes_best_sources() {
        let sim = vec![
            ("a".to_string(), "답변 A".to_string(), 1.0),
            ("b".to_string(), "답변 B".to_string(), 3.0),
            ("c".to_string(), "".to_string(), 5.0),
            ("d".to_string(), "답변 D".to_string(), 2.0),
            ("e".to_string(), "답변 E".to_string(), 0.5),
        ];
        let d = draft_answer("본문", &HashMap::new(), &sim);
        let titles: Vec<&str> = d.sources.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, vec!["b", "d", "a"]);
        assert_eq!(d.sources[0].answer, "답변 B");
        // Other petitioners' answers never enter the draft's text.
        for (_, answer, _) in &sim {
            assert!(answer.is_empty() || !d.text.contains(answer.as_str()));
        }
    }
}
