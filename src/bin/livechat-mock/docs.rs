//! `livechat-mock completions SHELL` and `livechat-mock man`: made from the flags themselves.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::Cli;

/// The completion script for `shell`, on stdout.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut command = <Cli as clap::CommandFactory>::command();
    // Into memory first: `generate` panics on a failed write (a full disk, a closed pipe); the
    // write to stdout is then checked here.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "livechat-mock", &mut script);
    write_stdout(without_hidden_flags(&script).as_bytes())
}

/// The man page, on stdout.
pub fn man() -> ExitCode {
    match man_page(<Cli as clap::CommandFactory>::command()) {
        Ok(page) => write_stdout(&page),
        Err(err) => crate::report(&livechat_mock::Error::Write { source: err }),
    }
}

/// Writes `bytes` to stdout: a closed pipe (`| head`) ends quietly, as Unix tools do; any other
/// failure (a full disk) is reported with exit status 1, never a panic.
fn write_stdout(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => crate::report(&livechat_mock::Error::Write { source: err }),
    }
}

/// The completion script without the flags `--help` hides (`--bench-*`, for bench/run.sh only),
/// which clap_complete lists all the same.
fn without_hidden_flags(script: &[u8]) -> String {
    let text = String::from_utf8_lossy(script);
    let command = <Cli as clap::CommandFactory>::command();
    let hidden: Vec<&str> = command
        .get_arguments()
        .filter(|arg| arg.is_hide_set())
        .filter_map(clap::Arg::get_long)
        .collect();
    text.lines()
        .filter(|line| {
            // zsh and fish give each flag a line of its own
            let own_line =
                line.trim_start().starts_with("'--") || line.trim_start().starts_with("complete ");
            !(own_line && hidden.iter().any(|h| line.contains(h)))
        })
        .map(|line| {
            // bash lists `--flag`, fish's argparse spec `flag`
            hidden.iter().fold(line.to_string(), |l, h| {
                l.replace(&format!(" --{h}"), "")
                    .replace(&format!(" {h} "), " ")
            })
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The man page: clap_mangen's sections, the subcommands listed by what they do (no
/// `livechat-mock-verify(1)` pages exist to point to), and an ENVIRONMENT section naming each
/// flag's variable.
fn man_page(command: clap::Command) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    let roff = |text: &str| text.replace('\\', "\\\\").replace('-', "\\-");
    page.extend_from_slice(b".SH SUBCOMMANDS\n");
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        page.extend_from_slice(
            format!(
                ".TP\n\\fBlivechat\\-mock {}\\fR\n{}\n",
                roff(sub.get_name()),
                roff(&about)
            )
            .as_bytes(),
        );
    }
    page.extend_from_slice(
        b".PP\nEach subcommand lists its own flags with \\fBlivechat\\-mock SUBCOMMAND \\-\\-help\\fR.\n",
    );
    page.extend_from_slice(
        b".SH ENVIRONMENT\nEvery flag can be set by a variable instead; the flag wins.\n",
    );
    for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
        if let (Some(env), Some(long)) = (arg.get_env(), arg.get_long()) {
            page.extend_from_slice(
                format!(
                    ".TP\n\\fB{}\\fR\nAs \\fB\\-\\-{}\\fR.\n",
                    roff(&env.to_string_lossy()),
                    roff(long)
                )
                .as_bytes(),
            );
        }
    }
    man.render_version_section(&mut page)?;
    Ok(page)
}
