//! The floor for the dry-run benchmark: only parse a CSV file with the `csv` crate, counting
//! records and bytes, as fast as it goes. `cargo run --release --example parse_floor -- FILE`

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_floor FILE");
        return ExitCode::from(2);
    };
    let mut reader = match csv::ReaderBuilder::new().has_headers(true).from_path(&path) {
        Ok(reader) => reader,
        Err(err) => {
            eprintln!("parse_floor: {path}: {err}");
            return ExitCode::from(2);
        }
    };
    let mut record = csv::ByteRecord::new();
    let (mut records, mut bytes) = (0u64, 0u64);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                records += 1;
                bytes += record.as_slice().len() as u64;
            }
            Ok(false) => break,
            Err(err) => {
                eprintln!("parse_floor: {path}: {err}");
                return ExitCode::from(2);
            }
        }
    }
    println!("{records} records, {bytes} field bytes");
    ExitCode::SUCCESS
}
