//! The diagnosis the command line runs on captured requests: arbitrary headers and
//! bodies (JSON re-serializations, lenient digest parsing). Invariant: no panic.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use webhook_gate::{Preset, Secret};
use webhook_gate::diagnose::diagnose;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    preset: u8,
    secret: &'a [u8],
    headers: Vec<(&'a str, &'a [u8])>,
    body: &'a [u8],
    now: i64,
}

fuzz_target!(|input: Input<'_>| {
    let name = Preset::ALL[usize::from(input.preset) % Preset::ALL.len()].name();
    let scheme = name.parse::<Preset>().unwrap().scheme();
    let secret = Secret::from(input.secret.to_vec());
    let _ = diagnose(
        &scheme,
        &secret,
        &input.headers[..],
        input.body,
        input.now,
        300,
    );
});
