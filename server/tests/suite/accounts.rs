//! Attacks on accounts: becoming staff by signing up, leaving the site through `next=`,
//! guessing passwords in parallel, keeping a session alive after logout.
//! The role lives in the database, and the operator's `ADMIN_EMAIL` never promotes an account
//! someone else made with that address.

use std::time::Duration;

use futures::StreamExt;
use tokio_tungstenite::tungstenite::Message;

use crate::common::{self, start_broker, Db, TestApp};

#[tokio::test]
async fn signing_up_with_the_admin_email_never_makes_staff() {
    let broker = start_broker().await;
    let url = common::fresh_postgres().await;
    // A shop run without a staff account; a stranger signs up with the address the operator
    // will later name in ADMIN_EMAIL.
    let open = TestApp::spawn_with(Db::Postgres(url.clone()), &broker, &[("ADMIN_EMAIL", ""), ("ADMIN_PASSWORD", "")]).await;
    let stranger = open.shopper();
    let r = stranger.call("register", &[("name", "Not Staff"), ("email", "boss@example.test"), ("password", "strangers-own-password")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["is_staff"], false, "sign-up made staff: {}", r.text);
    open.app.shutdown().await;

    // The operator sets ADMIN_EMAIL to that address: start-up refuses rather than hand the
    // stranger's account staff rights, and says what to do.
    let config =
        common::config_with(&Db::Postgres(url.clone()), &broker, &[("ADMIN_EMAIL", "boss@example.test"), ("ADMIN_PASSWORD", "operators-password")]).await;
    let refused = server::spawn(config).await.err().expect("start-up must refuse to promote a stranger's account");
    assert!(refused.starts_with("ADMIN_EMAIL: ") && refused.contains("server promote"), "{refused}");

    // Signing in with the stranger's own password on a shop that does start gives no staff rights.
    let shop = TestApp::spawn_with(Db::Postgres(url), &broker, &[("ADMIN_EMAIL", ""), ("ADMIN_PASSWORD", "")]).await;
    let s = shop.shopper();
    let r = s.call("login", &[("email", "boss@example.test"), ("password", "strangers-own-password")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["is_staff"], false, "{}", r.text);
    let overview = s.call("staff_overview", &[]).await;
    assert_eq!(overview.status, 403, "{}", overview.text);
    shop.app.shutdown().await;
}

#[test]
fn an_admin_email_without_its_password_is_refused_at_start_up() {
    let env = |k: &str| match k {
        "ADMIN_EMAIL" => Some("boss@example.test".to_owned()),
        "KAFKA_BROKERS" => Some("127.0.0.1:1".to_owned()),
        "DATA_DIR" => Some(common::temp_dir("cfg").display().to_string()),
        _ => None,
    };
    let e = server::Config::from_lookup(&env).expect_err("ADMIN_EMAIL alone must be refused");
    assert_eq!(e.var, "ADMIN_PASSWORD");
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    app.registered("redirect@example.com").await;
    let plain_form = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for next in ["/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example", "https://evil.example", "/\u{3000}/evil", "/caf\u{e9}"] {
        let r = plain_form
            .post(format!("{}/api/login", app.base))
            .header("accept", "text/html")
            .form(&[("email", "redirect@example.com"), ("password", "correct-horse-battery"), ("next", next)])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "{next:?}: {}", r.status());
        assert_eq!(r.headers()["location"], "/", "next={next:?}");
    }
    app.app.shutdown().await;
}

/// A client whose connections come from `ip` (any 127.x address is this machine).
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder().local_address(std::net::IpAddr::from(ip)).build().unwrap()
}

async fn parallel_guesses_are_throttled_without_locking_the_owner_out(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    app.registered("owner@example.com").await;
    // Twenty guesses at once from one address: the password is checked for a few at most.
    let attacker = client_from([127, 0, 0, 2]);
    let url = format!("{}/api/login", app.base);
    let guesses = (0..20).map(|i| {
        let (attacker, url) = (attacker.clone(), url.clone());
        async move {
            let password = format!("guess-number-{i}");
            attacker.post(url).form(&[("email", "owner@example.com"), ("password", password.as_str())]).send().await.unwrap().status().as_u16()
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + throttled, 20, "{statuses:?}");
    assert!(checked <= 3, "{checked} of 20 parallel guesses had their password checked: {statuses:?}");
    // The attacker stays throttled...
    let again = attacker.post(&url).form(&[("email", "owner@example.com"), ("password", "one-more-guess")]).send().await.unwrap();
    assert_eq!(again.status(), 429);
    assert!(again.text().await.unwrap().contains("try again in"));
    // ...while the owner, from their own address, signs in at once.
    let owner = client_from([127, 0, 0, 3]);
    let r = owner.post(&url).form(&[("email", "owner@example.com"), ("password", "correct-horse-battery")]).send().await.unwrap();
    assert_eq!(r.status(), 200, "the owner was locked out: {}", r.text().await.unwrap());
    app.app.shutdown().await;
}

async fn logout_ends_the_session_on_the_server_and_closes_its_sockets(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let s = app.registered("leaving@example.com").await;
    let cookie = s.cookie_header().unwrap();
    let mut socket = s.socket().await;
    assert_eq!(s.call("logout", &[]).await.status, 200);

    // The old cookie, kept by someone who copied it, is refused everywhere.
    let copied = reqwest::Client::new();
    let r = copied.post(format!("{}/api/orders", app.base)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), 401, "a server function accepted the token after logout");
    assert_eq!(common::ws_refusal(&app.base, &cookie).await, Some(401), "/ws accepted the token after logout");
    // The socket that was open is closed within seconds.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, socket.ws.next()).await {
            Err(_) => panic!("the socket of the ended session is still open 5 s after logout"),
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => break,
            Ok(Some(Ok(_))) => continue,
        }
    }
    app.app.shutdown().await;
}

async fn a_demoted_staff_member_loses_staff_rights_at_once(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let staff = app.staff().await;
    assert_eq!(staff.call("staff_overview", &[]).await.status, 200);
    backend::accounts::set_role(&app.app.shop, common::STAFF_EMAIL, backend::auth::Role::Shopper).await.unwrap();
    let r = staff.call("staff_overview", &[]).await;
    assert!(r.status == 401 || r.status == 403, "still staff after demotion: {} {}", r.status, r.text);
    app.app.shutdown().await;
}

#[tokio::test]
async fn a_common_or_personal_password_is_refused_with_the_reason() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let users = app.count("users").await;
    for weak in ["password123", "qwertyuiop", "weakling@example.com"] {
        let r = app.shopper().call("register", &[("name", "Weak Ling"), ("email", "weakling@example.com"), ("password", weak)]).await;
        assert_eq!(r.status, 422, "{weak}: {}", r.text);
        assert!(r.text.contains("too easy to guess"), "{weak}: {}", r.text);
    }
    assert_eq!(app.count("users").await, users, "no account was created");
    app.app.shutdown().await;
}

crate::on_both_databases!(
    parallel_guesses_are_throttled_without_locking_the_owner_out,
    logout_ends_the_session_on_the_server_and_closes_its_sockets,
    a_demoted_staff_member_loses_staff_rights_at_once,
);
