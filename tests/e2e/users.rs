//! `tcscreen users`: the accounts people sign in to `tcscreen serve` with. Passwords come on
//! standard input here (`--password-stdin`); weak ones are refused; the file keeps hashes and
//! digests only and is readable by its owner only; a server started with it lets the account
//! in, with its roles, and refuses a token that was revoked.

use crate::harness::{tcscreen, tcscreen_with_stdin};

#[test]
fn add_list_passwd_roles_token_and_remove_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users.jsonl");
    let users = file.to_string_lossy().to_string();
    let add = |name: &str, role: &str, password: &str| {
        tcscreen_with_stdin(
            &[
                "users",
                "--users",
                &users,
                "add",
                name,
                "--role",
                role,
                "--password-stdin",
            ],
            format!("{password}\n").as_bytes(),
        )
    };
    add("a.officer", "screener", "quiet river under the old bridge")
        .expect_code(0)
        .stdout_has("added the account a.officer (screener)");
    // Weak passwords: short, one letter repeated, a sequence, the account's own name.
    for weak in [
        "short",
        "zzzzzzzzzzzzzzzzzzzz",
        "abcdefghijklmnopqrst",
        "b.officer-password-1",
    ] {
        add("b.officer", "decider", weak).expect_code(2);
    }
    add("a.officer", "decider", "quiet river under the old bridge")
        .expect_code(2)
        .stderr_has("already an account");
    add("A Officer", "decider", "quiet river under the old bridge")
        .expect_code(2)
        .stderr_has("lower-case letters");
    tcscreen(&[
        "users",
        "--users",
        &users,
        "add",
        "c.officer",
        "--role",
        "king",
    ])
    .expect_code(2);

    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("quiet river"), "{text}");
    assert!(text.contains("$argon2id$"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }

    tcscreen(&[
        "users",
        "--users",
        &users,
        "roles",
        "a.officer",
        "--role",
        "screener",
        "--role",
        "decider",
    ])
    .expect_code(0)
    .stdout_has("now has the roles screener, decider");
    let token = tcscreen(&["users", "--users", &users, "token", "a.officer"]);
    token.expect_code(0).stderr_has("shown once");
    let token = token.stdout.trim().to_string();
    assert!(token.starts_with("tcs_") && token.len() == 68, "{token}");
    assert!(!std::fs::read_to_string(&file).unwrap().contains(&token));
    tcscreen(&["users", "--users", &users, "list"])
        .expect_code(0)
        .stdout_has("a.officer")
        .stdout_has("screener, decider")
        .stdout_has("yes");
    let before = std::fs::read_to_string(&file).unwrap();
    tcscreen_with_stdin(
        &[
            "users",
            "--users",
            &users,
            "passwd",
            "a.officer",
            "--password-stdin",
        ],
        b"a different and longer phrase\n",
    )
    .expect_code(0);
    assert_ne!(before, std::fs::read_to_string(&file).unwrap());
    tcscreen(&["users", "--users", &users, "token", "a.officer", "--revoke"]).expect_code(0);
    tcscreen(&["users", "--users", &users, "remove", "a.officer"])
        .expect_code(0)
        .stdout_has("removed");
    tcscreen(&["users", "--users", &users, "remove", "a.officer"]).expect_code(3);
    tcscreen(&["users", "--users", &users, "list"])
        .expect_code(0)
        .stdout_has("no accounts");
}

#[test]
fn serve_on_a_public_address_takes_a_users_file_and_refuses_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("users.jsonl");
    std::fs::write(&empty, "").unwrap();
    tcscreen(&[
        "serve",
        "--addr",
        "0.0.0.0:0",
        "--users",
        &empty.to_string_lossy(),
    ])
    .expect_code(2)
    .stderr_has("holds no account");
    let weak = dir.path().join("token");
    std::fs::write(&weak, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n").unwrap();
    tcscreen(&[
        "serve",
        "--addr",
        "0.0.0.0:0",
        "--token-file",
        &weak.to_string_lossy(),
    ])
    .expect_code(2)
    .stderr_has("too easy to guess");
}
