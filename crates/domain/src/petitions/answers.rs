//! What a sendable answer is (no draft marker, no unfilled placeholder), who may decide an
//! approval (결재), and the answer templates with their placeholders.

use super::*;

/// An approval waiting for the supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingApproval {
    pub step: HeldStep,
    pub submitted_by: Option<AccountId>,
    pub at: DateTime<Utc>,
}

/// The supervisor's last return, shown to the official until they submit again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnedApproval {
    pub comment: String,
    pub at: DateTime<Utc>,
    /// Who submitted what was returned (the official told).
    pub submitted_by: Option<AccountId>,
}

/// Who may decide an approval: the access policy has already said the approver supervises the
/// petition's division; this rule adds that nobody approves or returns what they submitted.
pub fn check_approver(pending: &PendingApproval, approver: AccountId) -> Result<(), RuleError> {
    if pending.submitted_by == Some(approver) {
        return Err(rule(
            "own_submission",
            "자신이 올린 결재는 스스로 결재하거나 반려할 수 없습니다",
            "nobody approves or returns what they submitted themselves",
        ));
    }
    Ok(())
}

/// The marks that say a text is not yet the office's answer: the draft banner and the built-in
/// draft's list of items to fill.
pub const DRAFT_MARKERS: [&str; 3] = ["[초안 · DRAFT]", "[채울 항목 · to fill]", "[확인 필요]"];

/// An answer goes out only as the official meant it: no draft marker and no unfilled template
/// placeholder (`{answer}`, `{{name}}` …) may reach the petitioner.
pub fn check_answer_text(text: &str) -> Result<(), RuleError> {
    nonempty(text, "답변", "answer text")?;
    if let Some(m) = DRAFT_MARKERS.iter().find(|m| text.contains(*m)) {
        return Err(RuleError::new(
            "answer_is_draft",
            format!("답변에 초안 표시 '{m}'가 남아 있습니다. 내용을 확인하고 지운 뒤 보내세요"),
            format!(
                "the answer still carries the draft marker '{m}'; check the text and remove it before sending"
            ),
        ));
    }
    if let Some(key) = unfilled_placeholder(text) {
        return Err(RuleError::new(
            "answer_unfilled",
            format!("답변에 채우지 않은 자리표시자 {{{key}}}가 있습니다. 내용을 써 넣으세요"),
            format!(
                "the answer has an unfilled placeholder {{{key}}}; write the text in its place"
            ),
        ));
    }
    Ok(())
}

/// The first `{word}` (or `{{word}}`) left in a text, a word being ASCII letters, digits, `_`
/// or Hangul, as templates write placeholders.
pub(super) fn unfilled_placeholder(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = rest[open + 1..].trim_start_matches('{');
        let Some(close) = after.find('}') else { break };
        let key = after[..close].trim();
        let word = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || ('가'..='힣').contains(&c));
        if word {
            return Some(key.to_string());
        }
        rest = &after[close + 1..];
    }
    None
}

/// Fills a response template (답변 서식). Placeholders are `{name}`: unknown ones are left as
/// written so a typo is visible rather than silently blank.
pub fn render_template(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let key = &after[..close];
                match values.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders the answer step fills (`web::petitions::api`' answer action and the draft).
pub const TEMPLATE_PLACEHOLDERS: [&str; 7] = [
    "name",
    "receipt_no",
    "title",
    "department",
    "official",
    "date",
    "answer",
];

/// Checks a template an administrator writes: a name, and only placeholders the answer step
/// knows (a misspelt one would reach the petitioner as written).
pub fn validate_template(name: &str, text: &str) -> Result<(), RuleError> {
    if name.trim().is_empty() || text.trim().is_empty() {
        return Err(RuleError::new(
            "bad_template",
            "답변 서식에는 이름과 내용이 필요합니다",
            "an answer template needs a name and a text",
        ));
    }
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let key = &after[..close];
        let looks_like_placeholder =
            !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if looks_like_placeholder && !TEMPLATE_PLACEHOLDERS.contains(&key) {
            let list = TEMPLATE_PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(" ");
            return Err(RuleError::new(
                "bad_template",
                format!(
                    "답변 서식 '{name}'의 {{{key}}}는 알 수 없는 자리표시자입니다. 쓸 수 있는 것: {list}"
                ),
                format!("unknown placeholder {{{key}}} in template '{name}'; known: {list}"),
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}
