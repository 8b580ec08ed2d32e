//! `minwon text …`, `minwon train …`, `minwon eval …`: the command-line face of the `text`
//! crate. This module does the file I/O the pure crate may not: it reads the data sets and model
//! files and writes the trained models.
//!
//! - `minwon text screen [--model FILE]`: one text per stdin line → one JSON object per line
//!   (`abusive`, `score`, `kinds`, `spans`, `model_version`).
//! - `minwon text route [--model bluehouse|office|FILE] [--top K]`: one text per line → JSON with
//!   `category`, `score`, `top`, `model_version`.
//! - `minwon train abuse|routing`: rebuild the shipped models from `../shared/data`
//!   (deterministic: the same data give byte-identical files).
//! - `minwon eval abuse|routing`: precision, recall, F1 and macro-F1 on the documented splits.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::json;
use text::abuse::{AbuseModel, AbuseTrainOptions, evaluate_abuse, train_abuse};
use text::data;
use text::routing::{Router, RoutingExample, RoutingTrainOptions, evaluate_routing, train_routing};

/// File name of the shipped abuse model inside the models directory.
pub const ABUSE_MODEL_FILE: &str = "abuse-ko.bin";
/// File name of the shipped Blue House routing model.
pub const BLUEHOUSE_MODEL_FILE: &str = "routing-bluehouse.bin";
/// File name of the office's own routing model (trained from its closed petitions).
pub const OFFICE_MODEL_FILE: &str = "routing-office.bin";

/// The shipped abuse model, embedded so that screening works from any directory (2 MB).
static EMBEDDED_ABUSE_MODEL: &[u8] = include_bytes!("../../../models/abuse-ko.bin");

/// `minwon text …`
#[derive(Debug, Clone, Subcommand)]
pub enum TextCommand {
    /// Screen texts for abuse (악성 민원 선별): one text per line on stdin, one JSON object per
    /// line on stdout.
    Screen {
        /// Model file; default: <models dir>/abuse-ko.bin, else the model built into the binary.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Suggest a category (민원 분류) for each line on stdin.
    Route {
        /// `bluehouse` (shipped benchmark model), `office` (this office's own model, from
        /// DATA/models) or a file.
        #[arg(long, default_value = "office")]
        model: String,
        /// Minwon's data directory, where the office's model is.
        #[arg(
            long,
            env = "MINWON_DATA",
            value_name = "DIR",
            default_value = "./minwon-data"
        )]
        data: PathBuf,
        /// How many ranked categories to include.
        #[arg(long, default_value_t = 3)]
        top: usize,
    },
}

