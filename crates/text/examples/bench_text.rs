//! Benchmark and experiment program for the text models (see docs/benchmarks-text.md).
//!
//! cargo run --release -p text --example bench_text -- [abuse|routing|all] [DATA_DIR] [--baseline]
//!
//! Trains on the documented splits, prints macro-F1 and throughput (one JSON line per task).
//! With `--baseline` it also runs `python3 bench/text/baseline.py` (scikit-learn, same data and
//! splits) and prints its line and the difference in macro-F1 points. Environment variables
//! (ABUSE_BITS, ABUSE_MAXN, ABUSE_EPOCHS, ABUSE_LR, ABUSE_L2, ABUSE_FLOOR, ROUTE_WORDN,
//! ROUTE_CHARN, ROUTE_MINDF, ROUTE_CHARS, ROUTE_C, ROUTE_BALANCED, ROUTE_WBITS, ROUTE_ITER,
//! ROUTE_HISTORY, ROUTE_FTOL, ROUTE_GTOL) override the shipped hyper-parameters for experiments; ROUTE_DEV=1 (train
//! Jan–Jun, evaluate Jul) or ROUTE_DEV=2 (train Jan–May, evaluate Jun–Jul) replace the test
//! months by a development split.

use std::time::Instant;

use text::abuse::{AbuseTrainOptions, evaluate_abuse, train_abuse};
use text::data::{bluehouse_split, parse_bluehouse, routing_examples};
use text::routing::{RoutingTrainOptions, evaluate_routing, train_routing_with_report};

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2)
    })
}

fn abuse(data: &str) -> f64 {
    let (mut train, dev) = text::data::abuse_sets(
        &read(&format!("{data}/abuse/beep/train.tsv")),
        &read(&format!("{data}/abuse/beep/dev.tsv")),
        &read(&format!("{data}/abuse/curse/dataset.txt")),
    );
    // Experiment knob: a different weight for BEEP! offensive rows (they are the only rows of
    // weight OFFENSIVE_WEIGHT).
    let off_w: f32 = env("OFF_W", text::data::OFFENSIVE_WEIGHT);
    for it in &mut train {
        if it.weight == text::data::OFFENSIVE_WEIGHT {
            it.weight = off_w;
        }
    }
    let kmhas = text::data::kmhas_binary(&read(&format!("{data}/abuse/kmhas/kmhas_valid.tsv")));
    let mut o = AbuseTrainOptions::default();
    o.features.dim_bits = env("ABUSE_BITS", o.features.dim_bits);
    o.features.max_n = env("ABUSE_MAXN", o.features.max_n);
    o.features.squeezed = env("ABUSE_SQUEEZED", o.features.squeezed);
    o.features.words = env("ABUSE_WORDS", o.features.words);
    o.features.choseong = env("ABUSE_CHO", o.features.choseong);
    o.train.epochs = env("ABUSE_EPOCHS", o.train.epochs);
    o.train.learning_rate = env("ABUSE_LR", o.train.learning_rate);
    o.train.l2 = env("ABUSE_L2", o.train.l2);
    o.train.restarts = env("ABUSE_RESTARTS", o.train.restarts);
    o.lexicon_floor = env("ABUSE_FLOOR", o.lexicon_floor);
    let t = Instant::now();
    let model = match train_abuse(&train, &dev, &o) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    };
    let train_s = t.elapsed().as_secs_f64();
    if env("SWEEP", 0) > 0 {
        // Diagnostic only: how the K-MHaS score depends on the threshold.
        let probs: Vec<f32> = kmhas.iter().map(|it| model.probability(&it.text)).collect();
        let labels = vec!["clean".to_string(), "abusive".to_string()];
        let gold: Vec<usize> = kmhas.iter().map(|it| usize::from(it.abusive)).collect();
        for step in (20..=90).step_by(5) {
            let th = step as f32 / 100.0;
            let pred: Vec<usize> = probs.iter().map(|&p| usize::from(p >= th)).collect();
            eprintln!(
                "threshold {th:.2} kmhas macro-F1 {:.4}",
                text::eval::report(&labels, &gold, &pred).macro_f1
            );
        }
    }
    let dev_r = evaluate_abuse(&model, &dev);
    let r = evaluate_abuse(&model, &kmhas);
    // Throughput: screen the K-MHaS texts on one thread, three passes.
    let t = Instant::now();
    let mut n = 0usize;
    for _ in 0..3 {
        for it in &kmhas {
            n += usize::from(model.screen(&it.text).abusive);
        }
    }
    let per_s = (3 * kmhas.len()) as f64 / t.elapsed().as_secs_f64();
    println!(
        "{{\"task\":\"abuse\",\"threshold\":{:.2},\"beep_dev_macro_f1\":{:.4},\"kmhas_macro_f1\":{:.4},\"abusive_precision\":{:.4},\"abusive_recall\":{:.4},\"abusive_f1\":{:.4},\"texts_per_s\":{:.0},\"train_s\":{:.1},\"bytes\":{},\"flagged\":{}}}",
        model.meta().threshold,
        dev_r.macro_f1,
        r.macro_f1,
        r.classes[1].precision,
        r.classes[1].recall,
        r.classes[1].f1,
        per_s,
        train_s,
        model.to_bytes().map(|b| b.len()).unwrap_or(0),
        n / 3
    );
    r.macro_f1
}

