//! A newcomer's first hour (issue 25): help that fits a terminal, completions and a man page
//! that name only what exists, error messages that say what was meant.

use crate::helpers::*;

async fn output_of(args: &[&str]) -> (Option<i32>, String, String) {
    let output = binary(args).output().await.unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn help_wraps_at_100_columns_when_not_a_terminal() {
    let (code, help, _) = output_of(&["--help"]).await;
    assert_eq!(code, Some(0));
    let long: Vec<&str> = help.lines().filter(|l| l.chars().count() > 100).collect();
    assert!(long.is_empty(), "lines past 100 columns: {long:#?}");
}

#[tokio::test]
async fn completions_leave_out_hidden_flags_and_the_man_page_names_real_pages_only() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, script, _) = output_of(&["completions", shell]).await;
        assert_eq!(code, Some(0));
        assert!(!script.contains("bench-gate-off"), "{shell}");
        assert!(script.contains("send-timeout-ms"), "{shell}");
    }
    let (code, page, _) = output_of(&["man"]).await;
    assert_eq!(code, Some(0));
    assert!(
        !page.contains("(1)") || page.matches("(1)").count() == 0,
        "no other pages: {page}"
    );
    assert!(page.contains(".SH ENVIRONMENT"));
    assert!(page.contains("LIVECHAT_MOCK_PORT"));
    assert!(page.contains("livechat\\-mock verify"));
}

#[tokio::test]
async fn a_cors_origin_with_a_trailing_slash_is_taken_and_one_with_a_path_is_refused() {
    let (code, _, stderr) =
        output_of(&["--cors", "http://localhost:5173/app", "--port", "0"]).await;
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("an origin has no path; browsers send http://localhost:5173"),
        "{stderr}"
    );
    let cors: livechat_mock::Cors = "http://localhost:5173/".parse().unwrap();
    assert_eq!(
        cors,
        livechat_mock::Cors::Origins(vec!["http://localhost:5173".into()])
    );
}

#[tokio::test]
async fn outcomes_take_codes_and_a_slip_gets_the_name_meant() {
    let (code, _, stderr) = output_of(&["--outcome", "forbiden", "--port", "0"]).await;
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(r#"(did you mean "forbidden"?)"#),
        "{stderr}"
    );
    let (mut child, uri) = start_binary(&["--outcome", "403"]).await;
    let answer = reqwest::get(format!("{uri}{PATH}?visitorId={SPEC_VISITOR}"))
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    stop_and_read_stderr(&mut child).await;
}

#[tokio::test]
async fn fixtures_naming_a_file_says_it_wants_the_directory() {
    let (code, _, stderr) = output_of(&[
        "--fixtures",
        repo("fixtures/visitors.json").to_str().unwrap(),
        "--port",
        "0",
    ])
    .await;
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("not a directory: --fixtures takes the directory"),
        "{stderr}"
    );
}

/// The flags reference, rendered from the binary's own `--help` of every command.
async fn flags_reference() -> String {
    let mut doc = String::from(
        "# Flags reference\n\nGenerated from the binary's `--help` by `tests/api/newcomer.rs` \
         (`UPDATE_FLAGS=1 cargo test --test api flags_reference` rewrites it); a test fails when it \
         is stale. Every flag also reads the environment variable shown with it.\n",
    );
    for command in [
        &[][..],
        &["verify"][..],
        &["record"][..],
        &["matrix"][..],
        &["generate"][..],
        &["fixtures", "export"][..],
        &["completions"][..],
        &["man"][..],
    ] {
        let mut args: Vec<&str> = command.to_vec();
        args.push("--help");
        let (_, help, _) = output_of(&args).await;
        let title = if command.is_empty() {
            "livechat-mock".to_string()
        } else {
            format!("livechat-mock {}", command.join(" "))
        };
        doc.push_str(&format!(
            "\n## `{title}`\n\n```text\n{}\n```\n",
            help.trim_end()
        ));
    }
    doc
}

#[tokio::test]
async fn the_flags_reference_in_docs_is_the_binarys_own_help() {
    let rendered = flags_reference().await;
    let path = repo("docs/flags.md");
    if std::env::var_os("UPDATE_FLAGS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == rendered,
        "docs/flags.md is stale: run `UPDATE_FLAGS=1 cargo test --test api the_flags_reference` and commit it"
    );
}
