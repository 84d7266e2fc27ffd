//! Pith.toml parsing: every key, and the exact message for each kind of mistake.

use std::path::Path;

use super::*;
use crate::network::NetMode;

fn parse_text(text: &str) -> Result<AppManifest, ManifestError> {
    parse(text, Path::new("app/Pith.toml"))
}

fn error(text: &str) -> String {
    parse_text(text).unwrap_err().to_string()
}

#[test]
fn every_key() {
    let manifest = parse_text(
        r#"
program = "bin/server"
args = ["--port", "8080"]
workdir = "/srv"
files = ["static/*.css:/srv/static", { host = "config.ini", guest = "/etc/app.ini" }, "data"]
exclude = ["/usr/lib/python3.11/unittest"]
libraries = ["libssl.so.3"]
runtime = "python"
locales = true
read_only_root = true
memory = "256M"

[env]
MODE = "production"
"#,
    )
    .unwrap();
    assert_eq!(manifest.program, "bin/server");
    assert_eq!(manifest.args, ["--port", "8080"]);
    assert_eq!(manifest.workdir.as_deref(), Some("/srv"));
    assert_eq!(manifest.env["MODE"], "production");
    let css = FileEntry {
        host: "static/*.css".into(),
        guest: Some("/srv/static".into()),
    };
    let ini = FileEntry {
        host: "config.ini".into(),
        guest: Some("/etc/app.ini".into()),
    };
    let data = FileEntry {
        host: "data".into(),
        guest: None,
    };
    assert_eq!(manifest.files, [css, ini, data]);
    assert!(manifest.exclude[0].matches("/usr/lib/python3.11/unittest"));
    assert_eq!(manifest.libraries, ["libssl.so.3"]);
    assert_eq!(manifest.runtime, RuntimeChoice::Python);
    assert!(manifest.locales && manifest.read_only_root);
    assert_eq!(manifest.memory.map(MemorySize::mib), Some(256));
}

#[test]
fn only_the_program_is_required() {
    let manifest = parse_text("program = \"/usr/bin/python3\"\n").unwrap();
    assert!(manifest.args.is_empty() && manifest.env.is_empty() && manifest.files.is_empty());
    assert_eq!(manifest.runtime, RuntimeChoice::Auto);
    assert_eq!(manifest.workdir, None);
    assert_eq!(manifest.memory, None);
    assert!(!manifest.read_only_root && !manifest.locales);
    assert_eq!(
        parse_text("program = \"p\"\nmemory = 512\n")
            .unwrap()
            .memory
            .unwrap()
            .mib(),
        512
    );
}

#[test]
fn syntax_errors_name_the_line() {
    assert_eq!(
        error("program = \"p\"\nargs = [\"x\"\n"),
        "app/Pith.toml, line 2: unclosed array, expected `]` (see docs/manifest.md for every key)"
    );
    assert_eq!(
        error("program = \"p\"\nprogram = \"q\"\n"),
        "app/Pith.toml, line 2: duplicate key (see docs/manifest.md for every key)"
    );
}

#[test]
fn unknown_keys_list_the_known_ones() {
    assert_eq!(
        error("program = \"p\"\n\nargz = [\"x\"]\n"),
        "app/Pith.toml, line 3, key `argz`: unknown key `argz`; the keys are `program`, `args`, \
         `env`, `workdir`, `files`, `exclude`, `libraries`, `runtime`, `locales`, \
         `read_only_root`, `memory`, `network` (see docs/manifest.md for every key)"
    );
    assert_eq!(
        error("program = \"p\"\nfiles = [{ host = \"x\", gust = \"/y\" }]\n"),
        "app/Pith.toml, line 2, key `files[0].gust`: unknown key `gust`; the keys are `host` or \
         `guest` (see docs/manifest.md for every key)"
    );
}

#[test]
fn wrong_types_name_the_key() {
    assert_eq!(
        error("program = \"p\"\nargs = 5\n"),
        "app/Pith.toml, line 2, key `args`: invalid type: integer `5`, expected an array \
         (see docs/manifest.md for every key)"
    );
    assert_eq!(
        error("program = \"p\"\nargs = [\n  \"x\",\n  5,\n]\n"),
        "app/Pith.toml, line 4, key `args[1]`: invalid type: integer `5`, expected a string \
         (see docs/manifest.md for every key)"
    );
    assert_eq!(
        error("program = \"p\"\n[env]\nA = 1\n"),
        "app/Pith.toml, line 3, key `env.A`: invalid type: integer `1`, expected a string \
         (see docs/manifest.md for every key)"
    );
    assert_eq!(
        error("program = \"p\"\nfiles = [3]\n"),
        "app/Pith.toml, line 2, key `files[0]`: invalid type: integer `3`, expected a string \
         \"HOST:GUEST\" or a table { host = ..., guest = ... } (see docs/manifest.md for every key)"
    );
}

