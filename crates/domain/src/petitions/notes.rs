//! Files on a petition: the timeline note an attached file leaves (written once here and read
//! back here, so the desk can show it in words with the content hash on demand), and when the
//! office may attach a result document.

use super::State;
use crate::RuleError;

/// A result document (a permit, a certificate) goes with the answer: once the petition is
/// received and while it is handled, answered or closed — not before receipt, not while the
/// petitioner is asked for a supplement, and not once it left (transferred out, returned,
/// withdrawn). The desk asks it to show the form disabled with this reason.
pub fn check_result_document(state: State) -> Result<(), RuleError> {
    match state {
        State::Received | State::InProgress | State::Paused | State::Answered | State::Closed => {
            Ok(())
        }
        _ => Err(RuleError::new(
            "result_document_not_now",
            format!(
                "지금({}) 상태에서는 결과 문서를 첨부할 수 없습니다. 접수 뒤 처리 중이거나 답변한 민원에 첨부합니다",
                state.korean()
            ),
            "no result document can be attached now; attach it once the petition is received and while it is handled or answered",
        )),
    }
}

/// A file noted on the timeline: a petitioner's or official's attachment, or a result document
/// (결과 문서: a permit, a certificate) the office issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileNote {
    pub result: bool,
    pub filename: String,
    pub size: u64,
    pub sha256: String,
}

const ATTACHED: &str = "첨부 ";
const RESULT: &str = "결과 문서 ";

impl FileNote {
    /// The note's text, e.g. `첨부 도면.pdf (1234 bytes, sha256 ab…)`.
    pub fn text(&self) -> String {
        let prefix = if self.result { RESULT } else { ATTACHED };
        format!(
            "{prefix}{} ({} bytes, sha256 {})",
            self.filename, self.size, self.sha256
        )
    }

    /// Read a note written by [`FileNote::text`]; `None` for any other note.
    pub fn parse(text: &str) -> Option<FileNote> {
        let (result, rest) = match text.strip_prefix(RESULT) {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix(ATTACHED)?),
        };
        let (filename, tail) = rest.rsplit_once(" (")?;
        let (size, sha) = tail.strip_suffix(')')?.split_once(" bytes, sha256 ")?;
        let sha256 = sha.to_string();
        if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        Some(FileNote {
            result,
            filename: filename.to_string(),
            size: size.parse().ok()?,
            sha256,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_documents_go_with_handling_and_answers() {
        for s in State::ALL {
            let allowed = matches!(
                s,
                State::Received
                    | State::InProgress
                    | State::Paused
                    | State::Answered
                    | State::Closed
            );
            assert_eq!(check_result_document(s).is_ok(), allowed, "{s:?}");
        }
    }

    #[test]
    fn a_note_reads_back_as_written() {
        for result in [false, true] {
            let n = FileNote {
                result,
                filename: "도면 (최종).pdf".into(),
                size: 2048,
                sha256: "ab".repeat(32),
            };
            assert_eq!(FileNote::parse(&n.text()), Some(n));
        }
        assert_eq!(FileNote::parse("첨부 서류는 창구에서 받았습니다"), None);
        assert_eq!(FileNote::parse("메모"), None);
    }
}
