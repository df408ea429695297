//! The harness itself, against a small site served here: a form with
//! labelled fields that sets a cookie and redirects, a page axe finds
//! faults in, and a page served under the citizens' pages' CSP. One
//! browser for the whole test, as the web suites use it.

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use laa_browser_test::{Browser, Key};

const CSP: &str = "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'self'";

fn page(title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><a href=\"#main\">Skip to main content</a><main id=\"main\"><h1>{title}</h1>{body}</main></body></html>"
    );
    ([(header::CONTENT_SECURITY_POLICY, CSP)], Html(html)).into_response()
}

async fn form() -> Response {
    page(
        "Sign in",
        r#"<form method="post" action="/signed-in">
        <label for="email">Email address</label><input id="email" name="email" type="email" value="old@example.org">
        <label>Pass phrase <input name="phrase" type="password"></label>
        <button type="submit">Sign in</button>
        </form><p><a href="/faulty">A faulty page</a></p>"#,
    )
}

async fn signed_in(body: String) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, format!("/welcome?{body}")),
            (
                header::SET_COOKIE,
                "session=abc123; Path=/; HttpOnly; SameSite=Strict".to_owned(),
            ),
        ],
    )
        .into_response()
}

async fn welcome(headers: HeaderMap) -> Response {
    let cookie = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none");
    page("Welcome", &format!("<p id=\"cookie\">Cookie: {cookie}</p>"))
}

async fn faulty() -> Response {
    // An image without a text alternative, a field without a label.
    Html(
        "<!DOCTYPE html><html lang=\"en\"><head><title>Faulty</title></head><body><main><h1>Faulty</h1>\
         <img src=\"/nothing.png\"><input type=\"text\"></main></body></html>",
    )
    .into_response()
}

async fn long() -> Response {
    page("Long", &"<p>A paragraph.</p>".repeat(300))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_harness_drives_a_real_browser() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let app = Router::new()
        .route("/", get(form))
        .route("/signed-in", axum::routing::post(signed_in))
        .route("/welcome", get(welcome))
        .route("/faulty", get(faulty))
        .route("/long", get(long));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut browser = Browser::new(360).await;
    browser.goto(&format!("{base}/")).await;
    assert_eq!(browser.title().await, "Sign in");
    let viewport = browser
        .execute("return [innerWidth, innerHeight];", vec![])
        .await;
    assert_eq!(
        viewport,
        serde_json::json!([360, 740]),
        "the exact viewport"
    );

    // Forms by their labels; the server's redirect and cookie.
    browser.fill("Email address", "someone@example.org").await;
    browser.fill("Pass phrase", "correct horse").await;
    assert_eq!(
        browser.field("Email address").await.property("value").await,
        "someone@example.org",
        "fill replaces what the field held"
    );
    browser.click_button("Sign in").await;
    assert!(
        browser
            .url()
            .await
            .ends_with("/welcome?email=someone%40example.org&phrase=correct+horse"),
        "{}",
        browser.url().await
    );
    assert_eq!(browser.text("#cookie").await, "Cookie: session=abc123");
    let cookies = browser.cookies().await;
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(cookies[0].http_only && cookies[0].same_site.as_deref() == Some("Strict"));

    // Submitting the form itself, and by keyboard alone.
    browser.goto(&format!("{base}/")).await;
    browser.submit("form").await;
    assert!(browser.url().await.contains("old%40example.org"));
    browser.goto(&format!("{base}/")).await;
    browser.press_all(&[Key::Tab, Key::Tab]).await;
    let focused = browser.focused().await.expect("a focused field");
    assert_eq!(focused.attribute("name").await.as_deref(), Some("email"));
    browser.press_all(&[Key::Tab, Key::Tab]).await;
    assert_eq!(
        browser.focused().await.expect("focus").tag().await,
        "button"
    );
    browser
        .expecting_new_page("Enter on Sign in", browser.press(Key::Enter))
        .await;
    assert!(browser.url().await.contains("/welcome?"));

    // Links: within the page, and to another.
    browser.goto(&format!("{base}/")).await;
    browser.click_link("Skip to main content").await;
    assert!(browser.url().await.ends_with("/#main"));
    browser.click_link("A faulty page").await;
    assert_eq!(browser.title().await, "Faulty");

    // The walk with Tab reaches every stop of the form page, in order.
    browser.goto(&format!("{base}/")).await;
    let walk = browser.tab_walk().await;
    let tags: Vec<&str> = walk.iter().map(|s| s.tag.as_str()).collect();
    assert_eq!(tags, ["a", "input", "input", "button", "a"], "{walk:#?}");
    assert_eq!(browser.focusable().await.len(), 5);
    browser.assert_keyboard_reachable("the form").await;

    // axe runs under a CSP that forbids every script, and finds faults.
    browser.goto(&format!("{base}/")).await;
    assert!(browser.axe().await.is_empty(), "the form page is clean");
    browser.goto(&format!("{base}/faulty")).await;
    let found: Vec<String> = browser.axe().await.into_iter().map(|v| v.id).collect();
    assert!(
        found.contains(&"image-alt".to_owned()) && found.contains(&"label".to_owned()),
        "{found:?}"
    );

    // A full-page screenshot: the whole document, at each width.
    let dir = tempfile::tempdir().expect("a folder");
    browser.goto(&format!("{base}/long")).await;
    for width in [360, 1280] {
        browser.set_width(width).await;
        let (w, h) = browser.page_size().await;
        assert_eq!(w, width);
        assert!(h > 2 * browser.height(), "a long page: {h}");
        let file = browser.screenshot(dir.path(), "long").await;
        assert!(file.ends_with(format!("long-{width}.png")));
    }
}