#[test]
fn bad_values_say_what_is_wrong() {
    let cases = [
        (
            "workdir = \"srv\"",
            "key `workdir`: `srv` is not an absolute guest path: start it with /",
        ),
        (
            "memory = \"3M\"",
            "key `memory`: `3M` is too little memory: the VM needs at least 4M",
        ),
        (
            "runtime = \"pyhton\"",
            "key `runtime`: unknown value `pyhton`, expected one of `auto`",
        ),
        (
            "files = [\"a:b\", \":/x\"]",
            "key `files[1]`: the host path is empty",
        ),
        (
            "exclude = [\"rel/*\"]",
            "key `exclude`: `rel/*` is not an absolute guest path",
        ),
        (
            "[env]\n\"A=B\" = \"x\"",
            "key `env`: `A=B` is not an environment variable name",
        ),
    ];
    for (line, expected) in cases {
        let message = error(&format!("program = \"p\"\n{line}\n"));
        assert!(message.contains(expected), "{line}: {message}");
        assert!(message.starts_with("app/Pith.toml, line "), "{message}");
    }
}

#[test]
fn missing_program_and_unreadable_file() {
    assert_eq!(
        error("args = []\n"),
        "app/Pith.toml: missing key `program` (see docs/manifest.md for every key)"
    );
    let missing = load(Path::new("/nonexistent/Pith.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        missing.starts_with("cannot read /nonexistent/Pith.toml: "),
        "{missing}"
    );
}

#[test]
fn file_entries_split_at_the_last_colon_before_an_absolute_path() {
    let entry = FileEntry::parse("a:b:/srv/x").unwrap();
    assert_eq!(
        (entry.host.as_str(), entry.guest.as_deref()),
        ("a:b", Some("/srv/x"))
    );
    let entry = FileEntry::parse("a:b").unwrap();
    assert_eq!((entry.host.as_str(), entry.guest), ("a:b", None));
    assert!(FileEntry::parse("").is_err());
}

#[test]
fn network_table() {
    let manifest = parse_text(
        r#"
program = "p"

[network]
mode = "user"
publish = ["8080:80", "5353:53/udp", "443"]
address = "192.168.1.20/24"
gateway = "192.168.1.1"
dns = ["1.1.1.1", "9.9.9.9"]
"#,
    )
    .unwrap();
    let request = manifest.network.request();
    assert_eq!(request.mode, Some(NetMode::User));
    let ports: Vec<String> = request.publish.iter().map(ToString::to_string).collect();
    assert_eq!(ports, ["8080:80/tcp", "5353:53/udp", "443:443/tcp"]);
    assert_eq!(request.address.unwrap().to_string(), "192.168.1.20/24");
    assert_eq!(request.gateway.unwrap().to_string(), "192.168.1.1");
    assert_eq!(request.dns.len(), 2);
    assert!(manifest.network.is_set());

    let tap = parse_text("program = \"p\"\nnetwork = { mode = \"tap:tap0\" }\n").unwrap();
    assert_eq!(
        tap.network.request().mode,
        Some(NetMode::Tap("tap0".into()))
    );
    assert!(!parse_text("program = \"p\"\n").unwrap().network.is_set());
}

#[test]
fn network_mistakes_name_the_line_and_key() {
    let cases = [
        (
            "[network]\nmode = \"bridge\"",
            "line 3, key `network.mode`: `bridge` is not a network mode: write auto, user, none \
             or tap:NAME",
        ),
        (
            "[network]\npublish = [\n  \"8080:80\",\n  \"8080:\",\n]",
            "line 5, key `network.publish[1]`: `8080:` is not a port to publish",
        ),
        (
            "[network]\npublish = [\"70000:80\"]",
            "line 3, key `network.publish[0]`: `70000` is not a port: ports are numbers from 1 \
             to 65535",
        ),
        (
            "[network]\npublish = [8080]",
            "line 3, key `network.publish[0]`: invalid type: integer `8080`, expected a string",
        ),
        (
            "[network]\naddress = \"10.0.0.2\"",
            "line 3, key `network.address`: `10.0.0.2` is not an IPv4 address with a prefix \
             length",
        ),
        (
            "[network]\ngateway = \"fe80::1\"",
            "line 3, key `network.gateway`: `fe80::1` is not an IPv4 address",
        ),
        (
            "[network]\ndns = [\"1.1.1.1\", \"resolver\"]",
            "line 3, key `network.dns[1]`: `resolver` is not an IPv4 address",
        ),
        (
            "[network]\nports = [\"80\"]",
            "line 3, key `network.ports`: unknown key `ports`; the keys are `mode`, `publish`, \
             `address`, `gateway`, `dns`",
        ),
    ];
    for (table, expected) in cases {
        let message = error(&format!("program = \"p\"\n{table}\n"));
        assert!(
            message.starts_with(&format!("app/Pith.toml, {expected}")),
            "{table}: {message}"
        );
    }
}
