//! What the command signs is accepted by the providers' official SDKs: installs them
//! (from npm and `PyPI`, versions pinned in `scripts/sdk-vectors/`), then runs
//! `check_signer.mjs` and `check_signer.py` against this build of the command. Each
//! script also checks that the SDK refuses the same request with a body byte
//! changed.
//!
//! Needs `node`, `npm` and `python3` with `venv`, and the registries. Without them
//! the test prints SKIPPED; with `WEBHOOK_GATE_REQUIRE_SDKS=1` (set by `.ci/run`) it
//! fails instead.

use std::path::{Path, PathBuf};
use std::process::Command;

fn required() -> bool {
    std::env::var("WEBHOOK_GATE_REQUIRE_SDKS").is_ok_and(|value| value == "1")
}

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/sdk-vectors")
}

/// Runs `command`; its output when it succeeds, else why not.
fn run(command: &mut Command) -> Result<String, String> {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .map_err(|error| format!("{shown} could not start: {error}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!("{shown} failed ({}):\n{text}", output.status))
    }
}

/// Installs the SDKs; `Err` when the tools or the registries are not there.
fn install() -> Result<PathBuf, String> {
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(scripts()))?;
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sdk-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(scripts().join("requirements.txt")))?;
    Ok(python)
}

#[test]
fn the_official_sdks_accept_what_the_command_signs() {
    let python = match install() {
        Ok(python) => python,
        Err(why) => {
            assert!(
                !required(),
                "the SDKs are required (WEBHOOK_GATE_REQUIRE_SDKS=1) but could not be installed: {why}"
            );
            eprintln!("SKIPPED the_official_sdks_accept_what_the_command_signs: {why}");
            return;
        }
    };
    let binary = env!("CARGO_BIN_EXE_webhook-gate");
    let node = run(Command::new("node")
        .arg(scripts().join("check_signer.mjs"))
        .arg(binary))
    .unwrap_or_else(|failure| panic!("{failure}"));
    let pypi = run(Command::new(&python)
        .arg(scripts().join("check_signer.py"))
        .arg(binary))
    .unwrap_or_else(|failure| panic!("{failure}"));
    println!("{node}{pypi}");
    let passed = |text: &str, preset: &str| {
        text.lines()
            .any(|line| line.starts_with(&format!("ok {preset} (")))
    };
    for preset in [
        "twilio",
        "square",
        "hubspot",
        "discord",
        "sendgrid",
        "zoom",
        "linear",
        "paddle",
        "notion",
        "standard",
        "stripe",
        "github",
        "shopify",
        "mux",
        "razorpay",
        "coinbase",
        "msgraph-rich",
    ] {
        assert!(passed(&node, preset), "npm: {preset} not checked:\n{node}");
    }
    for preset in [
        "twilio", "square", "hubspot", "discord", "sendgrid", "paddle", "standard", "slack",
        "razorpay", "coinbase", "box", "mailgun",
    ] {
        assert!(passed(&pypi, preset), "PyPI: {preset} not checked:\n{pypi}");
    }
    assert!(!node.contains("FAIL") && !pypi.contains("FAIL"));
}