/// `minwon train …`
#[derive(Debug, Clone, Subcommand)]
pub enum TrainCommand {
    /// Rebuild the abuse model from BEEP! train/dev and the curse-detection set.
    Abuse {
        /// Folder with abuse/beep and abuse/curse.
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        /// Output file; default: <models dir>/abuse-ko.bin.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Rebuild a routing model: by default the Blue House model from all 2020 petitions; with
    /// `--from-db` the office's own model from its answered and closed petitions (label: the
    /// handling department's code) plus staff corrections (weight 3), written to
    /// DATA/models/routing-office.bin where `minwon serve` and `minwon text route` find it; with
    /// `--examples FILE` from a TSV of `text<TAB>label[<TAB>weight]`.
    Routing {
        /// Folder with petitions/bluehouse (default ../shared/data); with --from-db, Minwon's
        /// data directory (default $MINWON_DATA, else ./minwon-data).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// TSV of training examples instead of the Blue House data.
        #[arg(long, conflicts_with = "from_db")]
        examples: Option<PathBuf>,
        /// Train the office's own model from the database.
        #[arg(long)]
        from_db: bool,
        /// Database URL (with --from-db), as for `minwon serve`.
        #[arg(
            long,
            env = "MINWON_DATABASE_URL",
            value_name = "URL",
            requires = "from_db"
        )]
        database_url: Option<String>,
        /// Configuration file (with --from-db), as for `minwon serve`.
        #[arg(long, env = "MINWON_CONFIG", value_name = "FILE", requires = "from_db")]
        config: Option<PathBuf>,
        /// Refuse to train from the database with fewer labelled examples than this.
        #[arg(long, default_value_t = MIN_OFFICE_EXAMPLES)]
        min_examples: usize,
        /// Output file; default: <models dir>/routing-bluehouse.bin, DATA/models/routing-office.bin
        /// with --from-db, <models dir>/routing-office.bin with --examples.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// `minwon eval …`
#[derive(Debug, Clone, Subcommand)]
pub enum EvalCommand {
    /// Evaluate the abuse model on K-MHaS validation (the development set) and BEEP! dev.
    Abuse {
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        /// Model file; default: <models dir>/abuse-ko.bin.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Train on Blue House petitions of Jan–Jul 2020 and test on Aug–Sep (the shipped model saw
    /// all months, so it cannot be tested on them).
    Routing {
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
    },
}

/// Errors of the text commands, with messages a person can act on.
#[derive(Debug)]
pub enum CliError {
    /// Reading or writing a file or stream failed.
    Io {
        what: String,
        source: std::io::Error,
    },
    /// A model or data set could not be used.
    Text(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io { what, source } => write!(f, "{what}: {source}"),
            Self::Text(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Text(_) => None,
        }
    }
}

impl From<text::Error> for CliError {
    fn from(e: text::Error) -> Self {
        Self::Text(e.to_string())
    }
}

fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> CliError {
    let what = what.into();
    move |source| CliError::Io { what, source }
}

fn read_string(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(io_err(format!("cannot read {}", path.display())))
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(io_err(format!("cannot read {}", path.display())))
}

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err(format!("cannot create {}", dir.display())))?;
    }
    std::fs::write(path, bytes).map_err(io_err(format!("cannot write {}", path.display())))
}

