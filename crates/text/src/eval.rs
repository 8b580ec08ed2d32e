//! Evaluation metrics (평가): per-class precision, recall, F1 and macro-F1 from a confusion
//! matrix.

use serde::Serialize;

/// Scores of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassScore {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// A full report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub classes: Vec<ClassScore>,
    pub macro_f1: f64,
    pub accuracy: f64,
    pub n: usize,
}

/// Computes the report for predictions `pred` against `gold` (class indices into `labels`).
/// Out-of-range indices are ignored.
pub fn report(labels: &[String], gold: &[usize], pred: &[usize]) -> Report {
    let k = labels.len();
    let mut tp = vec![0usize; k];
    let mut fp = vec![0usize; k];
    let mut fneg = vec![0usize; k];
    let mut correct = 0;
    let mut n = 0;
    for (&g, &p) in gold.iter().zip(pred) {
        if g >= k || p >= k {
            continue;
        }
        n += 1;
        if g == p {
            tp[g] += 1;
            correct += 1;
        } else {
            fp[p] += 1;
            fneg[g] += 1;
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let classes: Vec<ClassScore> = (0..k)
        .map(|c| {
            let precision = ratio(tp[c], tp[c] + fp[c]);
            let recall = ratio(tp[c], tp[c] + fneg[c]);
            let f1 = if precision + recall == 0.0 {
                0.0
            } else {
                2.0 * precision * recall / (precision + recall)
            };
            ClassScore {
                label: labels[c].clone(),
                precision,
                recall,
                f1,
                support: tp[c] + fneg[c],
            }
        })
        .collect();
    // Macro average over classes present in the gold data (as scikit-learn does over the labels
    // that occur in either gold or predictions).
    let present: Vec<&ClassScore> = classes
        .iter()
        .enumerate()
        .filter(|(c, s)| s.support > 0 || fp[*c] > 0)
        .map(|(_, s)| s)
        .collect();
    let macro_f1 = if present.is_empty() {
        0.0
    } else {
        present.iter().map(|s| s.f1).sum::<f64>() / present.len() as f64
    };
    Report {
        classes,
        macro_f1,
        accuracy: ratio(correct, n),
        n,
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<24} {:>9} {:>9} {:>9} {:>8}",
            "class", "precision", "recall", "f1", "support"
        )?;
        for c in &self.classes {
            writeln!(
                f,
                "{:<24} {:>9.4} {:>9.4} {:>9.4} {:>8}",
                c.label, c.precision, c.recall, c.f1, c.support
            )?;
        }
        writeln!(
            f,
            "accuracy {:.4}  macro-F1 {:.4}  n {}",
            self.accuracy, self.macro_f1, self.n
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_binary() {
        let labels = vec!["no".to_string(), "yes".to_string()];
        let r = report(&labels, &[1, 1, 0, 0], &[1, 0, 0, 1]);
        assert!((r.classes[1].precision - 0.5).abs() < 1e-9);
        assert!((r.classes[1].recall - 0.5).abs() < 1e-9);
        assert!((r.macro_f1 - 0.5).abs() < 1e-9);
        assert!((r.accuracy - 0.5).abs() < 1e-9);
    }
}
