//! Login throttling without lock-out, over the real server: an attacker's
//! wrong passwords from one address slow that address down (429 with a
//! growing Retry-After) but do not stop the account's owner logging in from
//! their own address. All test traffic comes from 127.0.0.1, so two
//! addresses are simulated through a trusted proxy's X-Forwarded-For; without
//! `--trusted-proxy` that header is ignored, so forging it does not help.
//!
//! No wall-clock asserts: the test waits exactly what Retry-After says, after
//! which the server must take the next attempt.

use baocao_tests::TestServer;
use std::time::Duration;

const PASSWORD: &str = "baocao-demo";
const REVIEWER: &str = "huyen-bato";
const ATTACKER: &str = "203.0.113.5";
const OWNER: &str = "198.51.100.7";
/// Failures of one account from one address before any wait (the server's default).
const FREE: usize = 3;

/// One login attempt, with this X-Forwarded-For if any: the status and the
/// Retry-After of a 429.
async fn attempt(
    server: &TestServer,
    user: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> (u16, Option<u64>) {
    let headers: Vec<(&str, &str)> = forwarded_for
        .map(|a| vec![("x-forwarded-for", a)])
        .unwrap_or_default();
    let (status, headers, body) = server
        .post_json_with_headers(
            "/api/login",
            serde_json::json!({ "user": user, "password": password }),
            &headers,
        )
        .await;
    let retry_after = headers.get("retry-after").map(|v| {
        v.to_str()
            .unwrap()
            .parse::<u64>()
            .expect("Retry-After in seconds")
    });
    match status {
        200 => assert!(body["token"].is_string(), "{body}"),
        401 => assert_eq!(body["error"], "wrong user or password"),
        429 => {
            let error = body["error"].as_str().expect("an error message");
            assert!(error.starts_with("too many failed logins"), "{error}");
            assert!(
                retry_after.is_some_and(|s| s >= 1),
                "429 without Retry-After"
            );
        }
        other => panic!("unexpected {other}: {body}"),
    }
    (status, retry_after)
}

/// A wrong password from `from` after waiting `wait` seconds: taken (401),
/// then the next one is refused; returns that refusal's Retry-After.
async fn fail_after(server: &TestServer, wait: u64, from: &str) -> u64 {
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let (status, _) = attempt(server, REVIEWER, "wrong", Some(from)).await;
    assert_eq!(status, 401, "taken once Retry-After has passed");
    let (status, retry) = attempt(server, REVIEWER, "wrong", Some(from)).await;
    assert_eq!(status, 429);
    retry.unwrap()
}

#[tokio::test]
async fn an_attacker_elsewhere_is_slowed_and_the_owner_still_logs_in() {
    let server = TestServer::start_with_accounts_and_args(&["--trusted-proxy", "127.0.0.1"]).await;
    for _ in 0..FREE {
        let (status, _) = attempt(&server, REVIEWER, "guess", Some(ATTACKER)).await;
        assert_eq!(status, 401);
    }
    let (status, first) = attempt(&server, REVIEWER, "guess", Some(ATTACKER)).await;
    assert_eq!(status, 429, "slowed after {FREE} failures");
    let first = first.unwrap();
    // Refused attempts are not even checked: the right password is refused too.
    let (status, _) = attempt(&server, REVIEWER, PASSWORD, Some(ATTACKER)).await;
    assert_eq!(status, 429);
    // Writing the owner's address to the left does not help: the proxy's
    // right-most entry is the one believed.
    let own = format!("{OWNER}, {ATTACKER}");
    let (status, _) = attempt(&server, REVIEWER, PASSWORD, Some(&own)).await;
    assert_eq!(status, 429);

    // The owner, from their own address, is not affected.
    let (status, _) = attempt(&server, REVIEWER, PASSWORD, Some(OWNER)).await;
    assert_eq!(
        status, 200,
        "the owner logs in while the attacker is slowed"
    );

    // Each further failure doubles the attacker's wait: 1 s, 2 s, 4 s…
    let second = fail_after(&server, first, ATTACKER).await;
    let third = fail_after(&server, second, ATTACKER).await;
    assert!(
        first <= 1 && second <= 2 && third <= 4,
        "{first} {second} {third}"
    );
    assert!(second >= first && third > first, "{first} {second} {third}");

    // The owner still gets in, and mistyping once costs them nothing.
    let (status, _) = attempt(&server, REVIEWER, "typo", Some(OWNER)).await;
    assert_eq!(status, 401);
    let (status, _) = attempt(&server, REVIEWER, PASSWORD, Some(OWNER)).await;
    assert_eq!(status, 200);
    // Other accounts from the attacker's address are not slowed yet (the
    // per-address cap is higher).
    let (status, _) = attempt(&server, "cb-ba-bich", PASSWORD, Some(ATTACKER)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forged_header_does_not_escape() {
    let server = TestServer::start_with_accounts().await;
    // Every attempt claims another address; all come from 127.0.0.1.
    for i in 0..FREE {
        let forged = format!("192.0.2.{}", 10 + i);
        let (status, _) = attempt(&server, REVIEWER, "guess", Some(&forged)).await;
        assert_eq!(status, 401);
    }
    let (status, retry) = attempt(&server, REVIEWER, "guess", Some("192.0.2.99")).await;
    assert_eq!(status, 429, "the forged header was believed");
    assert!(retry.is_some());
    let (status, _) = attempt(&server, REVIEWER, PASSWORD, Some(OWNER)).await;
    assert_eq!(status, 429, "claiming the owner's address does not help");
    let (status, _) = attempt(&server, REVIEWER, PASSWORD, None).await;
    assert_eq!(status, 429);
}