/// The models directory: `$MINWON_MODELS` if set, else `./models`.
pub fn models_dir() -> PathBuf {
    std::env::var_os("MINWON_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("models"))
}

/// Loads the abuse model: `--model` file, else `<models>/abuse-ko.bin`, else the embedded one.
pub fn load_abuse_model(model: Option<&Path>, models_dir: &Path) -> Result<AbuseModel, CliError> {
    if let Some(p) = model {
        return Ok(AbuseModel::from_bytes(&read_bytes(p)?)?);
    }
    let file = models_dir.join(ABUSE_MODEL_FILE);
    if file.is_file() {
        return Ok(AbuseModel::from_bytes(&read_bytes(&file)?)?);
    }
    Ok(AbuseModel::from_bytes(EMBEDDED_ABUSE_MODEL)?)
}

/// Loads a routing model by name (`bluehouse`, `office`) or path. The office's model is the one
/// in `data_dir/models/` (written by `minwon train routing --from-db`), else one in the models
/// directory.
pub fn load_router(model: &str, models_dir: &Path, data_dir: &Path) -> Result<Router, CliError> {
    let path = match model {
        "bluehouse" => models_dir.join(BLUEHOUSE_MODEL_FILE),
        "office" => {
            let own = office_model_path(data_dir);
            if own.is_file() {
                own
            } else {
                models_dir.join(OFFICE_MODEL_FILE)
            }
        }
        other => PathBuf::from(other),
    };
    if model == "office" && !path.is_file() {
        return Err(CliError::Text(format!(
            "이 기관의 분류 모델이 아직 없습니다 (no office routing model at {} yet): train one with \
             `minwon train routing --from-db`, or use --model bluehouse",
            office_model_path(data_dir).display()
        )));
    }
    Ok(Router::from_bytes(&read_bytes(&path)?)?)
}

/// Where the office's own routing model lives: DATA/models/routing-office.bin.
pub fn office_model_path(data_dir: &Path) -> PathBuf {
    data_dir.join("models").join(OFFICE_MODEL_FILE)
}

/// The office's routing model for intake, if one has been trained.
pub fn load_office_router(data_dir: &Path) -> Result<Option<Router>, CliError> {
    let path = office_model_path(data_dir);
    if !path.is_file() {
        return Ok(None);
    }
    Ok(Some(Router::from_bytes(&read_bytes(&path)?)?))
}

/// Default of `--min-examples`: below this an office model would mostly echo noise.
pub const MIN_OFFICE_EXAMPLES: usize = 30;
/// Each of at least two departments needs this many examples.
const MIN_PER_DEPARTMENT: usize = 5;

/// `minwon train routing --from-db`: trains the office's model from its answered and closed
/// petitions and staff corrections, writes it to `out` (default DATA/models/routing-office.bin)
/// and refuses with a clear message when there is too little to learn from.
pub async fn train_office_routing(
    db: &store::Db,
    data_dir: &Path,
    out_file: Option<PathBuf>,
    min_examples: usize,
    out: &mut (dyn Write + Send),
) -> Result<(), CliError> {
    let exs = store::petitions::suggestions::training_examples(db)
        .await
        .map_err(|e| CliError::Text(e.to_string()))?;
    let mut per_label: std::collections::BTreeMap<&str, usize> = Default::default();
    for e in &exs {
        *per_label.entry(e.label.as_str()).or_default() += 1;
    }
    let usable = per_label
        .values()
        .filter(|&&n| n >= MIN_PER_DEPARTMENT)
        .count();
    if exs.len() < min_examples.max(2) || usable < 2 {
        return Err(CliError::Text(format!(
            "학습할 민원이 부족합니다 (too few examples to train the office's routing model): \
             {} answered or closed petitions and corrections over {} departments; need at least \
             {} in all and {MIN_PER_DEPARTMENT} in each of two departments",
            exs.len(),
            per_label.len(),
            min_examples.max(2)
        )));
    }
    let corrections = exs.iter().filter(|e| e.weight > 1.0).count();
    let opts = RoutingTrainOptions {
        trained_on: format!(
            "office database: {} closed petitions + {corrections} staff corrections",
            exs.len() - corrections
        ),
        ..RoutingTrainOptions::default()
    };
    let router = train_routing(&exs, &opts)?;
    let path = out_file.unwrap_or_else(|| office_model_path(data_dir));
    write_bytes(&path, &router.to_bytes()?)?;
    writeln!(
        out,
        "wrote {} ({} examples of which {corrections} corrections, {} departments, version {}); \
         restart `minwon serve` to use it at intake",
        path.display(),
        exs.len(),
        router.labels().len(),
        router.version()
    )
    .map_err(io_err("cannot write standard output"))
}

/// Default folder of the public data sets.
const DEFAULT_SHARED_DATA: &str = "../shared/data";

/// Calls `f` for each line of `input` (lossy UTF-8, without the line ending).
fn for_each_line(
    input: &mut dyn BufRead,
    mut f: impl FnMut(&str) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = input
            .read_until(b'\n', &mut buf)
            .map_err(io_err("cannot read standard input"))?;
        if n == 0 {
            return Ok(());
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        f(&String::from_utf8_lossy(&buf))?;
    }
}

fn write_json(out: &mut dyn Write, value: &serde_json::Value) -> Result<(), CliError> {
    writeln!(out, "{value}").map_err(io_err("cannot write standard output"))
}

/// Runs `minwon text …`.
pub fn run_text(
    cmd: TextCommand,
    models_dir: &Path,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match cmd {
        TextCommand::Screen { model } => {
            let model = load_abuse_model(model.as_deref(), models_dir)?;
            for_each_line(input, |line| {
                let s = model.screen(line);
                let value = serde_json::to_value(&s).map_err(|e| CliError::Text(e.to_string()))?;
                write_json(out, &value)
            })
        }
        TextCommand::Route { model, top, data } => {
            let router = load_router(&model, models_dir, &data)?;
            for_each_line(input, |line| {
                let s = router.suggest(line, top);
                let top: Vec<_> = s
                    .top
                    .iter()
                    .map(|(c, p)| json!({"category": c, "score": p}))
                    .collect();
                write_json(
                    out,
                    &json!({
                        "category": s.category,
                        "score": s.score,
                        "top": top,
                        "model_version": s.model_version,
                    }),
                )
            })
        }
    }
}

struct AbuseFiles {
    beep_train: String,
    beep_dev: String,
    curse: String,
}

fn read_abuse_files(data: &Path) -> Result<AbuseFiles, CliError> {
    Ok(AbuseFiles {
        beep_train: read_string(&data.join("abuse/beep/train.tsv"))?,
        beep_dev: read_string(&data.join("abuse/beep/dev.tsv"))?,
        curse: read_string(&data.join("abuse/curse/dataset.txt"))?,
    })
}

fn read_bluehouse(data: &Path) -> Result<Vec<data::Petition>, CliError> {
    let parsed = data::parse_bluehouse(&read_string(
        &data.join("petitions/bluehouse/petitions_2020_korkeep.jsonl"),
    )?);
    Ok(parsed.items)
}

/// Provenance strings stored in the shipped models.
const ABUSE_PROVENANCE: &str = "BEEP! train (CC BY-SA 4.0) + Curse-detection-data (MIT) less every 5th row; \
     threshold tuned on BEEP! dev + held-out curse rows";
const BLUEHOUSE_PROVENANCE: &str =
    "청와대 국민청원 2020-01..09 (KOGL Type 1), collected by korkeep/BlueHouse; all rows";

/// Parses `text<TAB>label[<TAB>weight]` lines; blank lines are skipped, others must parse.
fn parse_examples_tsv(tsv: &str) -> Result<Vec<RoutingExample>, CliError> {
    let mut out = Vec::new();
    for (i, line) in tsv.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let (text, label, weight) = match cols.as_slice() {
            [t, l] => (*t, *l, 1.0),
            [t, l, w] => (
                *t,
                *l,
                w.trim().parse::<f32>().map_err(|_| {
                    CliError::Text(format!("line {}: weight {w:?} is not a number", i + 1))
                })?,
            ),
            _ => {
                return Err(CliError::Text(format!(
                    "line {}: expected text<TAB>label[<TAB>weight]",
                    i + 1
                )));
            }
        };
        out.push(RoutingExample {
            text: text.to_string(),
            label: label.trim().to_string(),
            weight,
        });
    }
    Ok(out)
}