fn routing(data: &str) -> f64 {
    let petitions = parse_bluehouse(&read(&format!(
        "{data}/petitions/bluehouse/petitions_2020_korkeep.jsonl"
    )))
    .items;
    let (mut train, mut test) = bluehouse_split(&petitions);
    match env("ROUTE_DEV", 0) {
        // Model selection splits; the test months stay unseen. 1: Jan–Jun train, Jul dev.
        1 => {
            test = train
                .iter()
                .copied()
                .filter(|p| p.month() == Some(7))
                .collect();
            train.retain(|p| p.month().is_some_and(|m| m <= 6));
        }
        // 2: Jan–May train, Jun–Jul dev (two months, as the test period).
        2 => {
            test = train
                .iter()
                .copied()
                .filter(|p| p.month().is_some_and(|m| m >= 6))
                .collect();
            train.retain(|p| p.month().is_some_and(|m| m <= 5));
        }
        _ => {}
    }
    let title_rep: usize = env("ROUTE_TITLE", 0);
    let extra = |ps: &[&text::data::Petition]| -> Vec<text::routing::RoutingExample> {
        let mut ex = routing_examples(ps.iter().copied());
        for (e, p) in ex.iter_mut().zip(ps) {
            for _ in 0..title_rep {
                e.text = format!("{}\n{}", p.title, e.text);
            }
        }
        ex
    };
    let train = extra(&train);
    let test = extra(&test);
    let mut o = RoutingTrainOptions::default();
    if env("ROUTE_MODEL", String::new()) == "hashed" {
        return previous_hashed_model(&train, &test);
    }
    o.vocab.word_max_n = env("ROUTE_WORDN", o.vocab.word_max_n);
    o.vocab.char_max_n = env("ROUTE_CHARN", o.vocab.char_max_n);
    o.vocab.min_df = env("ROUTE_MINDF", o.vocab.min_df);
    o.vocab.max_chars = env("ROUTE_CHARS", o.vocab.max_chars);
    o.train.c = env("ROUTE_C", o.train.c);
    o.train.balanced = env("ROUTE_BALANCED", o.train.balanced);
    o.train.weight_bits = env("ROUTE_WBITS", o.train.weight_bits);
    o.train.lbfgs.max_iter = env("ROUTE_ITER", o.train.lbfgs.max_iter);
    o.train.lbfgs.history = env("ROUTE_HISTORY", o.train.lbfgs.history);
    o.train.lbfgs.ftol = env("ROUTE_FTOL", o.train.lbfgs.ftol);
    o.train.lbfgs.gtol = env("ROUTE_GTOL", o.train.lbfgs.gtol);
    let t = Instant::now();
    let (router, report) = match train_routing_with_report(&train, &o) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    };
    let train_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let r = evaluate_routing(&router, &test);
    let per_s = test.len() as f64 / t.elapsed().as_secs_f64();
    println!(
        "{{\"task\":\"routing\",\"n_train\":{},\"n_test\":{},\"macro_f1\":{:.4},\"accuracy\":{:.4},\"texts_per_s\":{:.0},\"train_s\":{:.1},\"iterations\":{},\"converged\":{},\"bytes\":{}}}",
        train.len(),
        test.len(),
        r.macro_f1,
        r.accuracy,
        per_s,
        train_s,
        report.iterations,
        report.converged,
        router.to_bytes().map(|b| b.len()).unwrap_or(0)
    );
    if env("VERBOSE", 0) > 0 {
        eprintln!("{r}");
    }
    r.macro_f1
}

