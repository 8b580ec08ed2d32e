//! Prints the built-in holidays of a year range as JSON (used to inspect the oracle
//! comparison beyond 2050): `cargo run -p calendar --example dump_holidays -- 2051 2100`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<i32> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let (first, last) = match args.as_slice() {
        [a, b] => (*a, *b),
        [a] => (*a, *a),
        _ => return Err("usage: dump_holidays FIRST_YEAR [LAST_YEAR]".into()),
    };
    let mut all = Vec::new();
    for year in first..=last {
        all.extend(calendar::holidays::statutory_holidays(year)?);
    }
    println!("{}", serde_json::to_string(&all)?);
    Ok(())
}