/// Runs `minwon train …`. Progress and the output path go to `out`.
pub fn run_train(
    cmd: TrainCommand,
    models_dir: &Path,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let say = |out: &mut dyn Write, msg: String| {
        writeln!(out, "{msg}").map_err(io_err("cannot write standard output"))
    };
    match cmd {
        TrainCommand::Abuse { data, out: file } => {
            let files = read_abuse_files(&data)?;
            let (train, tune) = data::abuse_sets(&files.beep_train, &files.beep_dev, &files.curse);
            let opts = AbuseTrainOptions {
                trained_on: ABUSE_PROVENANCE.to_string(),
                ..AbuseTrainOptions::default()
            };
            let model = train_abuse(&train, &tune, &opts)?;
            let path = file.unwrap_or_else(|| models_dir.join(ABUSE_MODEL_FILE));
            write_bytes(&path, &model.to_bytes()?)?;
            say(
                out,
                format!(
                    "wrote {} ({} training texts, threshold {:.2}, version {})",
                    path.display(),
                    train.len(),
                    model.meta().threshold,
                    model.version()
                ),
            )
        }
        TrainCommand::Routing {
            data,
            examples,
            out: file,
            from_db,
            ..
        } => {
            if from_db {
                return Err(CliError::Text(
                    "--from-db needs the database: run it through `minwon train routing --from-db`"
                        .into(),
                ));
            }
            let data = data.unwrap_or_else(|| PathBuf::from(DEFAULT_SHARED_DATA));
            let (exs, provenance, default_file) = match examples {
                Some(tsv) => (
                    parse_examples_tsv(&read_string(&tsv)?)?,
                    format!("examples from {}", tsv.display()),
                    OFFICE_MODEL_FILE,
                ),
                None => (
                    data::routing_examples(&read_bluehouse(&data)?),
                    BLUEHOUSE_PROVENANCE.to_string(),
                    BLUEHOUSE_MODEL_FILE,
                ),
            };
            let opts = RoutingTrainOptions {
                trained_on: provenance,
                ..RoutingTrainOptions::default()
            };
            let router = train_routing(&exs, &opts)?;
            let path = file.unwrap_or_else(|| models_dir.join(default_file));
            write_bytes(&path, &router.to_bytes()?)?;
            say(
                out,
                format!(
                    "wrote {} ({} examples, {} categories, version {})",
                    path.display(),
                    exs.len(),
                    router.labels().len(),
                    router.version()
                ),
            )
        }
    }
}

