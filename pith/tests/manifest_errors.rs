//! A bad Pith.toml is refused before anything is packed or booted, with a message that names
//! the file, the line and the key, and pith exits with 125 (its own failure).

mod common;

use common::{pith, scratch_dir, Outcome};

/// Runs `pith COMMAND DIR` on a directory whose Pith.toml is `text`, and returns the outcome
/// and the manifest's path as pith names it.
fn with_manifest(test: &str, command: &str, text: &str) -> (Outcome, String) {
    let dir = scratch_dir(test);
    std::fs::write(dir.join("Pith.toml"), text).unwrap();
    let image = dir.join("app.img");
    let outcome = match command {
        "build" => pith([
            "build".as_ref(),
            dir.as_os_str(),
            "-o".as_ref(),
            image.as_os_str(),
        ]),
        _ => pith([command.as_ref(), dir.as_os_str()]),
    }
    .run();
    assert!(!image.exists(), "no image is written");
    (outcome, dir.join("Pith.toml").display().to_string())
}

fn assert_refused(outcome: &Outcome, expected: &str) {
    outcome.assert_status(125);
    assert_eq!(
        outcome.stderr_text(),
        format!("pith: {expected}\n"),
        "{outcome}"
    );
    assert!(outcome.stdout.is_empty(), "{outcome}");
}

#[test]
fn syntax_error_names_the_line() {
    let text = "program = \"app\"\nargs = [\"one\",\n";
    let (outcome, path) = with_manifest("syntax_error_names_the_line", "run", text);
    assert_refused(
        &outcome,
        &format!(
            "{path}, line 2: unclosed array, expected `]` (see docs/manifest.md for every key)"
        ),
    );
}

#[test]
fn unknown_key_lists_the_known_ones() {
    let text = "program = \"app\"\n\n[environment]\nA = \"1\"\n";
    let (outcome, path) = with_manifest("unknown_key_lists_the_known_ones", "build", text);
    assert_refused(
        &outcome,
        &format!(
            "{path}, line 3, key `environment`: unknown key `environment`; the keys are \
             `program`, `args`, `env`, `workdir`, `files`, `exclude`, `libraries`, `runtime`, \
             `locales`, `read_only_root`, `memory`, `network` (see docs/manifest.md for every key)"
        ),
    );
}

#[test]
fn wrong_type_names_the_key() {
    let text = "program = \"app\"\nargs = [\"--port\", 8080]\n";
    let (outcome, path) = with_manifest("wrong_type_names_the_key", "run", text);
    assert_refused(
        &outcome,
        &format!(
            "{path}, line 2, key `args[1]`: invalid type: integer `8080`, expected a string \
             (see docs/manifest.md for every key)"
        ),
    );
}

#[test]
fn wrong_value_names_the_key() {
    let text = "program = \"app\"\n[env]\nGREETING = \"hi\"\n\n\
                [[files]]\nhost = \"data\"\nguest = \"srv/data\"\n";
    let (outcome, path) = with_manifest("wrong_value_names_the_key", "run", text);
    assert_refused(
        &outcome,
        &format!(
            "{path}, line 7, key `files[0].guest`: `srv/data` is not an absolute guest path: \
             start it with / (see docs/manifest.md for every key)"
        ),
    );
}

#[test]
fn wrong_network_value_names_the_key() {
    let text = "program = \"app\"\n\n[network]\npublish = [\n  \"8080:80\",\n  \"8080:http\",\n]\n";
    let (outcome, path) = with_manifest("wrong_network_value_names_the_key", "run", text);
    assert_refused(
        &outcome,
        &format!(
            "{path}, line 6, key `network.publish[1]`: `http` is not a port: ports are numbers \
             from 1 to 65535 (see docs/manifest.md for every key)"
        ),
    );
}

#[test]
fn missing_program_key_is_named() {
    let (outcome, path) = with_manifest("missing_program_key_is_named", "run", "args = []\n");
    assert_refused(
        &outcome,
        &format!("{path}: missing key `program` (see docs/manifest.md for every key)"),
    );
}

#[test]
fn missing_program_file_is_named() {
    let (outcome, path) = with_manifest(
        "missing_program_file_is_named",
        "run",
        "program = \"app\"\n",
    );
    let program = path.replace("Pith.toml", "app");
    assert_refused(
        &outcome,
        &format!("{program} does not exist: check the path"),
    );
}
