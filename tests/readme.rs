//! The README's scheme table has one row per preset, in `Preset::ALL`'s order, and
//! each row names the preset's signature header (or where in the body its token is)
//! as the scheme has it.

use webhook_gate::Preset;

#[test]
fn scheme_table_lists_every_preset() {
    let readme = include_str!("../README.md");
    let table = readme
        .split("## Schemes")
        .nth(1)
        .expect("a Schemes section");
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip_while(|line| !line.starts_with("| name |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().trim_matches('`'))
                .collect()
        })
        .collect();
    let names: Vec<&str> = rows.iter().map(|row| row[0]).collect();
    let expected: Vec<&str> = Preset::ALL.iter().map(|preset| preset.name()).collect();
    assert_eq!(names, expected);
    for (row, preset) in rows.iter().zip(Preset::ALL) {
        assert_eq!(row[1], format!("Preset::{preset:?}"), "{preset}");
        let location = match preset.scheme().signature_header() {
            Some(header) => header.to_owned(),
            None => format!("{}` (body)", preset.scheme().signature_location()),
        };
        assert_eq!(row[2], location, "{preset}");
    }
}

/// Every preset has its setup page, which names its route and its `Preset` variant,
/// and shows both frameworks; no page is left for a preset that is gone.
#[test]
fn every_preset_has_a_setup_page() {
    let pages = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/providers");
    for preset in Preset::ALL {
        let page = std::fs::read_to_string(pages.join(format!("{preset}.md")))
            .unwrap_or_else(|error| panic!("docs/providers/{preset}.md: {error}"));
        for expected in [
            format!("(`{preset}`)"),
            format!("/webhooks/{preset}"),
            format!("Preset::{preset:?}"),
            "## axum".to_owned(),
            "## actix-web".to_owned(),
        ] {
            assert!(
                page.contains(&expected),
                "docs/providers/{preset}.md lacks {expected}"
            );
        }
    }
    let mut names: Vec<String> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = Preset::ALL
        .iter()
        .map(|preset| format!("{preset}.md"))
        .collect();
    expected.sort();
    assert_eq!(names, expected);
}