fn print_report(out: &mut dyn Write, name: &str, r: &text::eval::Report) -> Result<(), CliError> {
    writeln!(out, "== {name}\n{r}").map_err(io_err("cannot write standard output"))
}

/// Runs `minwon eval …`: prints per-class precision, recall, F1 and macro-F1.
pub fn run_eval(cmd: EvalCommand, models_dir: &Path, out: &mut dyn Write) -> Result<(), CliError> {
    match cmd {
        EvalCommand::Abuse { data, model } => {
            let model = load_abuse_model(model.as_deref(), models_dir)?;
            let kmhas =
                data::kmhas_binary(&read_string(&data.join("abuse/kmhas/kmhas_valid.tsv"))?);
            let dev = data::parse_beep(&read_string(&data.join("abuse/beep/dev.tsv"))?).items;
            writeln!(out, "model {}", model.version()).map_err(io_err("stdout"))?;
            print_report(
                out,
                "K-MHaS validation (development set)",
                &evaluate_abuse(&model, &kmhas),
            )?;
            print_report(
                out,
                "BEEP! dev (threshold tuning set, part)",
                &evaluate_abuse(&model, &dev),
            )
        }
        EvalCommand::Routing { data } => {
            let petitions = read_bluehouse(&data)?;
            let (train, test) = data::bluehouse_split(&petitions);
            let router = train_routing(
                &data::routing_examples(train),
                &RoutingTrainOptions::default(),
            )?;
            let test = data::routing_examples(test);
            print_report(
                out,
                "Blue House petitions: train Jan-Jul 2020, test Aug-Sep 2020",
                &evaluate_routing(&router, &test),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        cmd: TextCommand,
        models: &Path,
        input: &[u8],
    ) -> Result<Vec<serde_json::Value>, CliError> {
        let mut out = Vec::new();
        run_text(cmd, models, &mut &input[..], &mut out)?;
        Ok(String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect())
    }

    #[test]
    fn screen_prints_one_object_per_line_even_for_garbage() {
        // No model file in this directory: the embedded model is used.
        let empty = std::env::temp_dir().join("minwon-cmd-text-no-models");
        let lines = run(
            TextCommand::Screen { model: None },
            &empty,
            b"\xeb\x8f\x84\xeb\xa1\x9c \xed\x8c\x8c\xec\x86\x90\r\n\xff\xfe\x00garbage\n\n\xec\x8b\x9c1\xeb\xb0\x9c\n",
        )
        .unwrap();
        assert_eq!(lines.len(), 4);
        for l in &lines {
            let score = l["score"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&score));
            assert_eq!(l["abusive"].as_bool().unwrap(), score >= 0.5);
        }
        assert_eq!(lines[3]["abusive"], true); // 시1발
        assert_eq!(lines[0]["abusive"], false); // 도로 파손
    }

    #[test]
    fn route_without_office_model_is_a_clear_error() {
        let empty = std::env::temp_dir().join("minwon-cmd-text-no-models");
        let err = run(
            TextCommand::Route {
                model: "office".into(),
                top: 3,
                data: empty.join("data"),
            },
            &empty,
            b"x\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("minwon train routing --from-db"));
    }

    #[test]
    fn examples_tsv() {
        let ex = parse_examples_tsv("도로 파손\t도로과\n\n가로등\t건설과\t3\r\n").unwrap();
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[1].weight, 3.0);
        assert!(parse_examples_tsv("only text\n").is_err());
        assert!(parse_examples_tsv("a\tb\tnot-a-number\n").is_err());
    }
}
