//! `minwon`: the one binary. Serves the office, migrates the database, runs admin tasks, and
//! exposes the calendar and text tools on the command line.

mod cmd_calendar;
mod cmd_open311;
mod cmd_text;
mod config;
mod demo;

use clap::{Parser, Subcommand};
use config::{DataArgs, Settings};
use std::io::{BufRead, Write};
use std::process::ExitCode;
use store::Db;
use tokio::sync::watch;

#[derive(Parser)]
#[command(
    name = "minwon",
    version,
    about = "민원 — 법정 처리기간을 지키는 민원실 플랫폼 (Minwon: the civil-affairs office platform)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (and the notification worker).
    Serve(ServeArgs),
    /// Create or upgrade the database schema.
    Migrate(DataArgs),
    /// Administration: departments, accounts, the access log.
    Admin {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Public holidays of a year.
    Holidays(cmd_calendar::HolidaysArgs),
    /// The statutory due moment of a petition.
    Deadline(cmd_calendar::DeadlineArgs),
    /// Korean text tools: abuse screening and routing, one text per line on stdin.
    Text {
        #[command(subcommand)]
        command: cmd_text::TextCommand,
    },
    /// Rebuild a model from the data sets.
    Train {
        #[command(subcommand)]
        command: cmd_text::TrainCommand,
    },
    /// Evaluate a model.
    Eval {
        #[command(subcommand)]
        command: cmd_text::EvalCommand,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, env = "MINWON_LISTEN", value_name = "ADDR")]
    listen: Option<String>,
    /// Load the demo county (예시군) into an empty database and print the demo logins.
    #[arg(long)]
    demo: bool,
    /// The address residents reach the site at, for links in messages. Default: `public_url` in
    /// the config file, else `http://` and the listening address unless that is 0.0.0.0 or ::.
    #[arg(long, env = "MINWON_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// Proxies whose X-Forwarded-For entries are believed when `trust_proxy` is on: addresses or
    /// CIDR blocks, comma-separated. Default: loopback (127.0.0.1, ::1).
    #[arg(long, env = "MINWON_TRUSTED_PROXIES", value_name = "LIST")]
    trusted_proxies: Option<String>,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Departments (부서).
    Department {
        #[command(subcommand)]
        command: DepartmentCommand,
    },
    /// Accounts (계정).
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// The personal-data access log (접속기록).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Rebuild the petition search index from the database.
    Reindex,
    /// Open311 API keys for client applications.
    #[command(name = "open311-key")]
    Open311Key {
        #[command(subcommand)]
        command: Open311KeyCommand,
    },
    /// Frontline protection records.
    Protection {
        #[command(subcommand)]
        command: ProtectionCommand,
    },
    /// Staff wellbeing records.
    Wellbeing {
        #[command(subcommand)]
        command: WellbeingCommand,
    },
    /// Petition files (민원 서류): retention.
    Petitions {
        #[command(subcommand)]
        command: PetitionsCommand,
    },
    /// Add N generated petitions (for benchmarks and load tests; needs departments).
    Generate {
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum DepartmentCommand {
    /// Add a department.
    Create {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        name_en: String,
        /// Code of the parent department.
        #[arg(long)]
        parent: Option<String>,
    },
    /// List departments.
    List,
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Add an account. The password is read from stdin with --password-stdin, else generated and printed.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// resident, official, supervisor, training_officer, counsellor, committee_member,
        /// protection_officer or administrator.
        #[arg(long)]
        role: String,
        /// Department code (required for staff other than administrators).
        #[arg(long)]
        department: Option<String>,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (ends the account's sessions and tokens).
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts (contact data masked).
    List,
}

#[derive(Subcommand)]
enum Open311KeyCommand {
    /// Issue a key; it is printed once, alone on the last line.
    Add { name: String },
    /// Revoke the live key of that name.
    Revoke { name: String },
}

#[derive(Subcommand)]
enum WellbeingCommand {
    /// Delete results, consents and referrals older than 5 years (also done hourly by serve).
    Purge,
    /// Check an office's licensed, validated text of an instrument (a JSON file shaped like
    /// crates/domain/data/instruments/*.json) and add it as a new version.
    ImportInstrument { file: std::path::PathBuf },
}

#[derive(Subcommand)]
enum PetitionsCommand {
    /// Delete completed petitions whose retention has run (also done daily by serve); keeps
    /// anonymous statistics and writes one access-log entry per deletion.
    Purge {
        /// Only list what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// Mark a department as away from the main office (3-hour transfers) or not.
    Remote {
        department: String,
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        remote: bool,
    },
}

#[derive(Subcommand)]
enum ProtectionCommand {
    /// Re-hash every evidence file against its SHA-256; exit code 1 if one changed.
    VerifyEvidence,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exit code 1 if a row was changed or deleted.
    Verify,
    /// Delete entries older than the retention period (default 2 years).
    Prune {
        #[arg(long)]
        older_than_days: Option<i64>,
    },
}

/// A failure with the exit code it deserves: 2 for bad input, 1 for everything else.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }
    fn runtime(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<store::StoreError> for Failure {
    fn from(e: store::StoreError) -> Self {
        match e {
            store::StoreError::Rule(_)
            | store::StoreError::Conflict(_)
            | store::StoreError::NotFound
            | store::StoreError::BadUrl(_) => Failure::usage(e.to_string()),
            other => Failure::runtime(other.to_string()),
        }
    }
}

impl From<cmd_calendar::CliError> for Failure {
    fn from(e: cmd_calendar::CliError) -> Self {
        Failure {
            code: u8::try_from(e.exit_code()).unwrap_or(1),
            message: e.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("오류 (error): {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    match cli.command {
        Command::Holidays(args) => Ok(cmd_calendar::run_holidays(&args, &mut stdout.lock())?),
        Command::Deadline(args) => Ok(cmd_calendar::run_deadline(&args, &mut stdout.lock())?),
        Command::Text { command } => {
            let stdin = std::io::stdin();
            cmd_text::run_text(
                command,
                &cmd_text::models_dir(),
                &mut stdin.lock(),
                &mut stdout.lock(),
            )
            .map_err(|e| Failure::usage(e.to_string()))
        }
        Command::Train {
            command:
                cmd_text::TrainCommand::Routing {
                    from_db: true,
                    data,
                    database_url,
                    config,
                    min_examples,
                    out,
                    ..
                },
        } => runtime()?.block_on(async {
            let args = DataArgs {
                data: data.or_else(|| std::env::var_os("MINWON_DATA").map(Into::into)),
                database_url,
                config,
            };
            let (settings, db) = open(&args).await?;
            let mut w = std::io::stdout();
            let r = cmd_text::train_office_routing(&db, &settings.data, out, min_examples, &mut w)
                .await;
            db.close().await;
            r.map_err(|e| Failure::usage(e.to_string()))
        }),
        Command::Train { command } => {
            cmd_text::run_train(command, &cmd_text::models_dir(), &mut stdout.lock())
                .map_err(|e| Failure::usage(e.to_string()))
        }
        Command::Eval { command } => {
            cmd_text::run_eval(command, &cmd_text::models_dir(), &mut stdout.lock())
                .map_err(|e| Failure::usage(e.to_string()))
        }
        Command::Serve(args) => runtime()?.block_on(serve(args)),
        Command::Migrate(data) => runtime()?.block_on(async {
            let (_, db) = open(&data).await?;
            db.close().await;
            println!("데이터베이스가 최신입니다 (database is up to date)");
            Ok(())
        }),
        Command::Admin { data, command } => runtime()?.block_on(admin(data, command)),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the runtime: {e}")))
}

/// Resolve settings, create the data directory, connect and migrate.
async fn open(args: &DataArgs) -> Result<(Settings, Db), Failure> {
    let settings = Settings::resolve(args).map_err(Failure::usage)?;
    std::fs::create_dir_all(&settings.data).map_err(|e| {
        Failure::runtime(format!(
            "데이터 디렉터리를 만들 수 없습니다 (cannot create data directory {}): {e}",
            settings.data.display()
        ))
    })?;
    let db = Db::connect(&settings.database_url)
        .await
        .map_err(|e| match e {
            store::StoreError::BadUrl(_) => Failure::usage(e.to_string()),
            other => Failure::runtime(format!(
                "데이터베이스에 연결할 수 없습니다 (cannot connect to the database): {other}"
            )),
        })?;
    db.migrate().await?;
    Ok((settings, db))
}

/// The key that encrypts resident registration numbers, kept in the data directory (created
/// with owner-only permissions on first use). Losing it makes stored numbers unreadable.
fn pii_key(settings: &Settings) -> Result<store::petitions::PiiKey, Failure> {
    store::petitions::PiiKey::load_or_create(&settings.data.join("pii.key"))
        .map_err(|e| Failure::runtime(format!("암호화 키 (encryption key): {e}")))
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MINWON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

async fn serve(args: ServeArgs) -> Result<(), Failure> {
    init_logging();
    let (settings, db) = open(&args.data).await?;
    let key = pii_key(&settings)?;
    // The office's routing model suggests a department at intake (none until one is trained).
    match cmd_text::load_office_router(&settings.data) {
        Ok(Some(r)) => {
            tracing::info!(version = r.version(), "office routing model loaded");
            store::petitions::suggestions::install_router(Some(r));
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "office routing model unreadable; no suggestions"),
    }
    if args.demo {
        if demo::seed(&db).await? {
            println!("예시군 데모 데이터를 만들었습니다 (demo county created)");
        }
        let report = store::petitions::demo::seed(&db, store::now(), &key).await?;
        if report.petitions > 0 {
            println!(
                "데모 민원 {}건, 민원 유형 {}개 (demo petitions: {}, petition types: {})",
                report.petitions, report.types, report.petitions, report.types
            );
        }
        let incidents = store::protection::demo(&db, store::now()).await?;
        if incidents > 0 {
            println!("데모 보호 사건 {incidents}건 (demo protection incidents: {incidents})");
        }
        let hash = store::kit::secrets::hash_password(demo::DEMO_PASSWORD)?;
        let programs = store::programs::demo::seed(&db, store::now(), &hash).await?;
        if programs > 0 {
            println!("데모 교육 프로그램 {programs}개 (demo programs: {programs})");
        }
        store::service_access::demo_homevisits::seed(&db, store::now(), &key).await?;
        let blobs = store::kit::blobs::LocalBlobStore::new(settings.data.join("blobs"))?;
        let learning = store::programs::learning_demo::seed(&db, &blobs, store::now()).await?;
        if learning > 0 {
            println!("데모 교육 출석·이수 {learning}회차 (demo learning sessions: {learning})");
        }
        store::service_access::demo_booking::seed(&db, store::now()).await?;
        store::service_access::evening::demo::seed(&db, store::now(), &key).await?;
    }
    let listen = args
        .listen
        .or_else(|| settings.file.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| {
        Failure::usage(format!(
            "{listen}에서 기다릴 수 없습니다 (cannot listen on {listen}): {e}"
        ))
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let defaults = web::WebConfig::default();
    let f = &settings.file;
    let public_url = public_url(args.public_url.or_else(|| f.public_url.clone()), addr)?;
    let trusted_proxies = settings
        .trusted_proxies(args.trusted_proxies.as_deref())
        .map_err(Failure::usage)?;
    let config = web::WebConfig {
        trusted_proxies,
        session_hours: f.session_hours.unwrap_or(defaults.session_hours),
        behind_tls: f.behind_tls.unwrap_or(defaults.behind_tls),
        trust_proxy: f.trust_proxy.unwrap_or(defaults.trust_proxy),
        rate_per_minute: f.rate_per_minute.unwrap_or(defaults.rate_per_minute),
        pii_key: Some(key),
        data_dir: Some(settings.data.clone()),
        drafting: settings.draft_endpoint(),
        public_url,
        ..defaults
    };
    let state = web::AppState::new(db.clone(), config);

    let (stop_tx, stop_rx) = watch::channel(false);
    let worker = web::kit::outbox::Worker {
        db: db.clone(),
        smtp: f
            .smtp_host
            .clone()
            .map(|host| web::kit::outbox::SmtpConfig {
                host,
                port: f.smtp_port.unwrap_or(25),
                from: f
                    .mail_from
                    .clone()
                    .unwrap_or_else(|| "minwon@localhost".to_string()),
            }),
        mail_log: Some(settings.data.join("mail.log")),
        sms: Box::new(web::kit::outbox::SmsLogFile(settings.data.join("sms.log"))),
    };
    let worker = tokio::spawn(worker.run(stop_rx.clone()));
    // Every 5 minutes: due-soon and overdue reminders and 30-day progress notices.
    let sweeper = tokio::spawn(web::petitions::api::run_sweeper(
        state.clone(),
        std::time::Duration::from_secs(300),
        stop_rx.clone(),
    ));
    // Hourly: the 5-year deletion of wellbeing records and due self-management reminders.
    let maintenance = tokio::spawn(web::wellbeing::api::run_maintenance(
        db.clone(),
        std::time::Duration::from_secs(3600),
        store::now,
        stop_rx.clone(),
    ));
    // Half-hourly: a drill reminder when this half-year has no drill (once per half-year).
    let drills = tokio::spawn(web::protection::drills::run_reminders(
        db.clone(),
        state.petitions.blobs.clone(),
        std::time::Duration::from_secs(1800),
        stop_rx.clone(),
    ));
    // Every 10 minutes: program reminders (the eve, the morning, a nominee's no-show).
    let program_reminders = tokio::spawn(web::programs::api::run_reminders(
        db.clone(),
        std::time::Duration::from_secs(600),
        stop_rx.clone(),
    ));
    // Every minute: after-hours evenings decided at their cutoff, and their reminders.
    let after_hours = tokio::spawn(web::service_access::after_hours::run_jobs(
        state.clone(),
        std::time::Duration::from_secs(60),
        stop_rx.clone(),
    ));
    // Every 5 seconds: panic alerts nobody acknowledged within the setting (default 60 s)
    // go to the next in line by SMS.
    let escalation = tokio::spawn(web::protection::alerts::run_escalation(
        state.clone(),
        std::time::Duration::from_secs(5),
        stop_rx,
    ));

    if args.demo {
        print!("{}", demo::logins());
    }
    println!("Minwon listening on http://{addr}");
    let _ = std::io::stdout().flush();
    tracing::info!(%addr, database = db.backend(), "serving");

    let served = web::serve(listener, state, shutdown_signal()).await;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = maintenance.await;
    let _ = drills.await;
    let _ = program_reminders.await;
    let _ = after_hours.await;
    let _ = escalation.await;
    let _ = sweeper.await;
    db.close().await;
    tracing::info!("stopped");
    served.map_err(|e| Failure::runtime(format!("server error: {e}")))
}

/// The site's public address for links in messages: the one configured (checked), else the
/// listening address when it names one host.
fn public_url(configured: Option<String>, addr: std::net::SocketAddr) -> Result<String, Failure> {
    match configured {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
            Ok(url.trim_end_matches('/').to_string())
        }
        Some(url) => Err(Failure::usage(format!(
            "public_url은 http:// 또는 https://로 시작해야 합니다 (public_url must start with \
             http:// or https://): {url}"
        ))),
        None if addr.ip().is_unspecified() => Ok(String::new()),
        None => Ok(format!("http://{addr}")),
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

fn read_password(from_stdin: bool) -> Result<(String, bool), Failure> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::runtime(format!("cannot read stdin: {e}")))?;
        let pw = line.trim_end_matches(['\r', '\n']).to_string();
        domain::office::accounts::validate_password(&pw)
            .map_err(|e| Failure::usage(e.to_string()))?;
        Ok((pw, false))
    } else {
        let token =
            store::kit::secrets::new_token().map_err(|e| Failure::runtime(e.to_string()))?;
        // Letters and digits from the random token, plus a separator for the class rule.
        Ok((format!("{}-{}", &token[..8], &token[8..16]), true))
    }
}

async fn admin(data: DataArgs, command: AdminCommand) -> Result<(), Failure> {
    let (settings, db) = open(&data).await?;
    let now = store::now();
    let out = match command {
        AdminCommand::Department { command } => match command {
            DepartmentCommand::Create {
                code,
                name,
                name_en,
                parent,
            } => {
                let mut tx = db.begin().await?;
                let d = store::office::departments::create(
                    &mut tx,
                    &store::office::departments::NewDepartment {
                        code: &code,
                        name: &name,
                        name_en: &name_en,
                        parent_code: parent.as_deref(),
                    },
                    now,
                )
                .await?;
                tx.commit().await?;
                format!(
                    "부서를 만들었습니다 (department created): {} {} (id {})",
                    d.code, d.name, d.id
                )
            }
            DepartmentCommand::List => {
                let rows = store::office::departments::list(&db).await?;
                rows.iter()
                    .map(|d| {
                        let parent = d
                            .parent_id
                            .and_then(|p| rows.iter().find(|r| r.id == p))
                            .map(|p| p.code.as_str())
                            .unwrap_or("-");
                        format!("{}\t{}\t{}\t{}", d.code, d.name, d.name_en, parent)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        },
        AdminCommand::Account { command } => match command {
            AccountCommand::Create {
                username,
                name,
                role,
                department,
                email,
                phone,
                password_stdin,
            } => {
                let role: domain::office::accounts::Role = role
                    .parse()
                    .map_err(|e: domain::RuleError| Failure::usage(e.to_string()))?;
                let department_id = match department.as_deref() {
                    Some(code) => Some(
                        store::office::departments::get_by_code(&db, code)
                            .await?
                            .ok_or_else(|| {
                                Failure::usage(format!(
                                    "부서 '{code}'가 없습니다 (department '{code}' does not exist)"
                                ))
                            })?
                            .id,
                    ),
                    None => None,
                };
                let (password, generated) = read_password(password_stdin)?;
                let hash = store::kit::secrets::hash_password(&password)?;
                let mut tx = db.begin().await?;
                let account = store::office::accounts::create(
                    &mut tx,
                    &store::office::accounts::NewAccount {
                        username: &username,
                        display_name: &name,
                        email: &email,
                        phone: &phone,
                        role,
                        department_id,
                        password_hash: &hash,
                    },
                    now,
                )
                .await?;
                store::office::audit::append(
                    &mut tx,
                    &cli_record(&format!("account:{}", account.id), "account.create"),
                )
                .await?;
                tx.commit().await?;
                let mut s = format!(
                    "계정을 만들었습니다 (account created): {} ({}, id {})",
                    account.username, account.role, account.id
                );
                if generated {
                    s.push_str(&format!("\n임시 비밀번호 (temporary password): {password}"));
                }
                s
            }
            AccountCommand::ResetPassword {
                username,
                password_stdin,
            } => {
                let account = store::office::accounts::find_by_username(&db, &username)
                    .await
                    .map_err(|_| {
                        Failure::usage(format!(
                            "계정 '{username}'이 없습니다 (no account '{username}')"
                        ))
                    })?;
                let (password, generated) = read_password(password_stdin)?;
                let hash = store::kit::secrets::hash_password(&password)?;
                let mut tx = db.begin().await?;
                store::office::accounts::set_password(&mut tx, account.id, &hash, now).await?;
                store::office::audit::append(
                    &mut tx,
                    &cli_record(&format!("account:{}", account.id), "account.password_reset"),
                )
                .await?;
                tx.commit().await?;
                let mut s = format!("비밀번호를 바꿨습니다 (password reset): {username}");
                if generated {
                    s.push_str(&format!("\n임시 비밀번호 (temporary password): {password}"));
                }
                s
            }
            AccountCommand::List => {
                let rows = store::office::accounts::list(&db, None).await?;
                store::office::audit::record(&db, &cli_record("accounts", "account.list")).await?;
                rows.iter()
                    .map(|a| {
                        format!(
                            "{}\t{}\t{}\t{}\t{}",
                            a.username,
                            a.display_name,
                            a.role,
                            domain::privacy::mask(domain::privacy::PersonalKind::Email, &a.email),
                            domain::privacy::mask(domain::privacy::PersonalKind::Phone, &a.phone)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        },
        AdminCommand::Reindex => {
            let index = store::petitions::search::SearchIndex::open(Some(&settings.data.join("search-index")))
                .map_err(|e| {
                    Failure::runtime(format!(
                        "{e} — 서버가 실행 중이면 먼저 멈추세요 (stop the server first: it holds the index)"
                    ))
                })?;
            let n = index.rebuild(&db).await?;
            format!("검색 색인을 다시 만들었습니다 (search index rebuilt): {n} petitions")
        }
        AdminCommand::Open311Key { command } => match command {
            Open311KeyCommand::Add { name } => {
                let key = cmd_open311::add_key(&db, &name)
                    .await
                    .map_err(Failure::usage)?;
                format!(
                    "Open311 키를 발급했습니다 (key issued for '{name}'); 다시 볼 수 없습니다 (shown once):\n{key}"
                )
            }
            Open311KeyCommand::Revoke { name } => {
                cmd_open311::revoke_key(&db, &name)
                    .await
                    .map_err(Failure::usage)?;
                format!("Open311 키를 폐기했습니다 (key revoked): {name}")
            }
        },
        AdminCommand::Protection {
            command: ProtectionCommand::VerifyEvidence,
        } => {
            let blobs = store::kit::blobs::LocalBlobStore::new(settings.data.join("blobs"))?;
            let (n, broken) = store::protection::verify_all(&db, &blobs, now).await?;
            if !broken.is_empty() {
                let list: Vec<String> = broken
                    .iter()
                    .map(|e| format!("#{} {} ({})", e.id, e.filename, e.sha256))
                    .collect();
                db.close().await;
                return Err(Failure::runtime(format!(
                    "증거 파일 {}개가 SHA-256과 다릅니다 (evidence files changed): {}",
                    broken.len(),
                    list.join(", ")
                )));
            }
            format!("증거 파일 {n}개가 모두 온전합니다 (all {n} evidence files intact)")
        }
        AdminCommand::Wellbeing {
            command: WellbeingCommand::ImportInstrument { file },
        } => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                Failure::usage(format!(
                    "파일을 읽을 수 없습니다 (cannot read {}: {e})",
                    file.display()
                ))
            })?;
            let i = store::wellbeing::instruments::import(&db, &text, now).await?;
            format!(
                "{} 버전 {}을 들였습니다. 새 검사부터 이 문항을 씁니다 (imported {} version {}: new checks use it; earlier results keep their version)",
                i.name.ko, i.version, i.id, i.version
            )
        }
        AdminCommand::Wellbeing {
            command: WellbeingCommand::Purge,
        } => {
            let n = store::wellbeing::purge(&db, now).await?;
            format!(
                "5년이 지난 기록 {n}건을 지웠습니다 (deleted {n} wellbeing records older than 5 years)"
            )
        }
        AdminCommand::Petitions { command } => cmd_petitions(&db, &settings, command, now).await?,
        AdminCommand::Generate { count, seed } => {
            let mut last = 0;
            let n = store::petitions::generate::generate(&db, count, seed, now, |done| {
                if done >= last + 10_000 {
                    last = done;
                    eprintln!("{done}/{count}");
                }
            })
            .await?;
            format!("민원 {n}건을 만들었습니다 (generated {n} petitions)")
        }
        AdminCommand::Audit { command } => match command {
            AuditCommand::Verify => match store::office::audit::verify(&db).await? {
                store::office::audit::Verification::Intact { entries } => {
                    format!("접속기록이 온전합니다 (access log intact): {entries} entries")
                }
                store::office::audit::Verification::Broken(b) => {
                    db.close().await;
                    return Err(Failure::runtime(format!(
                        "접속기록이 변조되었습니다 (access log tampered): {b}"
                    )));
                }
            },
            AuditCommand::Prune { older_than_days } => {
                let days = older_than_days
                    .or(settings.file.audit_retention_days)
                    .unwrap_or(730);
                if days < 730 {
                    return Err(Failure::usage(
                        "접속기록은 2년 이상 보관해야 합니다 (the access log must be kept at least 2 years: 730 days)",
                    ));
                }
                let n =
                    store::office::audit::prune(&db, now - chrono::Duration::days(days)).await?;
                format!("{n}건을 지웠습니다 (pruned {n} entries older than {days} days)")
            }
        },
    };
    db.close().await;
    println!("{out}");
    Ok(())
}

/// Access-log record of an administrator acting on the command line (no account, local).
fn cli_record(subject: &str, action: &str) -> domain::office::audit::AuditRecord {
    domain::office::audit::AuditRecord {
        at: store::now(),
        account_id: None,
        address: "cli".to_string(),
        subject: subject.to_string(),
        action: action.to_string(),
        reason: "minwon admin".to_string(),
    }
}

/// `minwon admin petitions …` (issue 14: retention and remote departments).
async fn cmd_petitions(
    db: &store::Db,
    settings: &config::Settings,
    command: PetitionsCommand,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, Failure> {
    match command {
        PetitionsCommand::Purge { dry_run } => {
            let blobs = store::kit::blobs::LocalBlobStore::new(settings.data.join("blobs"))?;
            let r = store::petitions::retention::purge(db, Some(&blobs), now, dry_run, None, "cli")
                .await?;
            Ok(purge_summary(&r))
        }
        PetitionsCommand::Remote { department, remote } => {
            let d = store::office::departments::get_by_code(db, &department)
                .await?
                .ok_or_else(|| {
                    Failure::usage(format!(
                        "부서 '{department}'가 없습니다 (department '{department}' does not exist)"
                    ))
                })?;
            let mut tx = db.begin().await?;
            store::petitions::set_department_remote(&mut tx, d.id, remote).await?;
            store::office::audit::append(
                &mut tx,
                &cli_record(&format!("department:{}", d.id), "department.remote"),
            )
            .await?;
            tx.commit().await?;
            Ok(if remote {
                format!(
                    "{}: 원거리 부서 (remote: transfers get 3 working hours)",
                    d.name
                )
            } else {
                format!(
                    "{}: 본청 부서 (not remote: transfers get 1 working hour)",
                    d.name
                )
            })
        }
    }
}

/// What a purge did, in words; a second run says nothing was left.
fn purge_summary(r: &store::petitions::retention::PurgeReport) -> String {
    let mut lines: Vec<String> = r
        .petitions
        .iter()
        .map(|e| {
            format!(
                "{}\t{}\t{}\t{}y",
                e.receipt_no
                    .clone()
                    .unwrap_or_else(|| format!("({})", e.id)),
                e.type_id,
                e.completed_at.format("%Y-%m-%d"),
                e.retention_years
            )
        })
        .collect();
    let n = r.petitions.len();
    lines.push(match (r.dry_run, n) {
        (_, 0) => format!(
            "보존기간이 지난 민원이 없습니다; 이미 {} 건을 지웠습니다 (nothing to purge; {} deleted earlier)",
            r.purged_before, r.purged_before
        ),
        (true, n) => format!("지울 민원 {n}건 (would delete {n} petitions; dry run, nothing changed)"),
        (false, n) => format!(
            "민원 {n}건과 첨부 {}개를 지웠습니다; 통계는 남았습니다 (deleted {n} petitions and {} attachment files; statistics kept)",
            r.attachments_deleted, r.attachments_deleted
        ),
    });
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::public_url;

    #[test]
    fn the_public_address_is_configured_or_the_listening_one() {
        let local = "127.0.0.1:8080".parse().unwrap();
        let any = "0.0.0.0:8080".parse().unwrap();
        let set = |u: &str| Some(u.to_string());
        assert_eq!(
            public_url(set("https://minwon.yesi.go.kr/"), any).ok(),
            Some("https://minwon.yesi.go.kr".to_string())
        );
        assert!(public_url(set("minwon.yesi.go.kr"), local).is_err());
        assert_eq!(
            public_url(None, local).ok(),
            Some("http://127.0.0.1:8080".to_string())
        );
        // Listening on every address names no host a resident could use.
        assert_eq!(public_url(None, any).ok(), Some(String::new()));
    }
}