/// The routing model shipped until 2026-11-25 (hashed character 1–2-grams and words with IDF,
/// AdaGrad), rebuilt here so that it can be compared on the development splits.
fn previous_hashed_model(
    train: &[text::routing::RoutingExample],
    test: &[text::routing::RoutingExample],
) -> f64 {
    use text::features::{FeatureConfig, apply_idf, extract_counts, idf_table};
    use text::linear::{Example, LinearClassifier, TrainConfig};
    let cfg = FeatureConfig {
        dim_bits: 18,
        max_n: 2,
        squeezed: false,
        choseong: false,
        words: true,
        word_bigrams: false,
        idf: true,
        max_chars: 3000,
    };
    let labels: Vec<String> = train
        .iter()
        .map(|e| e.label.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let feats: Vec<_> = train
        .iter()
        .map(|e| extract_counts(&text::normalize(&e.text), &cfg))
        .collect();
    let idf = idf_table(&feats, cfg.dim());
    let exs: Vec<Example> = train
        .iter()
        .zip(feats)
        .map(|(e, mut features)| {
            apply_idf(&mut features, &idf);
            Example {
                features,
                label: labels.binary_search(&e.label).unwrap_or(0),
                weight: 1.0,
            }
        })
        .collect();
    let tc = TrainConfig {
        epochs: 40,
        learning_rate: 0.05,
        l2: 1e-5,
        class_balance: 1.0,
        seed: 11,
        restarts: 1,
    };
    let Ok(clf) = LinearClassifier::train(labels.clone(), cfg.clone(), &exs, &tc) else {
        return 0.0;
    };
    let gold: Vec<usize> = test
        .iter()
        .map(|e| labels.binary_search(&e.label).unwrap_or(usize::MAX))
        .collect();
    let pred: Vec<usize> = test
        .iter()
        .map(|e| {
            let mut x = extract_counts(&text::normalize(&e.text), &cfg);
            apply_idf(&mut x, &idf);
            let p = clf.predict_proba(&x);
            (0..p.len()).fold(0, |b, i| if p[i] > p[b] { i } else { b })
        })
        .collect();
    let r = text::eval::report(&labels, &gold, &pred);
    println!(
        "{{\"task\":\"routing\",\"model\":\"hashed (f32 weights)\",\"n_train\":{},\"n_test\":{},\"macro_f1\":{:.4},\"accuracy\":{:.4}}}",
        train.len(),
        test.len(),
        r.macro_f1,
        r.accuracy
    );
    r.macro_f1
}

/// Runs the scikit-learn baseline for `task` and returns its JSON line.
fn baseline(task: &str, data: &str) -> Option<serde_json::Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/text/baseline.py");
    let out = std::process::Command::new("python3")
        .args([script, "--task", task, "--data", data])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("baseline failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()?
        .to_string();
    println!("{line}");
    serde_json::from_str(&line).ok()
}

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| a != "--baseline").collect();
    let with_baseline = std::env::args().any(|a| a == "--baseline");
    let task = args.get(1).map_or("all", String::as_str);
    let data = args.get(2).map_or("../shared/data", String::as_str);
    if matches!(task, "abuse" | "all") {
        let ours = abuse(data);
        if with_baseline && let Some(b) = baseline("abuse", data) {
            let theirs = b["threshold_dev"]["macro_f1"].as_f64().unwrap_or(0.0);
            println!(
                "abuse: ours {ours:.4} vs scikit-learn {theirs:.4} (same threshold protocol): {:+.1} points",
                100.0 * (ours - theirs)
            );
        }
    }
    if matches!(task, "routing" | "all") {
        let ours = routing(data);
        if with_baseline && let Some(b) = baseline("routing", data) {
            let theirs = b["macro_f1"].as_f64().unwrap_or(0.0);
            println!(
                "routing: ours {ours:.4} vs scikit-learn {theirs:.4}: {:+.1} points",
                100.0 * (ours - theirs)
            );
        }
    }
}
